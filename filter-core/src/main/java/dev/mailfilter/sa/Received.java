package dev.mailfilter.sa;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code Received} field read as SpamAssassin reads it ({@code
 * Mail::SpamAssassin::Message::Metadata::Received::parse_received_line}, 4.0.1): the handover's
 * client IP, its reverse DNS and HELO name, the receiving host, ident, envelope sender, queue id
 * and authentication, from the many formats real MTAs write.
 *
 * <p>This is a port, case for case and in SpamAssassin's order, not a general trace-field grammar:
 * rules written for SpamAssassin match the string it makes of a relay ({@code [ ip=... rdns=...
 * helo=... ]}), so what it extracts, what it leaves empty and which fields it skips all show in
 * their hits. The differential test compares both on the shared corpus.
 */
final class Received {
  private Received() {}

  /**
   * What a field said: a relay, nothing to count (a local or fetcher handover, or a qmail-scanner
   * note whose envelope sender belongs to the next field), or nothing that could be read.
   */
  sealed interface Parse {}

  /** A handover from {@code ip}. */
  record Relay(
      String ip,
      String rdns,
      String helo,
      String by,
      String ident,
      String envfrom,
      String id,
      String auth,
      boolean noReverseDns,
      boolean rdnsNotInHeaders,
      boolean ipPrivate)
      implements Parse {

    /** The same relay with the envelope sender a qmail-scanner field carried over. */
    Relay withEnvfrom(String envfrom) {
      return new Relay(
          ip, rdns, helo, by, ident, envfrom, id, auth, noReverseDns, rdnsNotInHeaders, ipPrivate);
    }

    /** SpamAssassin's string of a relay (make_relay_as_string), with its trust marks. */
    String asString(boolean internal, boolean msa) {
      return "[ ip="
          + ip
          + " rdns="
          + rdns
          + " helo="
          + helo
          + " by="
          + by
          + " ident="
          + ident
          + " envfrom="
          + (envfrom == null ? "" : envfrom)
          + " intl="
          + (internal ? 1 : 0)
          + " id="
          + id
          + " auth="
          + auth
          + " msa="
          + (msa ? 1 : 0)
          + " ]";
    }
  }

  /** A field that names no handover to count. */
  record Skipped(boolean mailFetcher, String qmailScannerEnvfrom) implements Parse {}

  /** A field in no format known. */
  record Unparseable() implements Parse {}

  private static final Skipped SKIP = new Skipped(false, null);

  // Constants.pm's IP_ADDRESS and LOCALHOST (both /xi), white space and comments taken out.
  static final String IP =
      "(?i:(?:\\b(?<!:)(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\.(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\."
          + "(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\.(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\b|"
          + "(?:IPv6:|(?<![a-f0-9:]))(?:(?:(?:[a-f0-9]{1,4}:){6}|::(?:[a-f0-9]{1,4}:){0,5}|"
          + "(?:[a-f0-9]{1,4}:){1,5}:|[a-f0-9]{1,4}::(?:[a-f0-9]{1,4}:){1,4}|"
          + "(?:[a-f0-9]{1,4}:){2}:(?:[a-f0-9]{1,4}:){1,3}|(?:[a-f0-9]{1,4}:){3}:(?:[a-f0-9]{1,4}:){1,2}|"
          + "(?:[a-f0-9]{1,4}:){4}:[a-f0-9]{1,4}:)(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\."
          + "(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\.(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\."
          + "(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)|(?:[a-f0-9]{1,4}:){7}[a-f0-9]{1,4}|"
          + ":(?::[a-f0-9]{1,4}){1,7}|(?:[a-f0-9]{1,4}:){1,7}:|[a-f0-9]{1,4}:(?::[a-f0-9]{1,4}){1,6}|"
          + "(?:[a-f0-9]{1,4}:){2}(?::[a-f0-9]{1,4}){1,5}|(?:[a-f0-9]{1,4}:){3}(?::[a-f0-9]{1,4}){1,4}|"
          + "(?:[a-f0-9]{1,4}:){4}(?::[a-f0-9]{1,4}){1,3}|(?:[a-f0-9]{1,4}:){5}(?::[a-f0-9]{1,4}){1,2}|"
          + "(?:[a-f0-9]{1,4}:){6}:[a-f0-9]{1,4}|::)(?![a-f0-9:])))";

  private static final String LOCALHOST =
      "(?i:(?:localhost(?:\\.localdomain)?|\\b(?<!:)127\\.0\\.0\\.1\\b|(?:IPv6:|(?<![a-f0-9:]))"
          + "(?:(?:(?:0{1,4}:){5}ffff:|::(?:0{1,4}:){0,4}ffff:|(?:0{1,4}:){1,4}:ffff:|"
          + "0{1,4}::(?:0{1,4}:){1,3}ffff:|(?:0{1,4}:){2}:0{1,2}:ffff:|(?:0{1,4}:){3}:0:ffff:|"
          + "(?:0{1,4}:){4}:ffff:)127\\.0\\.0\\.1|(?:0{1,4}:){7}0{0,3}1|:(?::0{1,4}){0,6}:0{0,3}1|"
          + "0{1,4}:(?::0{1,4}){0,5}:0{0,3}1|(?:0{1,4}:){2}(?::0{1,4}){0,4}:0{0,3}1|"
          + "(?:0{1,4}:){3}(?::0{1,4}){0,3}:0{0,3}1|(?:0{1,4}:){4}(?::0{1,4}){0,2}:0{0,3}1|"
          + "(?:0{1,4}:){5}(?::0{1,4}){0,1}:0{0,3}1|(?:0{1,4}:){6}:0{0,3}1)(?![a-f0-9:])))";

  private static final Pattern PRIVATE =
      Pattern.compile(
          "(?i:^(?:(?:10|127|169\\.254|172\\.(?:1[6-9]|2[0-9]|3[01])|192\\.168|"
              + "100\\.(?:6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7]))\\..*|(?:(?:IPv6:|(?<![a-f0-9:]))"
              + "(?:(?:(?:0{1,4}:){5}ffff:|::(?:0{1,4}:){0,4}ffff:|(?:0{1,4}:){1,4}:ffff:|"
              + "0{1,4}::(?:0{1,4}:){1,3}ffff:|(?:0{1,4}:){2}:0{1,2}:ffff:|(?:0{1,4}:){3}:0:ffff:|"
              + "(?:0{1,4}:){4}:ffff:)(?:10|127|169\\.254|172\\.(?:1[6-9]|2[0-9]|3[01])|192\\.168|"
              + "100\\.(?:6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7]))\\..*|fe[89ab][0-9a-f]:.*|"
              + "(?:0{1,4}:){7}0{0,3}1|:(?::0{1,4}){0,6}:0{0,3}1|0{1,4}:(?::0{1,4}){0,5}:0{0,3}1|"
              + "(?:0{1,4}:){2}(?::0{1,4}){0,4}:0{0,3}1|(?:0{1,4}:){3}(?::0{1,4}){0,3}:0{0,3}1|"
              + "(?:0{1,4}:){4}(?::0{1,4}){0,2}:0{0,3}1|(?:0{1,4}:){5}(?::0{1,4}){0,1}:0{0,3}1|"
              + "(?:0{1,4}:){6}:0{0,3}1)(?![a-f0-9:]))))");

