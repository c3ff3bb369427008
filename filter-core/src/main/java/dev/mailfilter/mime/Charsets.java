package dev.mailfilter.mime;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Charset labels as mail declares them, mapped to Java charsets, and a decoder that never throws.
 *
 * <p>The label table follows the WHATWG Encoding Standard (section 4.2, "Names and labels"),
 * because browsers and mail clients have converged on it for mislabelled text: {@code iso-8859-1}
 * and {@code us-ascii} decode as {@code windows-1252} (bytes 0x80 to 0x9F are almost always Windows
 * punctuation in practice), {@code gb2312} as GB18030, {@code ks_c_5601-1987} as {@code
 * x-windows-949}, {@code shift_jis} as {@code windows-31j}. Unlike WHATWG, labels WHATWG maps to
 * "replacement" (ISO-2022-KR, ISO-2022-CN, HZ) decode with Java's decoders when the JDK has them,
 * since a mail filter wants the text, not a refusal; UTF-7 (RFC 2152, still seen in mail) has a
 * decoder of its own. Labels outside the table fall back to {@link Charset#forName}.
 */
final class Charsets {
  private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");
  // Label to Java name, resolved to a Charset on first use (RESOLVED): looking up the table's
  // forty charsets when the class loads took 20 ms of the first message, most of it the JDK's
  // extended charsets (CJK, ISO-2022), which most runs never see.
  private static final Map<String, String> LABELS = new HashMap<>();
  private static final Map<String, Optional<Charset>> RESOLVED = new ConcurrentHashMap<>();
  private static final String UTF_7 = "UTF-7 (mailfilter)";
  private static final Map<Charset, Boolean> ASCII_COMPATIBLE = new ConcurrentHashMap<>();
  private static final Map<String, Optional<Charset>> JAVA_LOOKUPS = new ConcurrentHashMap<>();
  private static final int MAX_CACHED_LOOKUPS = 1024;

  static {
    label("UTF-8", "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8");
    label("IBM866", "866 cp866 csibm866 ibm866");
    label(
        "ISO-8859-2",
        "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2"
            + " latin2");
    label(
        "ISO-8859-3",
        "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3"
            + " latin3");
    label(
        "ISO-8859-4",
        "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4"
            + " latin4");
    label(
        "ISO-8859-5",
        "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5"
            + " iso_8859-5:1988");
    label(
        "ISO-8859-6",
        "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6"
            + " iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6"
            + " iso_8859-6:1987");
    label(
        "ISO-8859-7",
        "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7"
            + " iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek");
    label(
        "ISO-8859-8",
        "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8"
            + " iso88598 iso_8859-8 iso_8859-8:1988 visual csiso88598i iso-8859-8-i logical");
    label("ISO-8859-10", "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6");
    label("ISO-8859-13", "iso-8859-13 iso8859-13 iso885913");
    label("ISO-8859-14", "iso-8859-14 iso8859-14 iso885914");
    label("ISO-8859-15", "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9");
    label("ISO-8859-16", "iso-8859-16");
    label("KOI8-R", "cskoi8r koi koi8 koi8-r koi8_r");
    label("KOI8-U", "koi8-ru koi8-u");
    label("x-MacRoman", "csmacintosh mac macintosh x-mac-roman");
    label("x-windows-874", "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874");
    label("windows-1250", "cp1250 windows-1250 x-cp1250");
    label("windows-1251", "cp1251 windows-1251 x-cp1251");
    label(
        "windows-1252",
        "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1"
            + " iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252"
            + " us 646 iso646-us");
    label("windows-1253", "cp1253 windows-1253 x-cp1253");
    label(
        "windows-1254",
        "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9"
            + " iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254");
    label("windows-1255", "cp1255 windows-1255 x-cp1255");
    label("windows-1256", "cp1256 windows-1256 x-cp1256");
    label("windows-1257", "cp1257 windows-1257 x-cp1257");
    label("windows-1258", "cp1258 windows-1258 x-cp1258");
    label("x-MacCyrillic", "x-mac-cyrillic x-mac-ukrainian");
    // WHATWG decodes GBK labels with the gb18030 decoder, a superset that never loses a character.
    label(
        "GB18030",
        "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk gb18030"
            + " euc-cn x-euc-cn cp936 ms936 windows-936");
    label("Big5-HKSCS", "big5 big5-hkscs cn-big5 csbig5 x-x-big5");
    label("EUC-JP", "cseucpkdfmtjapanese euc-jp x-euc-jp");
    label("ISO-2022-JP", "csiso2022jp iso-2022-jp");
    label(
        "windows-31j",
        "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis cp932");
    label(
        "x-windows-949",
        "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601"
            + " ksc_5601 windows-949 cp949 ks_c_5601");
    label("ISO-2022-KR", "csiso2022kr iso-2022-kr");
    label("ISO-2022-CN", "iso-2022-cn iso-2022-cn-ext");
    label("UTF-16BE", "unicodefffe utf-16be");
    label("UTF-16LE", "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le");
    for (String l : "utf-7 utf7 unicode-1-1-utf-7 csunicode11utf7 x-unicode-2-0-utf-7".split(" ")) {
      LABELS.put(l, UTF_7);
    }
  }

  private static void label(String javaName, String labels) {
    for (String l : labels.split(" ")) {
      LABELS.put(l, javaName);
    }
  }

  /** The charset of a table name; empty in a slimmed JRE without it (forName then decides). */
  private static Optional<Charset> resolve(String javaName) {
    if (javaName.equals(UTF_7)) {
      return Optional.of(Utf7Charset.INSTANCE);
    }
    return Charset.isSupported(javaName)
        ? Optional.of(Charset.forName(javaName))
        : Optional.empty();
  }

  private Charsets() {}

  /**
   * The charset a declared label means: case-insensitive, surrounding whitespace and quotes
   * removed, WHATWG labels first, then any charset name or alias the JDK knows.
   *
   * @return empty for a blank, malformed or unknown label; never throws
   */
  public static Optional<Charset> lookup(String label) {
    if (label == null) {
      return Optional.empty();
    }
    String l = normalize(label);
    if (l.isEmpty()) {
      return Optional.empty();
    }
    String javaName = LABELS.get(l);
    if (javaName != null) {
      Optional<Charset> cs = RESOLVED.computeIfAbsent(javaName, Charsets::resolve);
      if (cs.isPresent()) {
        return cs;
      }
    }
    Optional<Charset> cached = JAVA_LOOKUPS.get(l);
    if (cached != null) {
      return cached;
    }
    Optional<Charset> found;
    try {
      found = Optional.of(Charset.forName(l));
    } catch (IllegalArgumentException e) {
      // IllegalCharsetNameException and UnsupportedCharsetException: an attacker-chosen label.
      found = Optional.empty();
    }
    if (JAVA_LOOKUPS.size() < MAX_CACHED_LOOKUPS) {
      // Bounded: labels come from hostile mail, an unbounded cache would be a memory leak.
      JAVA_LOOKUPS.put(l, found);
    }
    return found;
  }

  private static String normalize(String label) {
    int start = 0;
    int end = label.length();
    while (start < end && isTrim(label.charAt(start))) {
      start++;
    }
    while (end > start && isTrim(label.charAt(end - 1))) {
      end--;
    }
    return label.substring(start, end).toLowerCase(Locale.ROOT);
  }

  private static boolean isTrim(char c) {
    return c == '"' || c == '\'' || c <= ' ';
  }

  /**
   * Decodes {@code src[off, off+len)} as text in the declared charset, never throwing.
   *
   * <p>An unknown label gives an {@link DefectType#UNKNOWN_CHARSET} defect; an unknown or missing
   * label decodes as UTF-8 when the bytes are valid UTF-8 and as windows-1252 otherwise (a byte
   * sequence valid as UTF-8 by chance is vanishingly rare in legacy 8-bit text). Malformed or
   * unmappable bytes become U+FFFD with one {@link DefectType#MALFORMED_TEXT} defect per call.
   *
   * @param declaredLabel the charset label as written in the message, or null when none was given
   * @throws IndexOutOfBoundsException if the range lies outside {@code src} (caller misuse)
   */
  public static String decode(
      byte[] src, int off, int len, String declaredLabel, Consumer<Defect> defects) {
    Objects.checkFromIndexSize(off, len, src.length);
    Objects.requireNonNull(defects, "defects");
    Optional<Charset> declared = lookup(declaredLabel);
    if (declared.isEmpty() && declaredLabel != null && !normalize(declaredLabel).isEmpty()) {
      defects.accept(
          Defect.of(DefectType.UNKNOWN_CHARSET, "unknown charset " + abbreviate(declaredLabel)));
    }
    int bom = bomLength(src, off, len);
    if (bom > 0 && (declared.isEmpty() || isUnicode(declared.get()))) {
      // WHATWG "decode": a byte order mark overrides a Unicode label (and is not text); the rest
      // decodes as if that encoding had been declared.
      declared =
          Optional.of(
              bom == 3
                  ? StandardCharsets.UTF_8
                  : src[off] == (byte) 0xFE
                      ? StandardCharsets.UTF_16BE
                      : StandardCharsets.UTF_16LE);
      off += bom;
      len -= bom;
    }
    boolean ascii = isAscii(src, off, len);
    if (declared.isEmpty()) {
      if (ascii) {
        return new String(src, off, len, StandardCharsets.ISO_8859_1);
      }
      if (isUtf8(src, off, len)) {
        return new String(src, off, len, StandardCharsets.UTF_8);
      }
      return decodeWith(WINDOWS_1252, src, off, len, defects);
    }
    Charset cs = declared.get();
    if (ascii && asciiCompatible(cs)) {
      // Compact strings make a Latin-1 decode of ASCII a plain copy.
      return new String(src, off, len, StandardCharsets.ISO_8859_1);
    }
    if (cs.equals(StandardCharsets.UTF_8) && isUtf8(src, off, len)) {
      return new String(src, off, len, StandardCharsets.UTF_8); // the JDK's intrinsic decoder
    }
    if (cs.equals(WINDOWS_1252) && !hasC1Bytes(src, off, len)) {
      // windows-1252 is Latin-1 outside 0x80-0x9F, and Latin-1 decodes as a plain copy; the
      // label of most 8-bit Western mail (iso-8859-1 and us-ascii map here too).
      return new String(src, off, len, StandardCharsets.ISO_8859_1);
    }
    return decodeWith(cs, src, off, len, defects);
  }

  /** The length of a UTF-8, UTF-16BE or UTF-16LE byte order mark at {@code off}, else 0. */
  private static int bomLength(byte[] b, int off, int len) {
    if (len >= 3
        && b[off] == (byte) 0xEF
        && b[off + 1] == (byte) 0xBB
        && b[off + 2] == (byte) 0xBF) {
      return 3;
    }
    if (len >= 2
        && ((b[off] == (byte) 0xFE && b[off + 1] == (byte) 0xFF)
            || (b[off] == (byte) 0xFF && b[off + 1] == (byte) 0xFE))) {
      return 2;
    }
    return 0;
  }

  private static boolean isUnicode(Charset cs) {
    return cs.equals(StandardCharsets.UTF_8)
        || cs.equals(StandardCharsets.UTF_16)
        || cs.equals(StandardCharsets.UTF_16BE)
        || cs.equals(StandardCharsets.UTF_16LE);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  /** True when every byte is ASCII other than ESC, the byte that switches ISO-2022 states. */
  private static boolean isAscii(byte[] src, int off, int len) {
    for (int i = off, end = off + len; i < end; i++) {
      byte b = src[i];
      if (b < 0 || b == 0x1B) {
        return false;
      }
    }
    return true;
  }

  /** True when a byte lies in 0x80-0x9F, where windows-1252 differs from Latin-1. */
  private static boolean hasC1Bytes(byte[] src, int off, int len) {
    for (int i = off, end = off + len; i < end; i++) {
      int b = src[i] & 0xFF;
      if (b >= 0x80 && b <= 0x9F) {
        return true;
      }
    }
    return false;
  }

  /** Whether the charset maps every ASCII byte but ESC to itself (UTF-7, UTF-16, HZ do not). */
  private static boolean asciiCompatible(Charset cs) {
    return ASCII_COMPATIBLE.computeIfAbsent(
        cs,
        c -> {
          byte[] all = new byte[0x7F];
          int n = 0;
          for (int b = 0; b < 0x80; b++) {
            if (b != 0x1B) {
              all[n++] = (byte) b;
            }
          }
          try {
            String s =
                c.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(all, 0, n))
                    .toString();
            return s.equals(new String(all, 0, n, StandardCharsets.ISO_8859_1));
          } catch (CharacterCodingException | RuntimeException e) {
            return false;
          }
        });
  }

  /** Strict UTF-8 validity (no overlongs, surrogates or code points above U+10FFFF). */
  static boolean isUtf8(byte[] src, int off, int len) {
    int i = off;
    final int end = off + len;
    while (i < end) {
      int b = src[i] & 0xFF;
      if (b < 0x80) {
        i++;
        continue;
      }
      int n;
      int min;
      if (b >= 0xC2 && b <= 0xDF) {
        n = 1;
        min = 0x80;
      } else if (b >= 0xE0 && b <= 0xEF) {
        n = 2;
        min = 0x800;
      } else if (b >= 0xF0 && b <= 0xF4) {
        n = 3;
        min = 0x10000;
      } else {
        return false;
      }
      if (i + n >= end) {
        return false;
      }
      int cp = b & (0x3F >> n);
      for (int k = 1; k <= n; k++) {
        int c = src[i + k] & 0xFF;
        if ((c & 0xC0) != 0x80) {
          return false;
        }
        cp = (cp << 6) | (c & 0x3F);
      }
      if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return false;
      }
      i += n + 1;
    }
    return true;
  }

  private static String decodeWith(
      Charset cs, byte[] src, int off, int len, Consumer<Defect> defects) {
    CharsetDecoder dec;
    try {
      dec =
          cs.newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT);
    } catch (UnsupportedOperationException e) {
      return decodeWith(WINDOWS_1252, src, off, len, defects);
    }
    ByteBuffer in = ByteBuffer.wrap(src, off, len);
    CharBuffer out = CharBuffer.allocate(len + 16);
    boolean malformed = false;
    while (true) {
      CoderResult r = dec.decode(in, out, true);
      if (r.isUnderflow()) {
        break;
      }
      if (!r.isOverflow()) {
        // Malformed or unmappable: one U+FFFD per bad sequence, as the WHATWG decoders do.
        malformed = true;
        in.position(Math.min(in.limit(), in.position() + Math.max(1, r.length())));
        if (out.hasRemaining()) {
          out.put('\uFFFD');
          continue;
        }
        out = grow(out);
        out.put('\uFFFD');
        continue;
      }
      out = grow(out);
    }
    while (dec.flush(out).isOverflow()) {
      out = grow(out);
    }
    if (malformed) {
      defects.accept(
          Defect.of(
              DefectType.MALFORMED_TEXT,
              "bytes not valid in " + cs.name() + " replaced by U+FFFD"));
    }
    out.flip();
    return out.toString();
  }

  private static CharBuffer grow(CharBuffer out) {
    CharBuffer bigger = CharBuffer.allocate(out.capacity() * 2 + 16);
    out.flip();
    bigger.put(out);
    return bigger;
  }
}
