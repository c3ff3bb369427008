package dev.mailfilter.learn;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small best-effort decoder from raw bytes to a {@link Document}: headers unfolded and RFC 2047
 * decoded, multipart split, base64 and quoted-printable undone, charsets applied, HTML reduced to
 * text. It bounds its work (depth, parts, text per part) so hostile input cannot make it slow.
 *
 * <p>It exists so the model can be trained and evaluated from files; the engine hands the model
 * documents built from the zero-copy parser instead.
 */
final class MessageText {
  private static final int MAX_DEPTH = 8;
  private static final int MAX_PARTS = 64;
  private static final int MAX_TEXT_CHARS = 200_000;
  private static final Pattern ENCODED_WORD =
      Pattern.compile("=\\?([^?\\s]+)\\?([BbQq])\\?([^?\\s]*)\\?=");
  private static final Pattern BETWEEN_ENCODED_WORDS = Pattern.compile("(\\?=)\\s+(=\\?)");
  private static final Pattern PARAM =
      Pattern.compile(";\\s*([A-Za-z0-9_*-]+)\\s*=\\s*(\"([^\"]*)\"|[^;\\s]+)");
  private static final Pattern LINK =
      Pattern.compile("(?i)(?:href|src|action)\\s*=\\s*[\"']?([^\"'\\s>]+)");
  private static final Pattern BARE_URL =
      Pattern.compile("(?i)\\b(?:https?://|www\\.)[^\\s<>\"']+");

  private final List<Document.Header> headers = new ArrayList<>();
  private final List<String> texts = new ArrayList<>();
  private final List<String> htmlTexts = new ArrayList<>();
  private final List<String> urls = new ArrayList<>();
  private final List<String> partTypes = new ArrayList<>();
  private int parts;

  private MessageText() {}

  static Document extract(byte[] raw) {
    MessageText m = new MessageText();
    int bodyStart = bodyStart(raw, 0, raw.length);
    List<Document.Header> top = parseHeaders(raw, 0, bodyStart);
    m.headers.addAll(top);
    m.part(raw, top, bodyStart, raw.length, 0);
    String subject = "";
    String from = "";
    for (Document.Header h : top) {
      if (subject.isEmpty() && h.name().equalsIgnoreCase("Subject")) {
        subject = h.value();
      } else if (from.isEmpty() && h.name().equalsIgnoreCase("From")) {
        from = h.value();
      }
    }
    return new Document(subject, from, m.headers, m.texts, m.htmlTexts, m.urls, m.partTypes);
  }