  /** Compiles a pattern as written in Received.pm, with its IP and localhost constants. */
  private static Pattern p(String perl) {
    return Pattern.compile(perl.replace("${IP}", IP).replace("${LOCALHOST}", LOCALHOST));
  }

  private static Pattern pi(String perl) {
    return Pattern.compile(
        perl.replace("${IP}", IP).replace("${LOCALHOST}", LOCALHOST), Pattern.CASE_INSENSITIVE);
  }

  private static final Pattern WS = p("\\s+");
  private static final Pattern TRAILING_SEMI = p("\\s?;$");
  private static final Pattern STARTS_FROM = pi("^\\(?from ");
  private static final Pattern WITH_LOCAL_FOR = p("\\bwith local for\\b");
  private static final Pattern FROM_BY_SEMI = pi("^from (\\S+) by [^\\s;]+ ?;");
  private static final Pattern BRACKETED_V4 = p("^\\[[\\d.]+\\]$");
  private static final Pattern DATE =
      p(
          "[\\s;]+(?:(?:Mon|T(?:ue|hu)|Wed|Fri|S(?:at|un)), )?\\d+"
              + " (?:J(?:an|u[nl])|Feb|Ma[ry]|A(?:pr|ug)|Sep|Oct|Nov|Dec) \\d+ \\d+:\\d+(?::\\d+)? \\S+$");
  private static final Pattern ID = p(" id <?([^\\s<>;]{3,})");
  private static final String HELO_CHARS = "[-A-Za-z0-9\\.\\^+_&:=?!@%*\\$\\\\\\/]";
  private static final Pattern HELO_EQ =
      p("\\bhelo=(" + HELO_CHARS + "+)(?:[^-A-Za-z0-9\\.\\^+_&:=?!@%*\\$\\\\\\/]|$)");
  private static final Pattern HELO_WORD =
      p("\\b(?:HELO|EHLO) (" + HELO_CHARS + "+)(?:[^-A-Za-z0-9\\.\\^+_&:=?!@%*\\$\\\\\\/]|$)");
  private static final Pattern BY = p(" by (\\S+)(?:[^-A-Za-z0-9\\;\\.]|$)");
  private static final Pattern SPACE_BY_SPACE = p(" by ");
  private static final Pattern AUTH_WITH =
      pi(" with ((?:ES|L|UTF8S|UTF8L)MTPS?A|ASMTP|HTTP[SU]?)(?: |;|$)");
  private static final Pattern AUTH_GMAIL =
      p(
          " by mx\\.google\\.com with ESMTPS id [a-z0-9]{1,4}sm[0-9]{2,9}[a-z]{3}\\.[0-9]{1,3}\\.[0-9]{4}"
              + "\\.(?:[0-6][0-9]\\.){4}[0-6][0-9]");
  private static final Pattern AUTH_GMAIL_TLS = p("\\(version=([^ ]+) cipher=([^\\)]+)\\)");
  private static final Pattern AUTH_COURIER =
      p(
          "^from .*?(?:\\]\\)|\\)\\]) \\(AUTH: (LOGIN|PLAIN|DIGEST-MD5|CRAM-MD5) \\S+(?:, .*?)?\\) by ");
  private static final Pattern AUTHENTICATED = p("authenticated");
  private static final Pattern AUTH_SENDMAIL =
      p("^from .*?(?:\\](?: \\([^)]*\\))?\\)|\\)\\]) .*?\\(.*?authenticated.*?\\).*? by");
  private static final Pattern AUTH_GMX =
      p(
          "from \\S* \\((?:HELO|EHLO) (\\S*)\\) \\[(${IP})\\] by (mail\\.gmx\\.(?:net|com))"
              + " \\([^\\)]+\\) with ((?:ESMTP|SMTP))");
  private static final Pattern AUTHENTICATED_AS = p(" \\(authenticated as ");
  private static final Pattern AUTH_CRITICAL_PATH =
      p("\\) by .+ \\(\\d{1,2}\\.\\d\\.\\d{3}(?:\\.\\d{1,3})?\\) \\(authenticated as .+\\) id ");
  private static final Pattern AUTH_POSTFIX =
      p("\\) \\(Authenticated sender: \\S+\\) by \\S+ \\(([^\\)]+)\\) with ");
  private static final Pattern COMMUNIGATE = p("CommuniGate Pro (HTTP|SMTP|XIMSS|IMAP)");
  private static final Pattern ACCOUNT = p(" \\(account ");
  private static final Pattern HTTP_DAV = p(" with Microsoft Exchange Server HTTP-DAV\\b");
  private static final Pattern VIA_HTTP = pi(" \\(via (HTTP.?)\\)(?: |;|$)");

