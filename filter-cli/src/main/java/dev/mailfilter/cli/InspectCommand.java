package dev.mailfilter.cli;

import dev.mailfilter.mime.Defect;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.MimeLimits;
import dev.mailfilter.mime.MimePart;
import dev.mailfilter.mime.ParsedMessage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code mailfilter inspect FILE... [--json]}: prints the MIME tree of each message (part path,
 * content type, charset, transfer encoding, size, file name) and its defects. With {@code --json},
 * one JSON document per message and line. Unreadable files are reported and skipped; the exit
 * status is 2 if any file could not be read or the usage is wrong, else 0.
 */
final class InspectCommand {
  private InspectCommand() {}

  static int run(List<String> args, PrintStream out, PrintStream err) {
    boolean json = false;
    List<String> files = new ArrayList<>();
    for (String a : args) {
      if (a.equals("--json")) {
        json = true;
      } else if (a.equals("--help") || a.equals("-h")) {
        out.println("usage: mailfilter inspect FILE... [--json]");
        return 0;
      } else if (a.startsWith("--")) {
        err.println(
            "mailfilter inspect: unknown option '" + a + "' (usage: inspect FILE... [--json])");
        return 2;
      } else {
        files.add(a);
      }
    }
    if (files.isEmpty()) {
      err.println("mailfilter inspect: no files given (usage: inspect FILE... [--json])");
      return 2;
    }
    MessageParser parser = MessageParser.create(MimeLimits.DEFAULT);
    int status = 0;
    for (String name : files) {
      Path file = Path.of(name);
      ParsedMessage m;
      try {
        if (Files.isDirectory(file)) {
          err.println("mailfilter inspect: " + name + ": is a directory, not a message file");
          status = 2;
          continue;
        }
        m = parser.parse(file);
      } catch (IOException | SecurityException e) {
        err.println("mailfilter inspect: cannot read " + name + ": " + reason(e));
        status = 2;
        continue;
      }
      if (json) {
        out.println(toJson(name, m));
      } else {
        printTree(name, m, out);
      }
    }
    return status;
  }

  private static String reason(Exception e) {
    String type = e.getClass().getSimpleName();
    return switch (type) {
      case "NoSuchFileException" -> "no such file";
      case "AccessDeniedException" -> "permission denied";
      default -> e.getMessage() == null ? type : e.getMessage();
    };
  }

  /**
   * The parse's defects, then those found by decoding the Subject and each leaf's body (the
   * decoding is lazy, so inspect triggers it), each decoding defect named with its part.
   */
  private static List<String[]> allDefects(ParsedMessage m) {
    List<String[]> out = new ArrayList<>();
    for (Defect d : m.defects()) {
      out.add(new String[] {d.type().name(), Long.toString(d.offset()), "", d.detail()});
    }
    m.headers()
        .first("Subject")
        .ifPresent(
            f ->
                f.decodedValue(
                    d ->
                        out.add(
                            new String[] {
                              d.type().name(), Long.toString(f.offset()), "Subject", d.detail()
                            })));
    for (MimePart p : m.parts()) {
      if (!p.isMultipart() && !p.isMessage()) {
        for (Defect d : p.bodyDefects()) {
          out.add(
              new String[] {
                d.type().name(),
                Long.toString(d.offset() >= 0 ? d.offset() : p.bodyStart()),
                p.path().isEmpty() ? "(root)" : p.path(),
                d.detail()
              });
        }
      }
    }
    return out;
  }

  private static void printTree(String name, ParsedMessage m, PrintStream out) {
    out.println(name + ": " + m.size() + " bytes, " + m.parts().size() + " parts");
    m.subject().ifPresent(s -> out.println("  subject: " + oneLine(s)));
    for (MimePart p : m.parts()) {
      StringBuilder line = new StringBuilder("  ");
      line.append("  ".repeat(p.depth()));
      line.append(p.path().isEmpty() ? "(root)" : p.path()).append("  ").append(p.mediaType());
      if (p.isMultipart()) {
        line.append("  boundary=").append(p.boundary().orElse(""));
      } else if (!p.isMessage()) {
        p.charset().ifPresent(c -> line.append("  charset=").append(c));
        line.append("  ").append(p.transferEncoding().token());
        line.append("  ").append(p.rawBody().size()).append(" bytes");
        p.filename().ifPresent(f -> line.append("  filename=\"").append(oneLine(f)).append('"'));
      }
      out.println(line);
    }
    List<String[]> defects = allDefects(m);
    if (defects.isEmpty()) {
      out.println("  defects: none");
    } else {
      out.println("  defects:");
      for (String[] d : defects) {
        out.println(
            "    "
                + d[0]
                + (d[1].equals("-1") ? "" : " at " + d[1])
                + (d[2].isEmpty() ? "" : " in " + d[2])
                + ": "
                + oneLine(d[3]));
      }
    }
  }

  /** Control characters from a hostile message must not reach the terminal. */
  private static String oneLine(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    s.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return sb.toString();
  }

  static String toJson(String name, ParsedMessage m) {
    Json j = new Json().beginObject();
    j.name("file").value(name);
    j.name("size").value(m.size());
    j.name("subject").value(m.subject().orElse(null));
    j.name("parts").beginArray();
    for (MimePart p : m.parts()) {
      j.beginObject();
      j.name("path").value(p.path());
      j.name("depth").value(p.depth());
      j.name("contentType").value(p.mediaType());
      if (p.isMultipart()) {
        j.name("boundary").value(p.boundary().orElse(null));
        j.name("children").value(p.children().size());
      } else if (p.isMessage()) {
        j.name("message").value(true);
      } else {
        j.name("charset").value(p.charset().orElse(null));
        j.name("transferEncoding").value(p.transferEncoding().token());
        j.name("size").value(p.rawBody().size());
        j.name("filename").value(p.filename().orElse(null));
        j.name("disposition").value(p.disposition().orElse(null));
      }
      j.endObject();
    }
    j.endArray();
    j.name("defects").beginArray();
    for (String[] d : allDefects(m)) {
      j.beginObject();
      j.name("type").value(d[0]);
      j.name("offset").value(Long.parseLong(d[1]));
      j.name("part").value(d[2].isEmpty() ? null : d[2]);
      j.name("detail").value(d[3]);
      j.endObject();
    }
    j.endArray();
    return j.endObject().toString();
  }
}
