package dev.mailfilter.sa;

import dev.mailfilter.mime.MessageParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Small {@code .cf} fixtures written by the tests, and rules run on crafted messages. */
final class SaFixtures {
  /** The plugins a Debian installation loads that the loader supports, as in its .pre files. */
  static final String PLUGINS =
      """
      loadplugin Mail::SpamAssassin::Plugin::Check
      loadplugin Mail::SpamAssassin::Plugin::HeaderEval
      loadplugin Mail::SpamAssassin::Plugin::BodyEval
      loadplugin Mail::SpamAssassin::Plugin::MIMEEval
      loadplugin Mail::SpamAssassin::Plugin::HTMLEval
      loadplugin Mail::SpamAssassin::Plugin::ReplaceTags
      """;

  private SaFixtures() {}

  /** Writes {@code text} (bytes as ISO-8859-1, as rule files are read) to {@code dir/name}. */
  static Path write(Path dir, String name, String text) {
    try {
      Path f = dir.resolve(name);
      Files.createDirectories(f.getParent());
      Files.write(f, text.getBytes(StandardCharsets.ISO_8859_1));
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rules of one {@code .cf} file, with the usual plugins loaded by a {@code .pre} file. */
  static RuleSet rules(Path dir, String cf) {
    write(dir, "v320.pre", PLUGINS);
    write(dir, "50_test.cf", cf);
    return RuleSet.load(List.of(dir));
  }

  /** The rule with this name. */
  static Optional<Rule> rule(RuleSet rules, String name) {
    return rules.rules().stream().filter(r -> r.name().equals(name)).findFirst();
  }

  /** The reason a rule is unsupported, if it is. */
  static Optional<String> unsupported(RuleSet rules, String name) {
    return rules.unsupported().stream()
        .filter(p -> p.subject().equals(name))
        .map(Problem::reason)
        .findFirst();
  }

  /** A message given with LF line ends, sent as CRLF. */
  static SaMessage message(String lf) {
    return message(lf, "");
  }

  static SaMessage message(String lf, String envelopeFrom) {
    byte[] raw = lf.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    return SaMessage.of(MessageParser.create().parse(raw), envelopeFrom);
  }

  /** The rules that hit the message, with their hit counts. */
  static Map<String, Integer> hits(RuleSet rules, String lf) {
    return rules.run(message(lf), Guard.none());
  }
}