  private static final Pattern ENVFROM =
      pi("(?:return-path:? |envelope-(?:sender|from)[ =])(\\S+)\\b");
  private static final Pattern SQUIRREL = p(" \\((?:SquirrelMail|NaSMail) authenticated user ");
  private static final Pattern SQUIRREL_IP = p("(${IP})\\b(?![.-]).{10,80}by (\\S+) with HTTP");
  private static final Pattern AOL = p("aol\\.com");
  private static final Pattern AOL_WEBMAIL = p("with HTTP \\(WebMailUI\\)");
  private static final Pattern AOL_IP =
      p("(${IP}) by (\\S+) \\(${IP}\\) with HTTP \\(WebMailUI\\)");
  private static final Pattern SMTPSVC = p(" SMTPSVC");
  private static final Pattern SMTPSVC_1 =
      p("^(\\S*) \\(\\[(${IP})\\][^\\)]{0,40}\\) by (\\S+) with Microsoft SMTPSVC");
  private static final Pattern SMTPSVC_PICKUP =
      p("^mail pickup service by (\\S+) with Microsoft SMTPSVC$");
  private static final Pattern MS_SMTP =
      p(
          " with (?:Microsoft SMTP Server|mapi id) (?:\\([^\\)]+\\) )?\\d+\\.\\d+\\.\\d+\\.\\d+(?:$| )");
  private static final Pattern MS_SMTP_1 =
      p("^(\\S+) \\(\\[?(${IP})(?:%[A-Z0-9._~-]*)?\\]?\\) by (\\S+) ");
  private static final Pattern XMAIL = p("\\[XMail ");
  private static final Pattern XMAIL_1 =
      p("^(\\S+) \\((\\[?${IP}\\]?)(?::\\d+)\\) by (\\S+)(?: \\(\\S+\\))? with \\[XMail");
  private static final Pattern XMAIL_ID = p(" id <(\\S+)>");
  private static final Pattern XMAIL_FROM = p(" from <(\\S+)>");
  private static final Pattern ECELERITY = p("\\(ecelerity\\b");
  private static final Pattern ECELERITY_1 = p("^\\(\\[(${IP}):\\d+\\] helo=(\\S+)\\) by (\\S+) ");
  private static final Pattern ECELERITY_2 = p("^\\S+ \\(\\[(${IP}):\\d+\\]\\) by (\\S+) ");
  private static final Pattern EXIM = p("Exim");
  private static final Pattern EXIM_LOCAL = p("\\bwith local(?:-\\S+)? ");
  private static final Pattern EXIM_1 = p("^\\[(${IP})\\] \\((.*?)\\) by (\\S+) ");
  private static final Pattern EXIM_2 = p("^(\\S+) \\(\\[(${IP})\\](.*?)\\) by (\\S+) ");
  private static final Pattern EXIM_3 = p("^(\\S+) \\[(${IP})\\](:\\d+)? by (\\S+) ");
  private static final Pattern EXIM_RDNS = p("^(\\S+) ");
  private static final Pattern EXIM_HELO = p(" \\((\\S+)\\) ");
  private static final Pattern EXIM_IP = p(" \\[(${IP})(?:\\.\\d+)?\\] ");
  private static final Pattern EXIM_BY = p("by (\\S+) ");
  private static final Pattern SUB_HELO = p("helo=(\\S+)");
  private static final Pattern SUB_IDENT = p("ident=(\\S*)");
  private static final Pattern POSTFIX = p(" \\(Postfix\\) with");
  private static final Pattern POSTFIX_1 = p("^(\\S+) \\((\\S+) \\[(${IP})\\]\\) by (\\S+) ");
  private static final Pattern POSTFIX_2 = p("^(\\S+) \\((\\S+)\\[(${IP})\\]\\) by (\\S+) ");
  private static final Pattern SCALIX = p("\\(Scalix SMTP Relay");
  private static final Pattern SCALIX_1 = p("^(\\S+) \\( ?(${IP})\\) by (\\S+)");
  private static final Pattern DOMINO = p(" \\(Lotus Domino ");
  private static final Pattern DOMINO_1 = p("^(\\S+) \\(\\[(${IP})\\]\\) by (\\S+) \\(Lotus");
  private static final Pattern WITH_HTTP = p("\\bwith HTTP\\b");
  private static final Pattern HTTP_1 = p("^(${IP}) \\(\\[${IP}\\]\\) by (\\S+)");
  private static final Pattern QMAIL_LDAP = p(" by \\S+ \\(qmail-\\S+\\) with ");
  private static final Pattern SENDMAIL_1 = p("^(\\S+) \\((\\S+) \\[(${IP})\\].*\\) by (\\S+) \\(");
  private static final Pattern IDENT_PREFIX = p("^IDENT:([^\\@]*)\\@");
  private static final Pattern AT_PREFIX = p("^([^\\@]*)\\@");
  private static final Pattern EXCHANGE_1 =
      p("^(\\S+) \\((\\S+) \\[(${IP})\\]\\) by (\\S+) with \\S+ \\(");
  private static final Pattern HELO_EQ_1 =
      p("^(\\S+) \\(\\[(${IP})\\] helo=(\\S+)\\) by (\\S+) with ");
  private static final Pattern ATTBI_1 = p("^(\\S+) \\(<unknown\\S*>\\[(${IP})\\]\\) by (\\S+) ");
  private static final Pattern ATTBI_2 = p("^(\\S+) \\((\\S+\\.\\S+)\\[(${IP})\\]\\) by (\\S+) ");
  private static final Pattern IDENT_AT_1 =
      p("^(\\S+) \\((\\S*)\\@\\[(${IP})\\].*\\) by (\\S+) \\(");
  private static final Pattern HOTMAIL = p("by (\\S+\\.hotmail\\.msn\\.com) ");
  private static final Pattern LEADING_IP = p("^(${IP}) ");
  private static final Pattern QPSMTPD =
      p(
          "^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\((${IP})\\) by (\\S+) \\(qpsmtpd\\/\\S+\\)"
              + " with (?:ESMTP|SMTP)");
  private static final Pattern LMTP =
      p("^(\\S+) \\(LHLO (\\S*)\\) \\((${IP})\\) by (\\S+) with LMTP");
  private static final Pattern GMX =
      p(
          "^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\[(${IP})\\] by (\\S+) \\([^\\)]+\\) with (?:ESMTP|SMTP)");
  private static final Pattern SMTPD_FOR =
      p("^(\\S+) \\(\\[(${IP})\\]\\) by (\\S+) via smtpd \\(for \\S+\\) with SMTP\\(");
  private static final Pattern QMAIL =
      p(
          "^\\S+( \\((?:HELO|EHLO) \\S*\\))? \\((\\S+\\@)?\\[?${IP}\\]?\\)( \\(envelope-sender <\\S+>\\))?"
              + " by \\S+( \\(.+\\))* with (.* )?(SMTP|QMQP)(?! id )");
  private static final Pattern QMAIL_1 =
      p(
          "^(\\S+) \\((?:HELO|EHLO) ([^ \\(\\)]*)\\) \\((\\S*)\\@\\[?(${IP})\\]?\\)"
              + "( \\(envelope-sender <\\S+>\\))? by (\\S+)");
  private static final Pattern QMAIL_2 =
      p(
          "^(\\S+) \\((?:HELO|EHLO) ([^ \\(\\)]*)\\) \\(\\[?(${IP})\\]?\\)( \\(envelope-sender <\\S+>\\))?"
              + " by (\\S+)");
  private static final Pattern QMAIL_3 =
      p("^(\\S+) \\((\\S*)\\@\\[?(${IP})\\]?\\)( \\(envelope-sender <\\S+>\\))? by (\\S+)");
  private static final Pattern QMAIL_4 =
      p("^(\\S+) \\(\\[?(${IP})\\]?\\)( \\(envelope-sender <\\S+>\\))? by (\\S+)");
  private static final Pattern VIA_HTTP_END = p(" via HTTP$");
  private static final Pattern YAHOO_HTTP = p("^\\[(${IP})\\] by (\\S+) via HTTP$");
  private static final Pattern SPACE_BRACKET = p("^(\\S+) \\( \\[(${IP})\\]\\).*? by (\\S+) ");
  private static final Pattern PAREN_HELO = p("^\\((\\S+) \\[(${IP})\\]\\) by (\\S+) ");
  private static final Pattern BRACKET_BY = p("^\\[(${IP})\\] by (\\S+) ");
  private static final Pattern PAREN_IP_BY = p("^\\(\\[?(${IP})\\]?\\) by (\\S+) ");
  private static final Pattern MDAEMON_1 = p("^(\\S+) \\[(${IP})\\] by (\\S+) \\[${IP}\\] with ");
  private static final Pattern MDAEMON_2 = p("^(\\S+) \\[\\((${IP})\\)\\] by (\\S+) \\(${IP}\\) ");
  private static final Pattern SENDMAIL_2 = p("^(\\S+) \\(\\[(${IP})\\]\\) by (\\S+) \\(");
  private static final Pattern SENDMAIL_3 = p("^(\\S+) \\((\\S+) \\[(${IP})\\]\\).*? by (\\S+)\\b");
  private static final Pattern SENDMAIL_4 =
      p("^(\\S+) \\(\\[(${IP})(?:[.:]\\d+)?\\]\\).*? by (\\S+) ");
  private static final Pattern SENDMAIL_5 =
      p("^(\\S+) \\((\\S+) \\[(${IP})\\]\\)(?: \\(authenticated bits=\\d+\\))? by (\\S+) \\(");
  private static final Pattern FETCHER = p("with (?:POP3|IMAP)");
  private static final Pattern QMAILISH_1 =
      p("^(\\S+) \\((?:HELO|EHLO) ([^\\)]*)\\) \\((\\S*@)?\\[?(${IP})\\]?\\).* by (\\S+) ");
  private static final Pattern QMAILISH_2 = p("^(\\S+) \\((\\S*@)?\\[?(${IP})\\]?\\).* by (\\S+) ");
  private static final Pattern WITH_HTTP_FOR = p(" with http for ");
  private static final Pattern OUTBLAZE = p("^\\[(${IP})\\] by (\\S+) with http for ");
  private static final Pattern VIA_SMAP = p(" via smap ");
  private static final Pattern SMAP_1 = p("^(\\S+)\\((${IP})\\) by (\\S+) via smap ");
  private static final Pattern SMAP_2 =
      p("^(\\S+)\\((${IP}), (?:HELO|EHLO) (\\S*)\\) by (\\S+) via smap ");
  private static final Pattern POST = p(" \\(Post");
  private static final Pattern POST_OFFICE = p("^\\[(${IP})\\] by (\\S+) \\(Post");
  private static final Pattern ARGOSOFT = p(" \\(ArGoSoft");
  private static final Pattern ARGOSOFT_1 = p("^\\[(${IP})\\] by (\\S+) \\(ArGoSoft");
  private static final Pattern INTERSCAN = p("^(${IP}) by (\\S+) \\((?:SMTPL|InterScan)\\b");
  private static final Pattern WITH_BSMTP = p(" with BSMTP");
  private static final Pattern BSMTP = p("^\\S+ by \\S+ with BSMTP");
  private static final Pattern SPIKE = p("^(\\S+) \\((\\S+) \\[(${IP})\\]\\) by (\\S+) with ");
  private static final Pattern YAHOO_PLAIN =
      p("^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\((?:(\\S+)\\@)?(${IP}).*?\\) by (\\S+) with ");
  private static final Pattern COMMUNIGATE_1 =
      p("^\\[(${IP})\\] \\((?:account \\S+ )?(?:HELO|EHLO) (\\S*)\\) by (\\S+) \\(");
  private static final Pattern COMMUNIGATE_PRO = p(" \\(CommuniGate Pro");
  private static final Pattern COMMUNIGATE_2 =
      p("^(\\S+) \\(\\[(${IP})\\] verified\\) by (\\S+) \\(");
  private static final Pattern CIPHERTRUST = p("^\\(\\[(${IP})\\]\\) by (\\S+) with ");
  private static final Pattern IRONPORT = p("^([^\\d]\\S+) \\((${IP})\\) by (\\S+) ");
  private static final Pattern CONTENT_TECH =
      p("^\\S+ \\(\\S+\\) by \\S+ \\(Content Technologies ");
  private static final Pattern DOUBLE_IP =
      p("^(\\S+) \\(\\[(${IP})\\] \\[(\\S+)\\]\\) by (\\S+) with ");
  private static final Pattern TUMBLEWEED = p("^(${IP}) by (\\S+) with ");
  private static final Pattern POBOX = p("^(\\S+) \\((\\S+)\\[(${IP})\\]\\) by (\\S+) ");
  private static final Pattern FSECURE =
      p("^\\[(${IP})\\]\\S+ \\((?:HELO|EHLO) (\\S*)\\) by (\\S+) ");
  private static final Pattern ALTAVISTA = p("^(${IP}) \\((?:HELO|EHLO) (\\S*)\\) by (\\S+) ");
  private static final Pattern SMTPD32 = p("^(\\S+) \\[(${IP})\\] by (\\S+) ");
  private static final Pattern CSMAP = p("^(\\S+)\\((${IP})\\) by (\\S+) ");
  private static final Pattern MAILGATE = p("^\\[(${IP})\\] by (\\S+) \\(MailGate ");
  private static final Pattern UNVERIFIED = p("^(\\S+) \\(unverified \\[(${IP})\\]\\) by (\\S+) ");
  private static final Pattern PROXYING = p("^(${IP}) \\([A-Za-z][^\\)]+\\) by (\\S+) with ");
  private static final Pattern BRACKET_SUB = p("^\\[(${IP})\\] \\(([^\\)]+)\\) by (\\S+) ");
  private static final Pattern KDE = p("^(\\S+) \\((?:\\S+\\@)?(${IP})\\) by (\\S+) with ");
  private static final Pattern OBTUSE =
      p("^(\\S+)\\((${IP})\\)(?:, claiming to be \"(\\S+)\")? via \\S+ by (\\S+),");
  private static final Pattern YAHOO_LOGIN =
      p("^(\\S+) \\((\\S+)@(${IP}) with login\\) by (\\S+\\.yahoo\\.com) with SMTP");
  private static final Pattern ORIGINATING = p("^X-Originating-IP: (${IP})$");

