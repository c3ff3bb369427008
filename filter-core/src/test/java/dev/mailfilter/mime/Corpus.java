package dev.mailfilter.mime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The shared mail corpora: every message file, found from the {@code mailfilter.shared} path. */
final class Corpus {
  private Corpus() {}

  static Path root() {
    Path shared = Path.of(System.getProperty("mailfilter.shared", "../shared"));
    if (!shared.isAbsolute() && !Files.isDirectory(shared.resolve("corpora"))) {
      // Run from the module directory: the shared folder sits beside the project root.
      shared = Path.of("..").resolve(shared);
    }
    Path corpora = shared.resolve("corpora").normalize();
    if (!Files.isDirectory(corpora)) {
      throw new IllegalStateException(
          "shared corpora not found at " + corpora.toAbsolutePath() + " (set -Dmailfilter.shared)");
    }
    return corpora;
  }

  /** Every message file: the SpamAssassin corpus and the parser suites under {@code mime/}. */
  static List<Path> messages() {
    Path root = root();
    try (Stream<Path> sa = Files.walk(root.resolve("spamassassin-public-corpus"));
        Stream<Path> mime = Files.walk(root.resolve("mime"))) {
      return Stream.concat(sa, mime)
          .filter(Files::isRegularFile)
          .filter(Corpus::isMessage)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Path relative to the corpora folder, with forward slashes. */
  static String name(Path file) {
    return root().relativize(file).toString().replace('\\', '/');
  }

  private static boolean isMessage(Path p) {
    String s = p.toString().replace('\\', '/');
    String name = p.getFileName().toString();
    if (s.contains("/spamassassin-public-corpus/")) {
      return s.matches(".*/spamassassin-public-corpus/(easy_ham|hard_ham|spam)/[^/]+")
          && !name.equals("cmds");
    }
    if (name.endsWith(".msg") || name.endsWith(".eml")) {
      return true;
    }
    if (s.contains("/python-cpython-test_email/")) {
      return name.startsWith("msg_") && name.endsWith(".txt");
    }
    if (s.contains("/sdgathman-pymilter/test/")) {
      return !name.contains(".");
    }
    if (s.contains("/golang-go/") && s.contains("/testdata/")) {
      return true;
    }
    return s.contains("/stalwartlabs-mail-parser/resources/maildir/");
  }
}
