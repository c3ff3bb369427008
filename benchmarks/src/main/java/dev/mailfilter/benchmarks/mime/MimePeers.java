package dev.mailfilter.benchmarks.mime;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;

/** The reference parsers, driven the way a filter would drive them. */
final class MimePeers {
  private static final Session SESSION = Session.getInstance(new Properties());

  private MimePeers() {}

  /** mime4j's token pass: every header field and body boundary, no body read. */
  static long mime4jStructure(byte[] message) throws IOException, MimeException {
    MimeTokenStream stream = new MimeTokenStream(MimeConfig.PERMISSIVE);
    stream.parse(new ByteArrayInputStream(message));
    long tokens = 0;
    for (EntityState s = stream.getState(); s != EntityState.T_END_OF_STREAM; s = stream.next()) {
      if (s == EntityState.T_FIELD) {
        tokens += stream.getField().getName().length();
      }
      tokens++;
    }
    return tokens;
  }

  /** mime4j's token pass reading every body through its transfer decoder. */
  static long mime4jFull(byte[] message) throws IOException, MimeException {
    MimeTokenStream stream = new MimeTokenStream(MimeConfig.PERMISSIVE);
    stream.parse(new ByteArrayInputStream(message));
    long bytes = 0;
    byte[] sink = new byte[8192];
    for (EntityState s = stream.getState(); s != EntityState.T_END_OF_STREAM; s = stream.next()) {
      if (s == EntityState.T_FIELD) {
        bytes += stream.getField().getName().length();
      } else if (s == EntityState.T_BODY) {
        bytes += drain(stream.getDecodedInputStream(), sink);
      }
    }
    return bytes;
  }

  /** Jakarta Mail (Angus): parse, then walk every part's decoded content. */
  static long jakartaFull(byte[] message) throws IOException, MessagingException {
    MimeMessage m = new MimeMessage(SESSION, new ByteArrayInputStream(message));
    return walk(m, 0, new byte[8192]);
  }

  private static long walk(Part part, int depth, byte[] sink)
      throws IOException, MessagingException {
    if (depth < 50 && part.isMimeType("multipart/*")) {
      if (content(part) instanceof Multipart mp) {
        long n = 0;
        for (int i = 0; i < mp.getCount(); i++) {
          BodyPart bp = mp.getBodyPart(i);
          n += walk(bp, depth + 1, sink);
        }
        return n;
      }
    }
    if (depth < 50 && part.isMimeType("message/rfc822")) {
      if (content(part) instanceof Part inner) {
        return walk(inner, depth + 1, sink);
      }
    }
    try (InputStream in = part.getInputStream()) {
      return drain(in, sink);
    } catch (IOException | MessagingException e) {
      // A broken encoding: Jakarta gives up on the part; count what was read before.
      return 0;
    }
  }

  /**
   * The parsed content, or null when Jakarta refuses it (a multipart without its start boundary): a
   * filter then reads the part as one body, as {@code walk} does next.
   */
  private static Object content(Part part) throws IOException {
    try {
      return part.getContent();
    } catch (MessagingException e) {
      return null;
    }
  }

  private static long drain(InputStream in, byte[] sink) throws IOException {
    long n = 0;
    for (int r; (r = in.read(sink)) > 0; ) {
      n += r;
    }
    return n;
  }
}