  private static final Pattern[] IGNORED = {
    p("^\\S+ \\([^\\s\\@]+\\@${LOCALHOST}\\) by \\S+ \\("),
    p("^\\S+ \\S+ by \\S+ with local-e?smtp "),
    p("^127\\.0\\.0\\.1 \\(AVG SMTP \\S+ \\[\\S+\\]\\)"),
    p("^\\S+\\@\\S+ by \\S+ by uid \\S+ "),
    p("^\\S+\\@\\S+ by \\S+ "),
    p("^Unknown\\/Local \\("),
    p("^${LOCALHOST} \\((?:\\S+\\@)?${LOCALHOST}[\\)\\[]"),
    p("^\\S+ \\((?:\\S+\\@)?${LOCALHOST}\\) "),
    p("^\\S+ \\(\\S+\\@\\S+ \\[${LOCALHOST}\\]\\) "),
    p("^\\(AUTH: \\S+\\) by \\S+ with "),
    p("^localhost \\(localhost \\[\\[UNIX: localhost\\]\\]\\) by "),
    p("^\\S+\\.amazon\\.com by \\S+\\.amazon\\.com with ESMTP \\(peer crosscheck: "),
    p("^[^\\.]+ by \\S+ with Novell_GroupWise"),
    p("^no\\.name\\.available by \\S+ via smtpd \\(for "),
  };
  private static final Pattern QMAIL_SCANNER = p("^\\S+ by \\S+ \\(.{0,100}\\) with qmail-scanner");
  private static final Pattern[] IGNORED_AFTER_SCANNER = {
    p("^\\S+ by \\S+ with local"),
    p("^\\S+ \\(\\[unix socket\\]\\) by \\S+ \\(Cyrus v[0-9]*?\\.[0-9]*?\\.[0-9]*?\\) with LMTPA"),
    p("^\\S+ by \\S+ (?:with|via|for|\\()"),
    p("^\\S+ (?:(?:with|via|for) \\S+|\\(unverified\\)) by\\b"),
    p("^\\S+ \\(unknown\\) by \\S+ \\(SG\\) with \\b"),
    p("^\\S+ \\(\\S+ \\[local\\]\\) by \\S+ \\(OpenSMTPD\\) with \\b"),
    p("\\(LSMTP for"),
    p("^\\(\\[${LOCALHOST}\\]\\) with MailEnable "),
    p("^facebook\\.com \\([^\\)]+\\) by facebook\\.com with Thrift id \\S+$"),
    p("^\\S+ named \\S+ by gmailapi\\.google\\.com with HTTPREST$"),
    p("^\\S+ id \\S+$"),
    p("^\\[<.*? \\(Jetsend"),
  };
  private static final Pattern GUESS_HELO = p("^(\\S+)[^-A-Za-z0-9\\.]");
  private static final Pattern SIMTA =
      p(
          "^(\\S+) \\((\\S+) \\[(${IP})\\]\\) BY (\\S+) (?:\\([^\\)]+\\) WITH SMTP )?ID <?(\\S+?)>?"
              + "(?: FOR <[^>]+>)?$");
  private static final Pattern NAVGW =
      p("^(\\S*) \\[(${IP})\\]\\) by (\\S+) \\(NAVGW .*?\\) with ");
  private static final Pattern SENDMAIL_T = p("^\\S+\\@localhost\\) by \\S+ ");
  private static final Pattern JQUEUEMAIL =
      p("^[^\\s\\@]+\\@[^)]+\\) by \\S+\\(jqueuemail\\) id [^\\s;]+");
  private static final Pattern ANY_BRACKET_IP = p("\\[(${IP})\\]");
  private static final Pattern STRIP = p("[\\s\\x00#\\[\\]\\(\\)<>|]");

