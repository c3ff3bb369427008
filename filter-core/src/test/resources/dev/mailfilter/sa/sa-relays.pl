#!/usr/bin/perl
# Prints SpamAssassin's trust path of each message file, as its rules read it: one line per
# message, "FILE<TAB>TRUSTED<TAB>UNTRUSTED<TAB>INTERNAL<TAB>EXTERNAL" (the X-Spam-Relays-*
# pseudo-headers). Only the message's metadata is extracted; no rule runs.
# Usage: sa-relays.pl RULES_DIR SITE_DIR HOME_DIR FILE...
use strict;
use warnings;
use Mail::SpamAssassin;
use Mail::SpamAssassin::PerMsgStatus;

my ($rules, $site, $home, @files) = @ARGV;
my $sa = Mail::SpamAssassin->new({
  rules_filename => $rules,
  site_rules_filename => $site,
  userprefs_filename => "$home/user_prefs",
  home_dir_for_helpers => $home,
  userstate_dir => $home,
  local_tests_only => 1,
  dont_copy_prefs => 1,
  post_config_text => "use_bayes 0\nuse_auto_whitelist 0\nuse_auto_welcomelist 0\n",
});
$sa->init(1);
for my $f (@files) {
  open(my $fh, '<', $f) or die "$f: $!\n";
  my @lines = <$fh>;
  close $fh;
  my $msg = $sa->parse(\@lines);
  my $pms = Mail::SpamAssassin::PerMsgStatus->new($sa, $msg);
  $pms->extract_message_metadata();
  print join("\t", $f, map { scalar $pms->get("X-Spam-Relays-$_") }
    qw(Trusted Untrusted Internal External)), "\n";
  $pms->finish();
  $msg->finish();
}
