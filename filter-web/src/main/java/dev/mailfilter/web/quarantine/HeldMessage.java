package dev.mailfilter.web.quarantine;

import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.smtp.Quarantine;
import dev.mailfilter.smtp.QuarantineEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * A held message as listed: its entry and what the user recognises it by, the decoded {@code
 * Subject} and {@code From} of its header. Only the header is read (at most {@link #MAX_HEADER}
 * bytes), so a listing of large messages stays cheap.
 *
 * @param entry the quarantine entry
 * @param subject the decoded subject, {@code ""} when there is none
 * @param headerFrom the {@code From} field as decoded text, {@code ""} when there is none
 */
public record HeldMessage(QuarantineEntry entry, String subject, String headerFrom) {
  /** How much of a message is read for its header. */
  public static final int MAX_HEADER = 64 * 1024;

  public HeldMessage {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(headerFrom, "headerFrom");
  }

  /** Reads the entry's header from the store. */
  public static HeldMessage read(Quarantine q, QuarantineEntry e) throws IOException {
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    try (InputStream in = q.message(e.id())) {
      byte[] buf = new byte[8192];
      int n;
      // Up to the blank line that ends the header, or the limit.
      while (header.size() < MAX_HEADER && (n = in.read(buf)) > 0) {
        header.write(buf, 0, Math.min(n, MAX_HEADER - header.size()));
        String soFar = header.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        if (soFar.contains("\r\n\r\n") || soFar.startsWith("\r\n")) {
          break;
        }
      }
    } catch (java.nio.file.NoSuchFileException deleted) {
      return new HeldMessage(e, "", "");
    }
    ParsedMessage m = MessageParser.create().parse(header.toByteArray());
    String from = m.headers().first("From").map(f -> oneLine(f.decodedValue())).orElse("");
    return new HeldMessage(e, m.subject().map(HeldMessage::oneLine).orElse(""), from);
  }

  private static String oneLine(String s) {
    return s.replaceAll("[\\r\\n\\t]+", " ").strip();
  }
}