  /** The state parse_received_line keeps in its lexical variables. */
  private static final class Fields {
    String s;
    String ip = "";
    String helo = "";
    String rdns = "";
    String by = "";
    String id = "";
    String ident = "";
    String envfrom;
    boolean mtaLookedUpDns;
    String auth = "";
  }

  /** A field that did not name a handover: parse_received_line's {@code return 0}. */
  private static final Object ZERO = new Object();

  /** {@code goto enough}. */
  private static final Object ENOUGH = new Object();

  /** Reads one field's value (folded lines already joined with a space, as SpamAssassin does). */
  static Parse parse(String value) {
    Fields f = new Fields();
    String s = WS.matcher(value).replaceAll(" ");
    if (s.startsWith(" ")) {
      s = s.substring(1);
    }
    if (s.endsWith(" ")) {
      s = s.substring(0, s.length() - 1);
    }
    for (Matcher m = TRAILING_SEMI.matcher(s); m.find(); m = TRAILING_SEMI.matcher(s)) {
      s = s.substring(0, m.start());
    }
    if (!STARTS_FROM.matcher(s).find()) {
      return SKIP;
    }
    if (WITH_LOCAL_FOR.matcher(s).find()) {
      return SKIP;
    }
    Matcher m = FROM_BY_SEMI.matcher(s);
    if (m.find() && !BRACKETED_V4.matcher(m.group(1)).find()) {
      return SKIP;
    }
    s = DATE.matcher(s).replaceFirst("");
    s = s.replaceFirst("\\)by ", ") by ");
    f.s = s;

    if ((m = ID.matcher(s)).find()) {
      f.id = m.group(1);
    }
    if ((m = HELO_EQ.matcher(s)).find()) {
      f.helo = m.group(1);
    } else if ((m = HELO_WORD.matcher(s)).find()) {
      f.helo = m.group(1);
    }
    if ((m = BY.matcher(s)).find()) {
      f.by = m.group(1);
    }
    auth(f);

    Object outcome;
    if (s.startsWith("from ")) {
      f.s = s.substring(5);
      outcome = lowerFrom(f);
    } else if (s.startsWith("FROM ")) {
      f.s = s.substring(5);
      outcome = upperFrom(f);
    } else if (s.startsWith("(from ")) {
      f.s = s.substring(6);
      outcome = parenFrom(f);
    } else {
      outcome = null;
    }
    if (outcome instanceof Skipped sk) {
      return sk;
    }
    if (outcome == ZERO) {
      return SKIP;
    }
    if (outcome != ENOUGH) {
      if (f.ip.isEmpty() && (m = ANY_BRACKET_IP.matcher(f.s)).find()) {
        f.ip = m.group(1);
      }
      if (f.ip.isEmpty() || f.by.isEmpty()) {
        return new Unparseable();
      }
    }
    return enough(f);
  }

