package dev.mailfilter.auth;

import dev.mailfilter.mime.ByteView;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * The two canonicalisations of RFC 6376 section 3.4, for header fields and for the body. Strings
 * here hold one char per octet (ISO-8859-1), so 8-bit header bytes pass through unchanged.
 */
public enum Canonicalization {
  /** Section 3.4.1 and 3.4.3: the field as received; the body with trailing empty lines removed. */
  SIMPLE,
  /** Section 3.4.2 and 3.4.4: white space runs folded to one space, names lower case. */
  RELAXED;

  /** The name as written in {@code c=}. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code simple} or {@code relaxed}, any case. */
  static Canonicalization of(String tag) {
    return switch (tag.toLowerCase(Locale.ROOT)) {
      case "simple" -> SIMPLE;
      case "relaxed" -> RELAXED;
      default -> throw new DkimException("unknown canonicalization " + TagList.abbreviate(tag));
    };
  }

  /**
   * The canonical form of one header field.
   *
   * @param rawField the field as received: name, colon and value with its folding line breaks,
   *     without the final CRLF (one char per octet)
   * @return the canonical form, ending in CRLF
   */
  public String header(String rawField) {
    if (this == SIMPLE) {
      return rawField + "\r\n";
    }
    int colon = rawField.indexOf(':');
    if (colon < 0) {
      throw new DkimException("header field without a colon: " + TagList.abbreviate(rawField));
    }
    StringBuilder b = new StringBuilder(rawField.length() + 2);
    String name = rawField.substring(0, colon);
    int nameEnd = name.length();
    while (nameEnd > 0 && isWsp(name.charAt(nameEnd - 1))) {
      nameEnd--;
    }
    b.append(name, 0, nameEnd).append(':');
    // Lower-case ASCII only: toLowerCase(Locale.ROOT) would also map Latin-1 letters of 8-bit
    // names.
    for (int i = 0; i < nameEnd; i++) {
      char c = b.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        b.setCharAt(i, (char) (c + 32));
      }
    }
    boolean space = false;
    boolean started = false;
    for (int i = colon + 1; i < rawField.length(); i++) {
      char c = rawField.charAt(i);
      if (c == '\r' || c == '\n') {
        continue; // unfold: the white space after the break stays and folds below
      }
      if (isWsp(c)) {
        space = started;
        continue;
      }
      if (space) {
        b.append(' ');
        space = false;
      }
      b.append(c);
      started = true;
    }
    return b.append("\r\n").toString();
  }

  private static boolean isWsp(char c) {
    return c == ' ' || c == '\t';
  }

  /**
   * The body's canonical length and the SHA-256 of its first {@code limit} canonical octets.
   *
   * @param hash the SHA-256 digest of the hashed part
   * @param canonicalLength the length of the whole canonical body, hashed or not
   * @param hashedLength how many canonical octets were hashed: {@code canonicalLength}, or {@code
   *     l=} when that is smaller
   */
  public record BodyHash(byte[] hash, long canonicalLength, long hashedLength) {
    /** Copies the hash. */
    public BodyHash {
      hash = hash.clone();
    }

    /** A copy of the hash. */
    @Override
    public byte[] hash() {
      return hash.clone();
    }

    /** Whether the hash covers only part of the canonical body (an {@code l=} risk). */
    public boolean partial() {
      return hashedLength < canonicalLength;
    }
  }

  /**
   * Hashes the canonical form of {@code body} with SHA-256, reading the bytes in place.
   *
   * @param body the body as received, CRLF line ends (after the header's empty line)
   * @param limit how many canonical octets to hash ({@code l=}), or -1 for all
   */
  public BodyHash hashBody(ByteView body, long limit) {
    MessageDigest d = sha256();
    Sink sink = new Sink(d, limit);
    ByteBuffer in = body.asByteBuffer();
    int n = in.remaining();
    int base = in.position();
    if (this == SIMPLE) {
      simpleBody(in, base, n, sink);
    } else {
      relaxedBody(in, base, n, sink);
    }
    sink.flush();
    return new BodyHash(d.digest(), sink.total, sink.hashed);
  }

  /** The SHA-256 of the canonical body ({@link #hashBody}'s hash). */
  public byte[] bodyHash(ByteView body, long limit) {
    return hashBody(body, limit).hash();
  }

  private static void simpleBody(ByteBuffer in, int base, int n, Sink out) {
    long emptyLines = 0;
    int lineStart = 0;
    while (lineStart < n) {
      int lineEnd = lineStart;
      while (lineEnd < n && !isCrlf(in, base, lineEnd, n)) {
        lineEnd++;
      }
      if (lineEnd == lineStart && lineEnd < n) {
        emptyLines++;
      } else {
        for (; emptyLines > 0; emptyLines--) {
          out.crlf();
        }
        for (int i = lineStart; i < lineEnd; i++) {
          out.put(in.get(base + i));
        }
        out.crlf();
      }
      lineStart = lineEnd + 2;
    }
    if (out.total == 0) {
      out.crlf(); // an empty body is one CRLF (section 3.4.3)
    }
  }

  private static void relaxedBody(ByteBuffer in, int base, int n, Sink out) {
    long emptyLines = 0;
    int lineStart = 0;
    while (lineStart < n) {
      int lineEnd = lineStart;
      while (lineEnd < n && !isCrlf(in, base, lineEnd, n)) {
        lineEnd++;
      }
      int contentEnd = lineEnd;
      while (contentEnd > lineStart && isWsp((char) in.get(base + contentEnd - 1))) {
        contentEnd--;
      }
      if (contentEnd == lineStart) {
        emptyLines++; // all white space: empty after canonicalisation, dropped if trailing
      } else {
        for (; emptyLines > 0; emptyLines--) {
          out.crlf();
        }
        boolean space = false;
        for (int i = lineStart; i < contentEnd; i++) {
          byte c = in.get(base + i);
          if (c == ' ' || c == '\t') {
            space = true;
          } else {
            if (space) {
              out.put((byte) ' ');
              space = false;
            }
            out.put(c);
          }
        }
        out.crlf();
      }
      lineStart = lineEnd + 2;
    }
  }

  private static boolean isCrlf(ByteBuffer in, int base, int i, int n) {
    return in.get(base + i) == '\r' && i + 1 < n && in.get(base + i + 1) == '\n';
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Buffers canonical octets into the digest, stopping the hash (not the count) at the limit. */
  private static final class Sink {
    private final MessageDigest digest;
    private final long limit;
    private final byte[] buf = new byte[8192];
    private int len;
    long total;
    long hashed;

    Sink(MessageDigest digest, long limit) {
      this.digest = digest;
      this.limit = limit;
    }

    void put(byte b) {
      total++;
      if (limit >= 0 && hashed >= limit) {
        return;
      }
      hashed++;
      buf[len++] = b;
      if (len == buf.length) {
        flush();
      }
    }

    void crlf() {
      put((byte) '\r');
      put((byte) '\n');
    }

    void flush() {
      digest.update(buf, 0, len);
      len = 0;
    }
  }
}
