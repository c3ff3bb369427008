package dev.mailfilter.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the messages under the paths given to {@code scan}, {@code train} and {@code eval}: single
 * message files, directories (recursively, in name order, hidden files skipped), Maildir folders
 * (their {@code cur} and {@code new}, not {@code tmp}), and mbox files (recognised by a leading
 * {@code From } line; split at {@code From } lines after a blank line that carry a time of day, so
 * an unquoted "From here on" in a body does not split; {@code >From} unquoted as mboxrd; a file of
 * one message keeps its plain path as its label).
 *
 * <p>{@code scan} streams one file at a time ({@link #files}, {@link #read}) so memory stays
 * bounded by the largest file; the model commands need every message at once ({@link #readAll}).
 */
final class MessageSource {
  /** A message to scan, or a path that could not be read. */
  sealed interface Item {
    String label();
  }

  /** A message and where it came from ({@code file} or {@code file:N} for the Nth in an mbox). */
  record Message(String label, byte[] bytes) implements Item {}

  /** A path that could not be read, with the reason. */
  record Failure(String label, String reason) implements Item {}

  /** An mbox separator after the first: sender, then a date with a time of day. */
  private static final Pattern FROM_LINE = Pattern.compile("^From \\S+ +\\S.*\\d\\d?:\\d\\d");

  private MessageSource() {}

  /**
   * Every message under the paths, in order.
   *
   * @throws IOException naming the first path that does not exist or cannot be read
   */
  static List<Message> readAll(List<Path> paths) throws IOException {
    Listing listing = files(paths);
    if (!listing.failures().isEmpty()) {
      Failure f = listing.failures().get(0);
      throw new IOException(f.reason() + ": " + f.label());
    }
    List<Message> out = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    for (Path file : listing.files()) {
      read(
          file,
          item -> {
            switch (item) {
              case Message m -> out.add(m);
              case Failure f -> failures.add(f);
            }
          });
      if (!failures.isEmpty()) {
        throw new IOException(failures.get(0).reason() + ": " + failures.get(0).label());
      }
    }
    return out;
  }

  /** The files found under the paths, in order, and the paths that could not be listed. */
  record Listing(List<Path> files, List<Failure> failures) {}

  /** The files to read, in order: directories expanded, unreadable paths as failures. */
  static Listing files(List<Path> paths) {
    List<Path> out = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        expand(p, out, failures);
      } else if (Files.isRegularFile(p) && Files.isReadable(p)) {
        out.add(p);
      } else {
        failures.add(
            new Failure(
                p.toString(),
                Files.exists(p) ? "not a readable file" : "no such file or directory"));
      }
    }
    return new Listing(List.copyOf(out), List.copyOf(failures));
  }

  private static void expand(Path dir, List<Path> out, List<Failure> failures) {
    boolean maildir =
        Files.isDirectory(dir.resolve("cur")) || Files.isDirectory(dir.resolve("new"));
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = s.sorted().toList();
    } catch (IOException e) {
      failures.add(new Failure(dir.toString(), "cannot list directory: " + e.getMessage()));
      return;
    }
    for (Path c : children) {
      String name = c.getFileName().toString();
      if (maildir && name.equals("tmp")) {
        continue; // Maildir: tmp holds messages still being written
      }
      if (name.startsWith(".") && !(maildir && Files.isDirectory(c))) {
        continue; // hidden files: editor droppings, .gitkeep, Maildir++ metadata
      }
      if (Files.isDirectory(c)) {
        expand(c, out, failures);
      } else if (Files.isRegularFile(c)) {
        out.add(c);
      }
    }
  }

  /** Reads one file and hands each message in it to the sink. */
  static void read(Path file, Consumer<Item> sink) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException | OutOfMemoryError e) {
      sink.accept(new Failure(file.toString(), "cannot read: " + e.getMessage()));
      return;
    }
    if (isMbox(bytes)) {
      splitMbox(file.toString(), bytes, sink);
    } else {
      sink.accept(new Message(file.toString(), bytes));
    }
  }

  /** An mbox starts with a {@code From } line (not a {@code From:} header). */
  static boolean isMbox(byte[] b) {
    return b.length >= 5 && b[0] == 'F' && b[1] == 'r' && b[2] == 'o' && b[3] == 'm' && b[4] == ' ';
  }

  /** Splits at {@code From } lines at the start of the file or after a blank line. */
  static void splitMbox(String label, byte[] b, Consumer<Item> sink) {
    // The first message waits until a second shows the file is a real mbox: a file of one
    // message after a From line (the SpamAssassin corpus, many archives) keeps its plain path as
    // its label, which other tools can open.
    Message[] first = new Message[1];
    int[] count = new int[1];
    splitMbox(
        b,
        (start, end) -> {
          count[0]++;
          if (count[0] == 1) {
            first[0] = new Message(label, unquote(b, start, end));
            return;
          }
          if (count[0] == 2) {
            sink.accept(new Message(label + ":1", first[0].bytes()));
          }
          sink.accept(new Message(label + ":" + count[0], unquote(b, start, end)));
        });
    if (count[0] == 1) {
      sink.accept(first[0]);
    }
  }

  /** A message's byte range in an mbox. */
  @FunctionalInterface
  private interface RangeSink {
    void accept(int start, int end);
  }

  private static void splitMbox(byte[] b, RangeSink sink) {
    int start = -1;
    int i = 0;
    boolean previousBlank = true;
    while (i < b.length) {
      int eol = i;
      while (eol < b.length && b[eol] != '\n') {
        eol++;
      }
      boolean fromLine =
          previousBlank
              && startsWith(b, i, eol, "From ")
              && (start < 0
                  || FROM_LINE
                      .matcher(new String(b, i, eol - i, StandardCharsets.ISO_8859_1))
                      .find());
      if (fromLine) {
        if (start >= 0) {
          sink.accept(start, i);
        }
        start = Math.min(eol + 1, b.length);
      }
      int contentEnd = eol > i && b[eol - 1] == '\r' ? eol - 1 : eol;
      previousBlank = contentEnd == i;
      i = eol + 1;
    }
    if (start >= 0 && start < b.length) {
      sink.accept(start, b.length);
    }
  }

  private static boolean startsWith(byte[] b, int from, int to, String prefix) {
    if (to - from < prefix.length()) {
      return false;
    }
    for (int k = 0; k < prefix.length(); k++) {
      if (b[from + k] != prefix.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Copies one message out of the mbox, dropping the blank line that separates it from the next
   * {@code From } line and removing one {@code >} from {@code >From }, {@code >>From } lines.
   */
  static byte[] unquote(byte[] b, int from, int to) {
    int end = to;
    if (end - from >= 2 && b[end - 1] == '\n' && b[end - 2] == '\n') {
      end--;
    } else if (end - from >= 4 && b[end - 1] == '\n' && b[end - 2] == '\r' && b[end - 3] == '\n') {
      end -= 2;
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(end - from);
    int i = from;
    while (i < end) {
      int eol = i;
      while (eol < end && b[eol] != '\n') {
        eol++;
      }
      int gt = i;
      while (gt < eol && b[gt] == '>') {
        gt++;
      }
      int lineStart = i;
      if (gt > i && startsWith(b, gt, eol, "From ")) {
        lineStart = i + 1;
      }
      int lineEnd = Math.min(eol + 1, end);
      out.write(b, lineStart, lineEnd - lineStart);
      i = eol + 1;
    }
    return out.toByteArray();
  }
}
