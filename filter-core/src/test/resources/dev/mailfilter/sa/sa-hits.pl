#!/usr/bin/perl
# Runs SpamAssassin over message files and prints, per message, the rules (scored and __ sub-rules)
# that hit with their hit counts: "FILE<TAB>RULE=N RULE=N...". Local tests only, no Bayes, no
# auto-welcomelist, score set 2 (local tests and Bayes) as mailfilter reads the rules.
# Usage: sa-hits.pl RULES_DIR SITE_DIR HOME_DIR FILE...
use strict;
use warnings;
use Mail::SpamAssassin;

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
$sa->{conf}->set_score_set(2);
print "#ruleset\t", join(' ', sort keys %{$sa->{conf}->{test_types}}), "\n";
for my $f (@files) {
  open(my $fh, '<', $f) or die "$f: $!\n";
  my @lines = <$fh>;
  close $fh;
  my $msg = $sa->parse(\@lines);
  my $pms = $sa->check($msg);
  my $hit = $pms->{tests_already_hit};
  print $f, "\t", join(' ', map { "$_=$hit->{$_}" } grep { $hit->{$_} } sort keys %$hit), "\n";
  $pms->finish();
  $msg->finish();
}
