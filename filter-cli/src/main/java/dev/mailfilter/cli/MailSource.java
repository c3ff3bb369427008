package dev.mailfilter.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads messages from the paths a user names: single message files, directories (walked
 * recursively, so Maildir's {@code cur} and {@code new} are included and its {@code tmp} skipped),
 * and mbox files (recognised by their leading {@code From } line, split at {@code From } lines
 * after a blank line, with {@code >From} unquoted).
 */
final class MailSource {
  /** One message and where it came from ({@code file} or {@code file#n} inside an mbox). */
  record Mail(String name, byte[] bytes) {}

  /** An mbox separator: sender, then a date with a time of day; plain prose rarely matches. */
  private static final Pattern FROM_LINE = Pattern.compile("^From \\S+ +\\S.*\\d\\d?:\\d\\d");

  private MailSource() {}

  static List<Mail> read(List<Path> paths) throws IOException {
    List<Mail> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(p)) {
          files =
              walk.filter(Files::isRegularFile)
                  .filter(f -> !f.getFileName().toString().startsWith("."))
                  .filter(f -> f.getParent() == null || !isMaildirTmp(f.getParent()))
                  .sorted()
                  .toList();
        }
        for (Path f : files) {
          readFile(f, out);
        }
      } else if (Files.isRegularFile(p)) {
        readFile(p, out);
      } else {
        throw new IOException("no such file or directory: " + p);
      }
    }
    return out;
  }

  private static boolean isMaildirTmp(Path dir) {
    Path parent = dir.getParent();
    return dir.getFileName().toString().equals("tmp")
        && parent != null
        && Files.isDirectory(parent.resolve("cur"));
  }

  private static void readFile(Path f, List<Mail> out) throws IOException {
    byte[] bytes = Files.readAllBytes(f);
    if (!isMbox(bytes)) {
      out.add(new Mail(f.toString(), bytes));
      return;
    }
    int first = out.size();
    int n = 0;
    int start = -1;
    int i = 0;
    while (i < bytes.length) {
      int lineEnd = i;
      while (lineEnd < bytes.length && bytes[lineEnd] != '\n') {
        lineEnd++;
      }
      boolean separator =
          startsWithFrom(bytes, i)
              && (i == 0
                  || ((bytes[i - 1] == '\n' && i >= 2 && bytes[i - 2] == '\n')
                          || isCrlfBlank(bytes, i))
                      && FROM_LINE
                          .matcher(new String(bytes, i, lineEnd - i, StandardCharsets.ISO_8859_1))
                          .find());
      if (separator) {
        if (start >= 0) {
          out.add(new Mail(f + "#" + (++n), unquote(Arrays.copyOfRange(bytes, start, i))));
        }
        start = Math.min(lineEnd + 1, bytes.length);
      }
      i = lineEnd + 1;
    }
    if (start >= 0 && start < bytes.length) {
      out.add(new Mail(f + "#" + (++n), unquote(Arrays.copyOfRange(bytes, start, bytes.length))));
    }
    if (n == 1) {
      out.set(first, new Mail(f.toString(), out.get(first).bytes())); // a single stored message
    }
  }

  private static boolean isCrlfBlank(byte[] b, int i) {
    return i >= 4 && b[i - 1] == '\n' && b[i - 2] == '\r' && b[i - 3] == '\n';
  }

  private static boolean isMbox(byte[] bytes) {
    return startsWithFrom(bytes, 0);
  }

  private static boolean startsWithFrom(byte[] b, int i) {
    return i + 5 <= b.length
        && b[i] == 'F'
        && b[i + 1] == 'r'
        && b[i + 2] == 'o'
        && b[i + 3] == 'm'
        && b[i + 4] == ' ';
  }

  /** Undoes mboxrd quoting: a line {@code >From } (any number of {@code >}) loses one {@code >}. */
  private static byte[] unquote(byte[] msg) {
    String s = new String(msg, StandardCharsets.ISO_8859_1);
    if (!s.contains(">From ")) {
      return msg;
    }
    return s.replaceAll("(?m)^>(>*From )", "$1").getBytes(StandardCharsets.ISO_8859_1);
  }
}