  private static void auth(Fields f) {
    String s = f.s;
    Matcher m;
    if (SPACE_BY_SPACE.matcher(s).find() && (m = AUTH_WITH.matcher(s)).find()) {
      f.auth = m.group(1);
    } else if (AUTH_GMAIL.matcher(s).find() && (m = AUTH_GMAIL_TLS.matcher(s)).find()) {
      f.auth = "GMail - transport=" + m.group(1) + " cipher=" + m.group(2);
    } else if ((m = AUTH_COURIER.matcher(s)).find()) {
      f.auth = m.group(1);
    } else if (AUTHENTICATED.matcher(s).find() && AUTH_SENDMAIL.matcher(s).find()) {
      f.auth = "Sendmail";
    } else if ((m = AUTH_GMX.matcher(s)).find()) {
      f.auth = "GMX (" + m.group(4) + " / " + m.group(3) + ")";
    } else if (AUTHENTICATED_AS.matcher(s).find() && AUTH_CRITICAL_PATH.matcher(s).find()) {
      f.auth = "CriticalPath";
    } else if ((m = AUTH_POSTFIX.matcher(s)).find()) {
      f.auth = m.group(1).equals("Postfix") ? "Postfix" : "Postfix (" + m.group(1) + ")";
    } else if (COMMUNIGATE.matcher(s).find() && ACCOUNT.matcher(s).find()) {
      f.auth = "Communigate";
    } else if (HTTP_DAV.matcher(s).find()) {
      f.auth = "HTTP-DAV";
    } else if (SPACE_BY_SPACE.matcher(s).find() && (m = VIA_HTTP.matcher(s)).find()) {
      f.auth = m.group(1);
    }
  }

  private static String g(Matcher m, int group) {
    String v = m.group(group);
    return v == null ? "" : v;
  }

