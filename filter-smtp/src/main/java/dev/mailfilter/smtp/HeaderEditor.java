package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mailfilter.api.HeaderEdit;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Applies a verdict's {@link HeaderEdit}s to the raw message that is relayed: the header block is
 * rewritten, the body is copied as it is. Fields we do not touch keep their bytes exactly, so the
 * relayed copy differs from what the client sent only by the edited fields.
 */
final class HeaderEditor {
  private HeaderEditor() {}

  /**
   * One header field: its raw bytes, CRLF (and folds) included, its name in lower case, and for a
   * received field its position among the received fields of that name (from 1; 0 for added ones),
   * which {@link HeaderEdit.RemoveAt} refers to whatever edits came before.
   */
  private record Field(String name, byte[] raw, int occurrence) {}

  /**
   * The message with the edits applied, in order. Without edits the same array comes back.
   *
   * @param message the message as received (header, empty line, body)
   * @param length how many bytes of {@code message} are the message
   */
  static byte[] apply(byte[] message, int length, List<HeaderEdit> edits) {
    if (edits.isEmpty()) {
      return length == message.length ? message : java.util.Arrays.copyOf(message, length);
    }
    int headerEnd = headerEnd(message, length);
    List<Field> fields = split(message, headerEnd);
    List<Field> top = new ArrayList<>();
    for (HeaderEdit edit : edits) {
      String name = edit.name().toLowerCase(Locale.ROOT);
      switch (edit) {
        case HeaderEdit.Prepend p -> top.addFirst(field(p.name(), p.value()));
        case HeaderEdit.Add a -> fields.add(field(a.name(), a.value()));
        case HeaderEdit.Remove r -> fields.removeIf(f -> f.name().equals(name));
        case HeaderEdit.RemoveAt r ->
            fields.removeIf(f -> f.name().equals(name) && f.occurrence() == r.index());
        case HeaderEdit.Set s -> {
          int first = -1;
          for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(name)) {
              first = i;
              break;
            }
          }
          Field replacement = field(s.name(), s.value());
          if (first < 0) {
            fields.add(replacement);
          } else {
            fields.set(first, replacement);
            for (int i = fields.size() - 1; i > first; i--) {
              if (fields.get(i).name().equals(name)) {
                fields.remove(i);
              }
            }
          }
        }
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(length + 512);
    for (Field f : top) {
      out.writeBytes(f.raw());
    }
    for (Field f : fields) {
      out.writeBytes(f.raw());
    }
    out.write(message, headerEnd, length - headerEnd);
    return out.toByteArray();
  }

  // Values come folded with CRLF already (HeaderEdit's contract); a field is "Name: value CRLF".
  private static Field field(String name, String value) {
    return new Field(
        name.toLowerCase(Locale.ROOT), (name + ": " + value + "\r\n").getBytes(UTF_8), 0);
  }

  /**
   * Where the header block ends: the offset of the empty line that separates it from the body, or
   * {@code length} when there is none (a message of header fields only).
   */
  static int headerEnd(byte[] m, int length) {
    int i = 0;
    while (i < length) {
      if (m[i] == '\r' && i + 1 < length && m[i + 1] == '\n') {
        return i; // an empty line
      }
      if (m[i] == '\n') {
        return i;
      }
      // A line that is no field (no colon before the line end) also ends the header.
      int j = i;
      while (j < length && m[j] != '\n') {
        j++;
      }
      i = j + 1;
    }
    return length;
  }

  private static List<Field> split(byte[] m, int headerEnd) {
    List<Field> fields = new ArrayList<>();
    java.util.Map<String, Integer> seen = new java.util.HashMap<>();
    int start = 0;
    while (start < headerEnd) {
      int end = start;
      do {
        while (end < headerEnd && m[end] != '\n') {
          end++;
        }
        end = Math.min(end + 1, headerEnd);
      } while (end < headerEnd && (m[end] == ' ' || m[end] == '\t'));
      int colon = start;
      while (colon < end && m[colon] != ':') {
        colon++;
      }
      String name = new String(m, start, colon - start, UTF_8).strip().toLowerCase(Locale.ROOT);
      fields.add(
          new Field(
              name,
              java.util.Arrays.copyOfRange(m, start, end),
              seen.merge(name, 1, Integer::sum)));
      start = end;
    }
    return fields;
  }
}
