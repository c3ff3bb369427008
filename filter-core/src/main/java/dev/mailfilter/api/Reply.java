package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An SMTP reply: the basic code, the RFC 3463 enhanced status code and the text lines. Adapters put
 * it on the wire (SMTP) or hand it to the MTA ({@code SMFIR_REPLYCODE}).
 *
 * @param code the three-digit reply code, 200 to 599
 * @param enhanced the enhanced status code {@code class.subject.detail} whose class matches the
 *     first digit of {@code code}, or empty when none applies
 * @param lines the text lines, at least one, none containing CR or LF
 */
public record Reply(int code, String enhanced, List<String> lines) {
  private static final Pattern ENHANCED = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");
  private static final Pattern CONFIG_FORM =
      Pattern.compile("(\\d{3})(?:\\s+([245]\\.\\d+\\.\\d+))?\\s+(\\S.*)", Pattern.DOTALL);

  /** The reply for an accepted stage or message. */
  public static final Reply OK = new Reply(250, "2.0.0", List.of("OK"));

  public Reply {
    checkArgument(code >= 200 && code <= 599, "reply code must be 200..599: %s", code);
    Objects.requireNonNull(enhanced, "enhanced");
    checkArgument(
        enhanced.isEmpty()
            || (ENHANCED.matcher(enhanced).matches() && enhanced.charAt(0) - '0' == code / 100),
        "enhanced status must be class.subject.detail matching code %s: %s",
        code,
        enhanced);
    lines = List.copyOf(lines);
    checkArgument(!lines.isEmpty(), "a reply needs at least one text line");
    for (String line : lines) {
      checkArgument(
          line.indexOf('\r') < 0 && line.indexOf('\n') < 0,
          "reply line contains CR or LF: %s",
          line);
    }
  }

  /**
   * Parses the configuration form {@code "code [enhanced] text"}: {@code "554 5.7.1 Rejected"},
   * {@code "451 Try later"}.
   *
   * @throws IllegalArgumentException naming the text when it is not of that form or the reply is
   *     not valid (a code out of range, an enhanced code of another class, a CR or LF)
   */
  public static Reply parse(String text) {
    Objects.requireNonNull(text, "text");
    Matcher m = CONFIG_FORM.matcher(text.strip());
    checkArgument(
        m.matches(),
        "expected \"code enhanced-code text\" like \"554 5.7.1 Rejected\", got \"%s\"",
        text);
    return Reply.of(Integer.parseInt(m.group(1)), m.group(2) == null ? "" : m.group(2), m.group(3));
  }

  /** A one-line reply. */
  public static Reply of(int code, String enhanced, String text) {
    return new Reply(code, enhanced, List.of(text));
  }

  /** Whether this is a temporary failure (4xx). */
  public boolean isTemporary() {
    return code / 100 == 4;
  }

  /** Whether this is a permanent failure (5xx). */
  public boolean isPermanent() {
    return code / 100 == 5;
  }

  /** The reply as SMTP puts it on the wire, multi-line replies with {@code code-}, CRLF ended. */
  public String toWire() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
      if (!enhanced.isEmpty()) {
        sb.append(enhanced).append(' ');
      }
      sb.append(lines.get(i)).append("\r\n");
    }
    return sb.toString();
  }
}
