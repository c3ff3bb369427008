package dev.mailfilter;

import dev.mailfilter.api.Stage;
import dev.mailfilter.auth.ArcCheck;
import dev.mailfilter.auth.DkimCheck;
import dev.mailfilter.auth.DkimSignCheck;
import dev.mailfilter.auth.DmarcCheck;
import dev.mailfilter.auth.SpfCheck;
import dev.mailfilter.av.ClamdCheck;
import dev.mailfilter.checks.AttachmentCheck;
import dev.mailfilter.checks.EncodedWordCheck;
import dev.mailfilter.checks.GtubeCheck;
import dev.mailfilter.checks.HeaderCheck;
import dev.mailfilter.checks.HeloCheck;
import dev.mailfilter.checks.HtmlCheck;
import dev.mailfilter.checks.MimeDefectsCheck;
import dev.mailfilter.checks.ObfuscationCheck;
import dev.mailfilter.checks.ReceivedCheck;
import dev.mailfilter.checks.SenderCheck;
import dev.mailfilter.checks.SubjectCheck;
import dev.mailfilter.checks.UrlCheck;
import dev.mailfilter.config.ConfigSection;
import dev.mailfilter.dns.DnsSettings;
import dev.mailfilter.dns.DnsblCheck;
import dev.mailfilter.dns.DnsblSettings;
import dev.mailfilter.dns.MirrorSettings;
import dev.mailfilter.learn.ModelSettings;
import dev.mailfilter.sa.SpamAssassinCheck;
import dev.mailfilter.sa.SpamAssassinSettings;
import dev.mailfilter.scores.ScoreSettings;
import dev.mailfilter.spi.CheckRegistry;
import java.util.List;

/**
 * The one place where the built-in checks and configuration sections are wired in. Everything below
 * this package knows nothing of its siblings: the check SPI does not name its implementations and
 * the configuration plumbing does not name the features.
 */
public final class BuiltIns {
  private static final CheckRegistry CHECKS =
      CheckRegistry.builder()
          // One line per built-in check, sorted by name.
          .register("arc", ArcCheck::create)
          .register("attachments", AttachmentCheck::create)
          .register(
              dev.mailfilter.auth.AuthenticationResultsCheck.NAME,
              dev.mailfilter.auth.AuthenticationResultsCheck::create)
          .register("clamd", ClamdCheck::create)
          .register("dkim", DkimCheck::create)
          .register("dkim_sign", DkimSignCheck::create)
          .register("dmarc", DmarcCheck::create)
          .register("dnsbl_connect", DnsblCheck.factory(Stage.CONNECT))
          .register("dnsbl_data", DnsblCheck.factory(Stage.DATA))
          .register("dnsbl_helo", DnsblCheck.factory(Stage.HELO))
          .register("dnsbl_mail_from", DnsblCheck.factory(Stage.MAIL_FROM))
          .register("encoded_words", EncodedWordCheck::create)
          .register("gtube", GtubeCheck::create)
          .register("headers", HeaderCheck::create)
          .register("helo", HeloCheck::create)
          .register("html", HtmlCheck::create)
          .register("mime_defects", MimeDefectsCheck::create)
          .register("model", dev.mailfilter.learn.ModelCheck::create)
          .register("obfuscation", ObfuscationCheck::create)
          .register("received", ReceivedCheck::create)
          .register("sender", SenderCheck::create)
          .register("spamassassin", SpamAssassinCheck::create)
          .register("spf", SpfCheck::create)
          .register("subject", SubjectCheck::create)
          .register("urls", UrlCheck::create)
          .build();

  /** Every registered section, parsed at each load; one line per feature. */
  private static final List<ConfigSection<?>> SECTIONS =
      List.of(
          DnsSettings.SECTION,
          DnsblSettings.SECTION,
          MirrorSettings.SECTION,
          ModelSettings.SECTION,
          ReloadSettings.SECTION,
          ScoreSettings.SECTION,
          SpamAssassinSettings.SECTION);

  private BuiltIns() {}

  /** The built-in checks, by the names a configuration gives them under {@code checks}. */
  public static CheckRegistry checks() {
    return CHECKS;
  }

  /** The built-in top-level configuration sections of features outside the engine. */
  public static List<ConfigSection<?>> sections() {
    return SECTIONS;
  }
}