  private void part(byte[] raw, List<Document.Header> hs, int start, int end, int depth) {
    if (++parts > MAX_PARTS) {
      return;
    }
    String contentType = "text/plain";
    String encoding = "";
    for (Document.Header h : hs) {
      if (h.name().equalsIgnoreCase("Content-Type")) {
        contentType = h.value();
      } else if (h.name().equalsIgnoreCase("Content-Transfer-Encoding")) {
        encoding = h.value().trim().toLowerCase(Locale.ROOT);
      }
    }
    int semi = contentType.indexOf(';');
    String type =
        (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    if (type.isEmpty() || type.indexOf('/') < 0) {
      type = "text/plain";
    }
    if (type.startsWith("multipart/") && depth < MAX_DEPTH) {
      String boundary = param(contentType, "boundary");
      if (boundary != null && !boundary.isEmpty()) {
        multipart(raw, start, end, boundary, depth);
        return;
      }
    }
    if (type.equals("message/rfc822") && depth < MAX_DEPTH) {
      int inner = bodyStart(raw, start, end);
      List<Document.Header> innerHeaders = parseHeaders(raw, start, inner);
      headers.addAll(innerHeaders);
      part(raw, innerHeaders, inner, end, depth + 1);
      return;
    }
    partTypes.add(type);
    if (!type.startsWith("text/")) {
      return;
    }
    byte[] body = decodeTransfer(raw, start, end, encoding);
    String text = decodeCharset(body, param(contentType, "charset"));
    if (text.length() > MAX_TEXT_CHARS) {
      text = text.substring(0, MAX_TEXT_CHARS);
    }
    if (type.equals("text/html")) {
      Matcher links = LINK.matcher(text);
      while (links.find()) {
        urls.add(links.group(1));
      }
      htmlTexts.add(htmlToText(text));
    } else {
      Matcher bare = BARE_URL.matcher(text);
      while (bare.find()) {
        urls.add(bare.group());
      }
      texts.add(text);
    }
  }

  private void multipart(byte[] raw, int start, int end, String boundary, int depth) {
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    int partStart = -1;
    int lineStart = start;
    while (lineStart < end) {
      int lineEnd = indexOf(raw, (byte) '\n', lineStart, end);
      int next = lineEnd < 0 ? end : lineEnd + 1;
      if (startsWith(raw, lineStart, end, delimiter)) {
        int after = lineStart + delimiter.length;
        boolean close = after + 1 < end && raw[after] == '-' && raw[after + 1] == '-';
        if (partStart >= 0) {
          int partEnd = lineStart;
          // The line break before a delimiter belongs to the delimiter (RFC 2046 section 5.1.1).
          if (partEnd > partStart && raw[partEnd - 1] == '\n') {
            partEnd--;
            if (partEnd > partStart && raw[partEnd - 1] == '\r') {
              partEnd--;
            }
          }
          int bodyStart = bodyStart(raw, partStart, partEnd);
          part(raw, parseHeaders(raw, partStart, bodyStart), bodyStart, partEnd, depth + 1);
        }
        if (close) {
          return;
        }
        partStart = next;
      }
      lineStart = next;
    }
    if (partStart >= 0 && partStart < end) {
      int bodyStart = bodyStart(raw, partStart, end);
      part(raw, parseHeaders(raw, partStart, bodyStart), bodyStart, end, depth + 1);
    }
  }

  /** The offset just after the blank line that ends the header block, or {@code end}. */
  private static int bodyStart(byte[] raw, int start, int end) {
    int i = start;
    if (i < end && (raw[i] == '\n' || (raw[i] == '\r' && i + 1 < end && raw[i + 1] == '\n'))) {
      return raw[i] == '\n' ? i + 1 : i + 2;
    }
    while (i < end) {
      int nl = indexOf(raw, (byte) '\n', i, end);
      if (nl < 0) {
        return end;
      }
      int j = nl + 1;
      if (j < end && raw[j] == '\n') {
        return j + 1;
      }
      if (j + 1 < end && raw[j] == '\r' && raw[j + 1] == '\n') {
        return j + 2;
      }
      i = j;
    }
    return end;
  }

  private static List<Document.Header> parseHeaders(byte[] raw, int start, int end) {
    List<Document.Header> out = new ArrayList<>();
    String block = decodeHeaderBytes(raw, start, end);
    String name = null;
    StringBuilder value = new StringBuilder();
    for (String line : block.split("\r?\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && name != null) {
        value.append(' ').append(line.strip());
        continue;
      }
      if (line.startsWith("From ") && name == null && out.isEmpty()) {
        continue; // mbox separator line left in a stored message
      }
      int colon = line.indexOf(':');
      if (name != null) {
        out.add(new Document.Header(name, decodeWords(value.toString())));
      }
      if (colon <= 0) {
        name = null;
        continue;
      }
      name = line.substring(0, colon).strip();
      value.setLength(0);
      value.append(line.substring(colon + 1).strip());
    }
    if (name != null) {
      out.add(new Document.Header(name, decodeWords(value.toString())));
    }
    return out;
  }

  private static String decodeHeaderBytes(byte[] raw, int start, int end) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw, start, end - start))
          .toString();
    } catch (CharacterCodingException e) {
      return new String(raw, start, end - start, StandardCharsets.ISO_8859_1);
    }
  }

  /** Decodes RFC 2047 encoded words; words that do not decode stay as written. */
  static String decodeWords(String value) {
    if (value.indexOf("=?") < 0) {
      return value;
    }
    String joined = BETWEEN_ENCODED_WORDS.matcher(value).replaceAll("$1$2");
    Matcher m = ENCODED_WORD.matcher(joined);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String charsetName = m.group(1);
      int star = charsetName.indexOf('*'); // RFC 2231 language suffix
      if (star >= 0) {
        charsetName = charsetName.substring(0, star);
      }
      byte[] bytes;
      if (m.group(2).equalsIgnoreCase("B")) {
        try {
          bytes = Base64.getMimeDecoder().decode(m.group(3));
        } catch (IllegalArgumentException e) {
          m.appendReplacement(out, Matcher.quoteReplacement(m.group()));
          continue;
        }
      } else {
        byte[] qp = m.group(3).replace('_', ' ').getBytes(StandardCharsets.ISO_8859_1);
        bytes = quotedPrintable(qp, 0, qp.length);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(decodeCharset(bytes, charsetName)));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static byte[] decodeTransfer(byte[] raw, int start, int end, String encoding) {
    if (encoding.equals("base64")) {
      byte[] clean = new byte[end - start];
      int n = 0;
      for (int i = start; i < end; i++) {
        byte b = raw[i];
        if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')) {
          clean[n++] = b;
        } else if (b == '+' || b == '/') {
          clean[n++] = b;
        }
      }
      n -= n % 4 == 1 ? 1 : 0; // a lone trailing sextet cannot encode a byte
      byte[] padded = new byte[n + (4 - n % 4) % 4];
      System.arraycopy(clean, 0, padded, 0, n);
      for (int i = n; i < padded.length; i++) {
        padded[i] = '=';
      }
      try {
        return Base64.getDecoder().decode(padded);
      } catch (IllegalArgumentException e) {
        return new byte[0];
      }
    }
    if (encoding.equals("quoted-printable")) {
      return quotedPrintable(raw, start, end);
    }
    byte[] copy = new byte[end - start];
    System.arraycopy(raw, start, copy, 0, copy.length);
    return copy;
  }

  private static byte[] quotedPrintable(byte[] raw, int start, int end) {
    byte[] out = new byte[end - start];
    int n = 0;
    for (int i = start; i < end; i++) {
      byte b = raw[i];
      if (b != '=') {
        out[n++] = b;
        continue;
      }
      if (i + 1 < end && raw[i + 1] == '\n') {
        i += 1; // soft line break
      } else if (i + 2 < end && raw[i + 1] == '\r' && raw[i + 2] == '\n') {
        i += 2;
      } else if (i + 2 < end && hex(raw[i + 1]) >= 0 && hex(raw[i + 2]) >= 0) {
        out[n++] = (byte) (hex(raw[i + 1]) << 4 | hex(raw[i + 2]));
        i += 2;
      } else {
        out[n++] = b;
      }
    }
    byte[] exact = new byte[n];
    System.arraycopy(out, 0, exact, 0, n);
    return exact;
  }

  private static int hex(byte b) {
    return Character.digit(b, 16);
  }

  private static String decodeCharset(byte[] bytes, String charsetName) {
    Charset charset = StandardCharsets.ISO_8859_1;
    if (charsetName != null) {
      try {
        charset = Charset.forName(charsetName.trim());
      } catch (IllegalArgumentException e) {
        charset = StandardCharsets.ISO_8859_1;
      }
    } else {
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes))
            .toString();
      } catch (CharacterCodingException e) {
        charset = StandardCharsets.ISO_8859_1;
      }
    }
    return new String(bytes, charset);
  }

  private static String param(String headerValue, String name) {
    Matcher m = PARAM.matcher(headerValue);
    while (m.find()) {
      if (m.group(1).equalsIgnoreCase(name)) {
        return m.group(3) != null ? m.group(3) : m.group(2);
      }
    }
    return null;
  }

  /**
   * The visible text of an HTML document in one linear pass: tags become spaces, comments, scripts,
   * styles and the head are dropped, entities are decoded. Unclosed constructs end the text, so
   * hostile input cannot make this quadratic.
   */
  static String htmlToText(String html) {
    StringBuilder out = new StringBuilder(html.length());
    String lower = html.toLowerCase(Locale.ROOT);
    int i = 0;
    int n = html.length();
    while (i < n) {
      char c = html.charAt(i);
      if (c == '<') {
        int close;
        if (lower.startsWith("<!--", i)) {
          close = skipPast(lower, "-->", i + 4);
        } else if (lower.startsWith("<script", i)) {
          close = skipPast(lower, "</script", i + 7);
        } else if (lower.startsWith("<style", i)) {
          close = skipPast(lower, "</style", i + 6);
        } else if (lower.startsWith("<head", i) && !lower.startsWith("<header", i)) {
          close = skipPast(lower, "</head", i + 5);
        } else {
          close = i + 1;
        }
        int gt = html.indexOf('>', close);
        i = gt < 0 ? n : gt + 1;
        out.append(' ');
      } else if (c == '&') {
        int semi = html.indexOf(';', i);
        if (semi > i + 1 && semi - i <= 10 && isEntityName(html, i + 1, semi)) {
          out.append(entity(html.substring(i + 1, semi)));
          i = semi + 1;
        } else {
          out.append(c);
          i++;
        }
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static boolean isEntityName(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(c == '#' || (c < 128 && Character.isLetterOrDigit(c)))) {
        return false;
      }
    }
    return true;
  }

  private static int skipPast(String s, String marker, int from) {
    int at = s.indexOf(marker, from);
    return at < 0 ? s.length() : at + marker.length();
  }

  private static String entity(String name) {
    if (name.startsWith("#")) {
      try {
        int cp =
            name.length() > 1 && (name.charAt(1) == 'x' || name.charAt(1) == 'X')
                ? Integer.parseInt(name.substring(2), 16)
                : Integer.parseInt(name.substring(1));
        return Character.isValidCodePoint(cp) ? Character.toString(cp) : " ";
      } catch (NumberFormatException e) {
        return " ";
      }
    }
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "nbsp" -> " ";
      case "amp" -> "&";
      case "lt" -> "<";
      case "gt" -> ">";
      case "quot" -> "\"";
      case "apos" -> "'";
      default -> " ";
    };
  }

  private static int indexOf(byte[] a, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static boolean startsWith(byte[] a, int at, int end, byte[] prefix) {
    if (end - at < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (a[at + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
