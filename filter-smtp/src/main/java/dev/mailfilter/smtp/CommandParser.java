package dev.mailfilter.smtp;

import dev.mailfilter.api.Reply;
import dev.mailfilter.smtp.Command.Invalid;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SequencedMap;
import java.util.Set;

/** The parser behind {@link Command#parse}: RFC 5321 section 4.1 with its extensions. */
final class CommandParser {
  private CommandParser() {}

  /** RFC 3461 section 4.4. */
  static final int MAX_ENVID = 100;

  /** RFC 3461 section 4.2. */
  static final int MAX_ORCPT = 500;

  static Command parse(String line, Capabilities caps, boolean utf8Transaction) {
    for (int k = 0; k < line.length(); k++) {
      char c = line.charAt(k);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return Invalid.of(Replies.CONTROL_CHARACTER);
      }
    }
    int sp = line.indexOf(' ');
    String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
    String rest = sp < 0 ? "" : line.substring(sp + 1);
    return switch (verb) {
      case "EHLO" -> hello(rest, "EHLO", true);
      case "HELO" -> hello(rest, "HELO", false);
      case "MAIL" -> mail(rest, caps);
      case "RCPT" -> rcpt(rest, caps, utf8Transaction);
      case "DATA" -> noArgument(rest, "DATA", new Command.Data());
      case "BDAT" -> bdat(rest, caps);
      case "RSET" -> noArgument(rest, "RSET", new Command.Rset());
      case "NOOP" -> new Command.Noop();
      case "QUIT" -> noArgument(rest, "QUIT", new Command.Quit());
      case "VRFY" ->
          rest.isBlank()
              ? Invalid.of(Replies.syntax("VRFY address"))
              : new Command.Vrfy(rest.strip());
      case "HELP" -> new Command.Help(rest.strip());
      case "STARTTLS" ->
          caps.startTls()
              ? noArgument(rest, "STARTTLS", new Command.StartTls())
              : Invalid.of(Replies.NOT_IMPLEMENTED);
      // Known verbs this server does not offer (EXPN leaks addresses; the rest are obsolete or
      // not yet implemented): 502 rather than 500, as RFC 5321 section 4.2.4 asks.
      case "EXPN", "ETRN", "TURN", "ATRN", "AUTH", "SEND", "SOML", "SAML" ->
          Invalid.of(Replies.NOT_IMPLEMENTED);
      // A web client or proxy on the SMTP port (cross-protocol attacks): Postfix's
      // smtpd_forbidden_commands drops such connections at once.
      case "GET", "POST", "HEAD", "PUT", "CONNECT" -> new Invalid(Replies.HTTP, true);
      default -> Invalid.of(Replies.UNRECOGNIZED);
    };
  }

  private static Command noArgument(String rest, String verb, Command command) {
    return rest.isBlank() ? command : Invalid.of(Replies.syntax(verb));
  }

  private static Command hello(String rest, String verb, boolean extended) {
    String name = rest.strip();
    int space = name.indexOf(' ');
    if (space > 0) {
      // Extra words after the name are ignored, as Postfix does; the name alone is kept.
      name = name.substring(0, space);
    }
    if (name.isEmpty()) {
      return Invalid.of(Replies.syntax(verb + " hostname"));
    }
    return extended ? new Command.Ehlo(name) : new Command.Helo(name);
  }

  private static Command mail(String rest, Capabilities caps) {
    if (!rest.regionMatches(true, 0, "FROM:", 0, 5)) {
      return Invalid.of(Replies.syntax("MAIL FROM:<address>"));
    }
    // RFC 5321 allows no space after the colon, but many clients send one; nothing hinges on it.
    int start = skipSpaces(rest, 5);
    PathParser.Result r = PathParser.parse(rest, start);
    if (r.error() != null) {
      return Invalid.of(Replies.badSender(r.error()));
    }
    Path from = r.path();
    if (from.isPostmaster()) {
      return Invalid.of(Replies.badSender("the address needs a domain, as <user@example.com>"));
    }
    SequencedMap<String, String> raw = new LinkedHashMap<>();
    Reply bad = parameters(rest, r.end(), caps, raw, "MAIL FROM:<address> [parameters]");
    if (bad != null) {
      return Invalid.of(bad);
    }
    OptionalLong size = OptionalLong.empty();
    Optional<MailParameters.Body> body = Optional.empty();
    Optional<MailParameters.Ret> ret = Optional.empty();
    Optional<String> envid = Optional.empty();
    Optional<String> auth = Optional.empty();
    boolean smtpUtf8 = false;
    for (var e : raw.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      switch (key) {
        case "SIZE" -> {
          if (!caps.size()) {
            return Invalid.of(Replies.unsupportedParameter(key));
          }
          if (value.isEmpty() || value.length() > 20 || !digits(value)) {
            return Invalid.of(Replies.badParameter("SIZE needs a number of octets"));
          }
          long n = value.length() > 18 ? Long.MAX_VALUE : Long.parseLong(value);
          if (caps.maxSize() > 0 && n > caps.maxSize()) {
            return Invalid.of(Replies.DECLARED_TOO_BIG);
          }
          size = OptionalLong.of(n);
        }
        case "BODY" -> {
          if (!caps.eightBitMime() && !caps.binaryMime()) {
            return Invalid.of(Replies.unsupportedParameter(key));
          }
          MailParameters.Body b =
              switch (value.toUpperCase(Locale.ROOT)) {
                case "7BIT" -> MailParameters.Body.SEVEN_BIT;
                case "8BITMIME" -> caps.eightBitMime() ? MailParameters.Body.EIGHT_BIT_MIME : null;
                case "BINARYMIME" -> caps.binaryMime() ? MailParameters.Body.BINARY_MIME : null;
                default -> null;
              };
          if (b == null) {
            return Invalid.of(Replies.unsupportedParameter("BODY=" + ascii(value)));
          }
          body = Optional.of(b);
        }
        case "SMTPUTF8" -> {
          if (!caps.smtpUtf8()) {
            return Invalid.of(Replies.unsupportedParameter(key));
          }
          if (!value.isEmpty()) {
            return Invalid.of(Replies.badParameter("SMTPUTF8 takes no value"));
          }
          smtpUtf8 = true;
        }
        case "RET" -> {
          if (!caps.dsn()) {
            return Invalid.of(Replies.unsupportedParameter(key));
          }
          switch (value.toUpperCase(Locale.ROOT)) {
            case "FULL" -> ret = Optional.of(MailParameters.Ret.FULL);
            case "HDRS" -> ret = Optional.of(MailParameters.Ret.HDRS);
            default -> {
              return Invalid.of(Replies.badParameter("RET must be FULL or HDRS"));
            }
          }
        }
        case "ENVID" -> {
          if (!caps.dsn()) {
            return Invalid.of(Replies.unsupportedParameter(key));
          }
          if (value.length() > MAX_ENVID || !isXtext(value)) {
            return Invalid.of(
                Replies.badParameter("ENVID must be xtext of at most 100 characters"));
          }
          envid = Optional.of(value);
        }
        case "AUTH" -> {
          // RFC 4954 section 5: the identity that submitted the message, passed on by a relay that
          // trusts the client. Accepted even though AUTH is not offered, as a relay would send it
          // only when the next hop offers AUTH; kept for whoever decides to trust it.
          if (!value.equals("<>") && (value.isEmpty() || !isXtext(value))) {
            return Invalid.of(Replies.badParameter("AUTH must be xtext or <>"));
          }
          auth = Optional.of(value);
        }
        default -> {
          return Invalid.of(Replies.unsupportedParameter(key));
        }
      }
    }
    if (from.has(Path.Form.UTF8) && !smtpUtf8) {
      return Invalid.of(Replies.utf8NotPermitted("sender"));
    }
    return new Command.Mail(from, new MailParameters(size, body, smtpUtf8, ret, envid, auth, raw));
  }

  private static Command rcpt(String rest, Capabilities caps, boolean utf8Transaction) {
    if (!rest.regionMatches(true, 0, "TO:", 0, 3)) {
      return Invalid.of(Replies.syntax("RCPT TO:<address>"));
    }
    int start = skipSpaces(rest, 3);
    PathParser.Result r = PathParser.parse(rest, start);
    if (r.error() != null) {
      return Invalid.of(Replies.badRecipient(r.error()));
    }
    Path to = r.path();
    if (to.isNull()) {
      return Invalid.of(Replies.badRecipient("the null path <> is no recipient"));
    }
    SequencedMap<String, String> raw = new LinkedHashMap<>();
    Reply bad = parameters(rest, r.end(), caps, raw, "RCPT TO:<address> [parameters]");
    if (bad != null) {
      return Invalid.of(bad);
    }
    Set<RcptParameters.Notify> notify = EnumSet.noneOf(RcptParameters.Notify.class);
    Optional<String> orcpt = Optional.empty();
    for (var e : raw.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (!caps.dsn() || !(key.equals("NOTIFY") || key.equals("ORCPT"))) {
        return Invalid.of(Replies.unsupportedParameter(key));
      }
      if (key.equals("NOTIFY")) {
        for (String word : value.split(",", -1)) {
          RcptParameters.Notify n;
          try {
            n = RcptParameters.Notify.valueOf(word.toUpperCase(Locale.ROOT));
          } catch (IllegalArgumentException notOne) {
            return Invalid.of(
                Replies.badParameter("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY"));
          }
          if (!notify.add(n)) {
            return Invalid.of(Replies.badParameter("NOTIFY names a condition twice"));
          }
        }
        if (notify.contains(RcptParameters.Notify.NEVER) && notify.size() > 1) {
          return Invalid.of(Replies.badParameter("NOTIFY=NEVER stands alone"));
        }
      } else {
        int semi = value.indexOf(';');
        if (value.length() > MAX_ORCPT
            || semi <= 0
            || semi == value.length() - 1
            || !isAtom(value.substring(0, semi))
            || (value.substring(0, semi).equalsIgnoreCase("rfc822")
                && !isXtext(value.substring(semi + 1)))) {
          return Invalid.of(
              Replies.badParameter("ORCPT must be addr-type;address of at most 500 characters"));
        }
        orcpt = Optional.of(value);
      }
    }
    if (to.has(Path.Form.UTF8) && !utf8Transaction) {
      return Invalid.of(Replies.utf8NotPermitted("recipient"));
    }
    return new Command.Rcpt(to, new RcptParameters(notify, orcpt, raw));
  }

  private static Command bdat(String rest, Capabilities caps) {
    if (!caps.chunking()) {
      // The chunk that follows would be read as commands: the conversation cannot go on.
      return new Invalid(Replies.NOT_IMPLEMENTED, true);
    }
    String[] words = rest.strip().split(" +", -1);
    boolean last = words.length == 2 && words[1].equalsIgnoreCase("LAST");
    if (words.length < 1
        || words.length > 2
        || (words.length == 2 && !last)
        || words[0].isEmpty()
        || words[0].length() > 18
        || !digits(words[0])) {
      return new Invalid(Replies.syntax("BDAT size [LAST]"), true);
    }
    return new Command.Bdat(Long.parseLong(words[0]), last);
  }

  /**
   * Parses {@code SP esmtp-param *(SP esmtp-param)} from {@code from} to the end into {@code out}
   * (RFC 5321 section 4.1.2), or returns the reply for a malformed or repeated parameter.
   */
  private static Reply parameters(
      String line, int from, Capabilities caps, SequencedMap<String, String> out, String usage) {
    if (from < line.length() && line.charAt(from) != ' ') {
      return Replies.syntax(usage);
    }
    for (String word : line.substring(from).split(" ")) {
      if (word.isEmpty()) {
        continue;
      }
      int eq = word.indexOf('=');
      String key = (eq < 0 ? word : word.substring(0, eq)).toUpperCase(Locale.ROOT);
      String value = eq < 0 ? "" : word.substring(eq + 1);
      if (!isKeyword(key)) {
        return Replies.badParameter("malformed keyword");
      }
      if (eq >= 0 && !isValue(value, caps.smtpUtf8())) {
        return Replies.badParameter("malformed value of " + key);
      }
      if (out.putIfAbsent(key, value) != null) {
        return Replies.badParameter(key + " given twice");
      }
    }
    return null;
  }

  // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
  private static boolean isKeyword(String key) {
    if (key.isEmpty() || key.charAt(0) == '-') {
      return false;
    }
    for (int k = 0; k < key.length(); k++) {
      char c = key.charAt(k);
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
        return false;
      }
    }
    return true;
  }

  // esmtp-value = 1*(%d33-60 / %d62-126), and UTF-8 with SMTPUTF8 (RFC 6531 section 3.3).
  private static boolean isValue(String value, boolean utf8) {
    if (value.isEmpty()) {
      return false;
    }
    for (int k = 0; k < value.length(); k++) {
      char c = value.charAt(k);
      if (c >= 0x80 ? !utf8 : (c < 33 || c > 126 || c == '=')) {
        return false;
      }
    }
    return true;
  }

  // xtext = *( xchar / hexchar ): xchar is %d33-126 but "+" and "="; hexchar is "+" 2HEXDIG
  // (RFC 3461 section 4).
  static boolean isXtext(String value) {
    for (int k = 0; k < value.length(); k++) {
      char c = value.charAt(k);
      if (c == '+') {
        if (k + 2 >= value.length() || !hex(value.charAt(k + 1)) || !hex(value.charAt(k + 2))) {
          return false;
        }
        k += 2;
      } else if (c < 33 || c > 126 || c == '=') {
        return false;
      }
    }
    return true;
  }

  private static boolean hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
  }

  private static boolean isAtom(String s) {
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (!((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0)) {
        return false;
      }
    }
    return !s.isEmpty();
  }

  private static boolean digits(String s) {
    return s.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  private static int skipSpaces(String s, int from) {
    int k = from;
    while (k < s.length() && s.charAt(k) == ' ') {
      k++;
    }
    return k;
  }

  // A value echoed in a reply: printable ASCII only, so that the reply stays a valid line.
  private static String ascii(String value) {
    StringBuilder sb = new StringBuilder();
    value.chars().limit(40).forEach(c -> sb.append(c >= 33 && c <= 126 ? (char) c : '?'));
    return sb.toString();
  }
}