  /** The formats after {@code from }: ENOUGH, ZERO, a Skipped, or null to fall through. */
  private static Object lowerFrom(Fields f) {
    String s = f.s;
    Matcher m;
    if ((m = ENVFROM.matcher(s)).find()) {
      f.envfrom = m.group(1);
    }
    if (SQUIRREL.matcher(s).find() && (m = SQUIRREL_IP.matcher(s)).find()) {
      f.ip = m.group(1);
      f.by = m.group(2);
      return ENOUGH;
    }
    if (AOL.matcher(s).find() && AOL_WEBMAIL.matcher(s).find()) {
      if ((m = AOL_IP.matcher(s)).find()) {
        f.ip = m.group(1);
        f.by = m.group(2);
        return ENOUGH;
      }
    }
    if (SMTPSVC.matcher(s).find()) {
      if ((m = SMTPSVC_1.matcher(s)).find()) {
        f.helo = m.group(1);
        f.ip = m.group(2);
        f.by = m.group(3);
        return ENOUGH;
      }
      if (SMTPSVC_PICKUP.matcher(s).find()) {
        return ZERO;
      }
    } else if (MS_SMTP.matcher(s).find()) {
      if ((m = MS_SMTP_1.matcher(s)).find()) {
        f.helo = m.group(1);
        f.ip = m.group(2);
        f.by = m.group(3);
        f.id = "";
        return ENOUGH;
      }
    } else if (XMAIL.matcher(s).find()) {
      if ((m = XMAIL_1.matcher(s)).find()) {
        f.helo = m.group(1);
        f.ip = m.group(2);
        f.by = m.group(3);
        Matcher x;
        if ((x = XMAIL_ID.matcher(s)).find()) {
          f.id = x.group(1);
        }
        if ((x = XMAIL_FROM.matcher(s)).find()) {
          f.envfrom = x.group(1);
        }
        return ENOUGH;
      }
    } else if (ECELERITY.matcher(s).find()) {
      if ((m = ECELERITY_1.matcher(s)).find()) {
        f.ip = m.group(1);
        f.helo = m.group(2);
        f.by = m.group(3);
        return ENOUGH;
      }
      if ((m = ECELERITY_2.matcher(s)).find()) {
        f.ip = m.group(1);
        f.by = m.group(2);
        return ENOUGH;
      }
    } else if (EXIM.matcher(s).find()) {
      if (EXIM_LOCAL.matcher(s).find()) {
        return ZERO;
      }
      if ((m = EXIM_1.matcher(s)).find()) {
        f.ip = m.group(1);
        f.by = m.group(3);
        subHeloIdent(f, m.group(2));
        return ENOUGH;
      }
      if ((m = EXIM_2.matcher(s)).find()) {
        f.rdns = m.group(1);
        f.ip = m.group(2);
        f.by = m.group(4);
        f.helo = f.rdns;
        subHeloIdent(f, m.group(3));
        return ENOUGH;
      }
      if ((m = EXIM_3.matcher(s)).find()) {
        f.rdns = m.group(1);
        f.ip = m.group(2);
        f.helo = m.group(1);
        f.by = m.group(4);
        return ENOUGH;
      }
      if ((m = EXIM_RDNS.matcher(s)).find()) {
        f.rdns = m.group(1);
      }
      if ((m = EXIM_HELO.matcher(s)).find()) {
        f.helo = m.group(1);
      }
      if ((m = EXIM_IP.matcher(s)).find()) {
        f.ip = m.group(1);
      }
      if ((m = EXIM_BY.matcher(s)).find()) {
        f.by = m.group(1);
        if (!f.ip.isEmpty()) {
          return ENOUGH;
        }
      }
    } else if (POSTFIX.matcher(s).find()) {
      for (Pattern p : new Pattern[] {POSTFIX_1, POSTFIX_2}) {
        if ((m = p.matcher(s)).find()) {
          f.mtaLookedUpDns = true;
          f.helo = m.group(1);
          f.rdns = m.group(2);
          f.ip = m.group(3);
          f.by = m.group(4);
          if (f.rdns.equals("unknown")) {
            f.rdns = "";
          }
          return ENOUGH;
        }
      }
    } else if (SCALIX.matcher(s).find()) {
      if ((m = SCALIX_1.matcher(s)).find()) {
        f.helo = m.group(1);
        f.ip = m.group(2);
        f.by = m.group(3);
        return ENOUGH;
      }
    } else if (DOMINO.matcher(s).find()) {
      if ((m = DOMINO_1.matcher(s)).find()) {
        f.mtaLookedUpDns = false;
        f.helo = m.group(1);
        f.ip = m.group(2);
        f.by = m.group(3);
        return ENOUGH;
      }
    }

    if (WITH_HTTP.matcher(s).find() && (m = HTTP_1.matcher(s)).find()) {
      f.ip = m.group(1);
      f.by = m.group(2);
      return ENOUGH;
    }

    if (!QMAIL_LDAP.matcher(s).find()) {
      if ((m = SENDMAIL_1.matcher(s)).find()) {
        f.mtaLookedUpDns = true;
        f.helo = m.group(1);
        f.rdns = m.group(2);
        f.ip = m.group(3);
        f.by = m.group(4);
        Matcher r;
        if ((r = IDENT_PREFIX.matcher(f.rdns)).find()) {
          f.ident = r.group(1);
          f.rdns = f.rdns.substring(r.end());
        }
        if ((r = AT_PREFIX.matcher(f.rdns)).find()) {
          f.ident = r.group(1);
          f.rdns = f.rdns.substring(r.end());
        }
        return ENOUGH;
      }
    }

    if ((m = EXCHANGE_1.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.rdns = m.group(2);
      f.ip = m.group(3);
      f.helo = m.group(1);
      f.by = m.group(4);
      return ENOUGH;
    }
    if ((m = HELO_EQ_1.matcher(s)).find()) {
      f.rdns = m.group(1);
      f.ip = m.group(2);
      f.helo = m.group(3);
      f.by = m.group(4);
      return ENOUGH;
    }
    if ((m = ATTBI_1.matcher(s)).find()) {
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = ATTBI_2.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.helo = m.group(1);
      f.rdns = m.group(2);
      f.ip = m.group(3);
      f.by = m.group(4);
      return ENOUGH;
    }
    if ((m = IDENT_AT_1.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.helo = m.group(1);
      f.ip = m.group(3);
      f.by = m.group(4);
      f.ident = m.group(2);
      return ENOUGH;
    }
    if ((m = HOTMAIL.matcher(s)).find()) {
      f.by = m.group(1);
      Matcher l;
      if ((l = LEADING_IP.matcher(s)).find()) {
        f.ip = l.group(1);
      }
      return ENOUGH;
    }
    if ((m = QPSMTPD.matcher(s)).find() || (m = LMTP.matcher(s)).find()) {
      f.rdns = m.group(1);
      f.helo = m.group(2);
      f.ip = m.group(3);
      f.by = m.group(4);
      return ENOUGH;
    }
    if ((m = GMX.matcher(s)).find()) {
      f.rdns = m.group(1);
      f.helo = m.group(2);
      f.ip = m.group(3);
      f.by = m.group(4);
      return ENOUGH;
    }
    if ((m = SMTPD_FOR.matcher(s)).find()) {
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if (QMAIL.matcher(s).find()) {
      if ((m = QMAIL_1.matcher(s)).find()) {
        f.rdns = m.group(1);
        f.helo = m.group(2);
        f.ident = m.group(3);
        f.ip = m.group(4);
        f.by = m.group(6);
      } else if ((m = QMAIL_2.matcher(s)).find()) {
        f.rdns = m.group(1);
        f.helo = m.group(2);
        f.ip = m.group(3);
        f.by = m.group(5);
      } else if ((m = QMAIL_3.matcher(s)).find()) {
        f.helo = f.rdns = m.group(1);
        f.ident = m.group(2);
        f.ip = m.group(3);
        f.by = m.group(5);
      } else if ((m = QMAIL_4.matcher(s)).find()) {
        f.helo = f.rdns = m.group(1);
        f.ip = m.group(2);
        f.by = m.group(4);
      }
      if (!f.rdns.equals("unknown")) {
        f.mtaLookedUpDns = true;
      } else {
        f.rdns = "";
      }
      return ENOUGH;
    }
    if (VIA_HTTP_END.matcher(s).find() && (m = YAHOO_HTTP.matcher(s)).find()) {
      f.ip = m.group(1);
      f.by = m.group(2);
      return ENOUGH;
    }
    if ((m = SPACE_BRACKET.matcher(s)).find()) {
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = PAREN_HELO.matcher(s)).find()) {
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = BRACKET_BY.matcher(s)).find() || (m = PAREN_IP_BY.matcher(s)).find()) {
      f.ip = m.group(1);
      f.by = m.group(2);
      return ENOUGH;
    }
    if ((m = MDAEMON_1.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = MDAEMON_2.matcher(s)).find()) {
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = SENDMAIL_2.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = SENDMAIL_3.matcher(s)).find()) {
      if (m.group(2).equals("softdnserr")) {
        f.mtaLookedUpDns = false;
      } else {
        f.mtaLookedUpDns = true;
        f.rdns = m.group(2);
      }
      f.helo = m.group(1);
      f.ip = m.group(3);
      f.by = m.group(4);
      return ENOUGH;
    }
    if ((m = SENDMAIL_4.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = SENDMAIL_5.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.helo = m.group(1);
      f.rdns = m.group(2);
      f.ip = m.group(3);
      f.by = m.group(4);
      return ENOUGH;
    }
    if (FETCHER.matcher(s).find()) {
      return new Skipped(true, null);
    }
    if ((m = QMAILISH_1.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.rdns = m.group(1);
      f.helo = m.group(2);
      f.ident = stripAt(g(m, 3));
      f.ip = m.group(4);
      f.by = m.group(5);
      return ENOUGH;
    }
    if ((m = QMAILISH_2.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.rdns = m.group(1);
      f.helo = f.rdns;
      f.ident = stripAt(g(m, 2));
      f.ip = m.group(3);
      f.by = m.group(4);
      return ENOUGH;
    }
    if (WITH_HTTP_FOR.matcher(s).find() && (m = OUTBLAZE.matcher(s)).find()) {
      f.ip = m.group(1);
      f.by = m.group(2);
      return ENOUGH;
    }
    if (VIA_SMAP.matcher(s).find() && (m = SMAP_1.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.rdns = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = SMAP_2.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.rdns = m.group(1);
      f.ip = m.group(2);
      f.helo = m.group(3);
      f.by = m.group(4);
      return ENOUGH;
    }
    if ((POST.matcher(s).find() && (m = POST_OFFICE.matcher(s)).find())
        || (ARGOSOFT.matcher(s).find() && (m = ARGOSOFT_1.matcher(s)).find())
        || (m = INTERSCAN.matcher(s)).find()) {
      f.ip = m.group(1);
      f.by = m.group(2);
      return ENOUGH;
    }
    if (WITH_BSMTP.matcher(s).find() && BSMTP.matcher(s).find()) {
      return ZERO;
    }
    if ((m = SPIKE.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.helo = m.group(1);
      f.rdns = m.group(2);
      f.ip = m.group(3);
      f.by = m.group(4);
      return ENOUGH;
    }
    if ((m = YAHOO_PLAIN.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.rdns = m.group(1);
      f.helo = m.group(2);
      f.ip = m.group(4);
      f.by = m.group(5);
      if (m.group(3) != null) {
        f.ident = m.group(3);
      }
      return ENOUGH;
    }
    if ((m = COMMUNIGATE_1.matcher(s)).find()) {
      f.ip = m.group(1);
      f.helo = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if (COMMUNIGATE_PRO.matcher(s).find() && (m = COMMUNIGATE_2.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.rdns = m.group(1);
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = CIPHERTRUST.matcher(s)).find()) {
      f.ip = m.group(1);
      f.by = m.group(2);
      return ENOUGH;
    }
    if ((m = IRONPORT.matcher(s)).find()) {
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if (CONTENT_TECH.matcher(s).find()) {
      return ZERO;
    }
    if ((m = DOUBLE_IP.matcher(s)).find()) {
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(4);
      return ENOUGH;
    }
    if ((m = TUMBLEWEED.matcher(s)).find()) {
      f.ip = m.group(1);
      f.by = m.group(2);
      return ENOUGH;
    }
    if ((m = POBOX.matcher(s)).find()) {
      f.mtaLookedUpDns = true;
      f.helo = m.group(1);
      f.rdns = m.group(2);
      f.ip = m.group(3);
      f.by = m.group(4);
      return ENOUGH;
    }
    if ((m = FSECURE.matcher(s)).find() || (m = ALTAVISTA.matcher(s)).find()) {
      f.ip = m.group(1);
      f.helo = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = SMTPD32.matcher(s)).find()) {
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = CSMAP.matcher(s)).find()) {
      f.rdns = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = MAILGATE.matcher(s)).find()) {
      f.ip = m.group(1);
      f.by = m.group(2);
      return ENOUGH;
    }
    if ((m = UNVERIFIED.matcher(s)).find()) {
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = PROXYING.matcher(s)).find()) {
      f.ip = m.group(1);
      f.by = m.group(2);
      return ENOUGH;
    }
    if ((m = BRACKET_SUB.matcher(s)).find()) {
      f.ip = m.group(1);
      f.by = m.group(3);
      subHeloIdent(f, m.group(2));
      return ENOUGH;
    }
    if ((m = KDE.matcher(s)).find()) {
      f.rdns = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if ((m = OBTUSE.matcher(s)).find()) {
      f.rdns = m.group(1);
      f.ip = m.group(2);
      f.helo = g(m, 3);
      f.by = m.group(4);
      if (!m.group(1).equals("UNKNOWN")) {
        f.mtaLookedUpDns = true;
        f.rdns = m.group(1);
      }
      return ENOUGH;
    }
    if ((m = YAHOO_LOGIN.matcher(s)).find()) {
      f.helo = m.group(1);
      f.ip = m.group(3);
      f.by = m.group(4);
      return ENOUGH;
    }
    if ((m = ORIGINATING.matcher(s)).find()) {
      f.ip = m.group(1);
      f.by = "";
      return ENOUGH;
    }
    for (Pattern p : IGNORED) {
      if (p.matcher(s).find()) {
        return ZERO;
      }
    }
    if (QMAIL_SCANNER.matcher(s).find()) {
      String env = f.envfrom;
      if (env != null) {
        env = cleanEnvfrom(env);
      }
      return new Skipped(false, env);
    }
    for (Pattern p : IGNORED_AFTER_SCANNER) {
      if (p.matcher(s).find()) {
        return ZERO;
      }
    }
    if (f.helo.isEmpty() && (m = GUESS_HELO.matcher(s)).find()) {
      f.helo = m.group(1);
    }
    return null;
  }

  private static Object upperFrom(Fields f) {
    Matcher m = SIMTA.matcher(f.s);
    if (m.find()) {
      f.mtaLookedUpDns = true;
      f.helo = m.group(1);
      f.rdns = m.group(2);
      f.ip = m.group(3);
      f.by = m.group(4);
      f.id = m.group(5);
      if (f.rdns.equals("unverified")) {
        f.rdns = "";
      }
      return ENOUGH;
    }
    return null;
  }

  private static Object parenFrom(Fields f) {
    Matcher m = NAVGW.matcher(f.s);
    if (m.find()) {
      f.helo = m.group(1);
      f.ip = m.group(2);
      f.by = m.group(3);
      return ENOUGH;
    }
    if (SENDMAIL_T.matcher(f.s).find() || JQUEUEMAIL.matcher(f.s).find()) {
      return ZERO;
    }
    return null;
  }

  /** Exim's {@code (helo=... ident=...)} part: {@code $sub =~ s/helo=(\S+)//}, then ident. */
  private static void subHeloIdent(Fields f, String sub) {
    Matcher h = SUB_HELO.matcher(sub);
    if (h.find()) {
      f.helo = h.group(1);
      sub = sub.substring(0, h.start()) + sub.substring(h.end());
    }
    Matcher i = SUB_IDENT.matcher(sub);
    if (i.find()) {
      f.ident = i.group(1);
    }
  }

  private static String stripAt(String ident) {
    return ident.endsWith("@") ? ident.substring(0, ident.length() - 1) : ident;
  }

  private static String cleanEnvfrom(String env) {
    env = env.replaceAll("^\\s*<*", "");
    env = env.replaceAll(">*\\s*$", "");
    return STRIP.matcher(env).replaceAll("!");
  }

  private static final Pattern TRAILING_DOTS = p("\\.+\\z");
  private static final Pattern IPV6_PREFIX = pi("^ipv6:");
  private static final Pattern ZONE = pi("%[A-Z0-9._~-]*\\z");
  private static final Pattern MAPPED = pi("^0*:0*:(?:0*:)*ffff:(\\d+\\.\\d+\\.\\d+\\.\\d+)$");

  private static Relay enough(Fields f) {
    String rdns = TRAILING_DOTS.matcher(f.rdns).replaceFirst("");
    if (rdns.equalsIgnoreCase("unknown") || rdns.startsWith("[")) {
      rdns = "";
    }
    String ip = IPV6_PREFIX.matcher(f.ip).replaceFirst("");
    if (ip.startsWith("[")) {
      ip = ip.substring(1);
    }
    if (ip.endsWith("]")) {
      ip = ip.substring(0, ip.length() - 1);
    }
    ip = ZONE.matcher(ip).replaceFirst("");
    Matcher mapped = MAPPED.matcher(ip);
    if (mapped.find()) {
      ip = mapped.group(1);
    }
    String by = f.by.endsWith(";") ? f.by.substring(0, f.by.length() - 1) : f.by;
    ip = STRIP.matcher(ip).replaceAll("!");
    rdns = STRIP.matcher(rdns).replaceAll("!");
    String helo = STRIP.matcher(f.helo).replaceAll("!");
    by = STRIP.matcher(by).replaceAll("!");
    String ident = STRIP.matcher(f.ident).replaceAll("!");
    String envfrom = f.envfrom == null ? null : cleanEnvfrom(f.envfrom);
    boolean noReverse = rdns.isEmpty() && f.mtaLookedUpDns;
    boolean notInHeaders = rdns.isEmpty() && !f.mtaLookedUpDns;
    return new Relay(
        ip,
        rdns,
        helo,
        by,
        ident,
        envfrom,
        f.id,
        f.auth,
        noReverse,
        notInHeaders,
        PRIVATE.matcher(ip).find());
  }

  /** Whether an address is in SpamAssassin's private ranges (IP_PRIVATE). */
  static boolean isPrivate(String ip) {
    return PRIVATE.matcher(ip).find();
  }

  /** Lower-case, as SpamAssassin's lc_* copies. */
  static String lc(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
