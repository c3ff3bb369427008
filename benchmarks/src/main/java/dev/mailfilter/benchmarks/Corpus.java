package dev.mailfilter.benchmarks;

import dev.mailfilter.api.Envelope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Loads benchmark mail from the shared corpora into memory, once per trial. */
public final class Corpus {
  /** The envelope the classify benchmarks give every message: an external client, one recipient. */
  public static final Envelope ENVELOPE;

  static {
    try {
      ENVELOPE =
          Envelope.of(
              InetAddress.getByName("192.0.2.25"),
              "mail.example.org",
              "sender@example.org",
              List.of("user@example.com"));
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private Corpus() {}

  /** The shared corpora folder: {@code -Dmailfilter.shared=DIR}, else {@code ../shared}. */
  public static Path shared() {
    return Path.of(System.getProperty("mailfilter.shared", "../shared")).resolve("corpora");
  }

  /**
   * Messages of a named set: {@code spamassassin} (the whole public corpus) or {@code large} (the
   * stress messages of nodemailer's mailparser fixtures, over 100 KB each); {@code
   * spamassassin-spam} and {@code spamassassin-ham} (easy and hard ham) are its labelled halves.
   */
  public static List<byte[]> load(String name) {
    return switch (name) {
      case "spamassassin" -> {
        // The message folders only: the corpus root also holds its README, LICENSE and NOTICE.
        List<byte[]> all = new ArrayList<>(load("spamassassin-spam"));
        all.addAll(load("spamassassin-ham"));
        yield all;
      }
      case "spamassassin-spam" -> files(shared().resolve("spamassassin-public-corpus/spam"), 0);
      case "spamassassin-ham" -> {
        Path sa = shared().resolve("spamassassin-public-corpus");
        List<byte[]> ham = new ArrayList<>(files(sa.resolve("easy_ham"), 0));
        ham.addAll(files(sa.resolve("hard_ham"), 0));
        yield ham;
      }
      case "large" -> files(shared().resolve("mime/nodemailer-mailparser"), 100_000);
      default -> throw new IllegalArgumentException("unknown corpus: " + name);
    };
  }

  private static List<byte[]> files(Path dir, long minSize) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(
          "corpus folder not found: " + dir.toAbsolutePath() + " (set -Dmailfilter.shared=DIR)");
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      List<Path> paths =
          walk.filter(Files::isRegularFile)
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .filter(p -> !p.getFileName().toString().endsWith(".json"))
              .filter(p -> !p.getFileName().toString().startsWith("LICENSE"))
              .sorted()
              .toList();
      List<byte[]> out = new ArrayList<>();
      for (Path p : paths) {
        if (Files.size(p) >= minSize) {
          out.add(Files.readAllBytes(p));
        }
      }
      if (out.isEmpty()) {
        throw new IllegalStateException("no messages in " + dir);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Total bytes of a message list. */
  public static long totalBytes(List<byte[]> messages) {
    long n = 0;
    for (byte[] m : messages) {
      n += m.length;
    }
    return n;
  }
}
