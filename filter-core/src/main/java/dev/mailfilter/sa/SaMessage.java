package dev.mailfilter.sa;

import dev.mailfilter.message.MessageBodies;
import dev.mailfilter.mime.Address;
import dev.mailfilter.mime.AddressParser;
import dev.mailfilter.mime.EncodedWords;
import dev.mailfilter.mime.Group;
import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.mime.Mailbox;
import dev.mailfilter.mime.MimePart;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.mime.content.HtmlScan;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The texts SpamAssassin's rules match, built from one message the way {@code
 * Mail::SpamAssassin::Message} and {@code PerMsgStatus::get} build them, each computed on first
 * use. Texts are byte strings: UTF-8 octets, one char per octet (see {@link PerlRegex}). One per
 * message and thread: not thread-safe.
 */
final class SaMessage {
  /** SpamAssassin's MAX_BODY_LINE_LENGTH: longer body lines are cut, at a space if possible. */
  static final int MAX_LINE = 2048;

  /** SpamAssassin's body_part_scan_size: the rendered text of a part is cut after this. */
  static final int BODY_PART_SCAN_SIZE = 50_000;

  /** SpamAssassin's rawbody_part_scan_size. */
  static final int RAWBODY_PART_SCAN_SIZE = 500_000;

  // Perl's \s on a character string: Unicode white space, the no-break space included.
  private static final String SPACE =
      "[\\s\\u00a0\\u0085\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  // A line holding only a no-break space between two line ends ends a paragraph too (spam/00409).
  private static final Pattern PARAGRAPH_BREAK = Pattern.compile("\\n+" + SPACE + "*\\n+");
  private static final Pattern WHITESPACE = Pattern.compile(SPACE + "+");
  private static final Pattern FOLD = Pattern.compile("\\r?\\n[ \\t]+");

  private final ParsedMessage message;
  private final String envelopeFrom;
  private final List<String> bodyTexts;
  private final List<String> htmlUris;
  private List<String> uris;
  private final Map<HeaderSpec, Optional<String>> headers = new HashMap<>();
  private TrustPath.Networks networks = TrustPath.Networks.INFERRED;
  private TrustPath trustPath; // read when a rule first asks
  private Optional<String> currentHop = Optional.empty();
  private List<String> body;
  private List<String> rawBody;
  private String full;

  /**
   * A message's texts.
   *
   * @param envelopeFrom the SMTP sender, empty when unknown or the null sender
   * @param bodies the text parts as a reader sees them (HTML reduced to text, with its links)
   */
  static SaMessage of(ParsedMessage message, String envelopeFrom, List<MessageBodies.Body> bodies) {
    List<String> texts = new ArrayList<>();
    List<String> htmlUris = new ArrayList<>();
    for (MessageBodies.Body b : withAttachments(message, bodies)) {
      texts.add(b.text());
      b.html()
          .ifPresent(
              h -> {
                for (HtmlScan.Link l : h.links()) {
                  htmlUris.add(octets(l.href()));
                }
                for (String src : h.imageSources()) {
                  htmlUris.add(octets(src));
                }
              });
    }
    return new SaMessage(message, envelopeFrom, texts, htmlUris);
  }

  /**
   * The bodies SpamAssassin renders: every text/plain and text/html leaf in order, attachments
   * included (Message::get_body_text_array_common), where mailfilter's bodies leave them out.
   */
  private static List<MessageBodies.Body> withAttachments(
      ParsedMessage message, List<MessageBodies.Body> bodies) {
    Map<MimePart, MessageBodies.Body> known = new IdentityHashMap<>();
    for (MessageBodies.Body b : bodies) {
      known.put(b.part(), b);
    }
    List<MessageBodies.Body> out = new ArrayList<>();
    for (MimePart p : message.leaves()) {
      if (out.size() >= MessageBodies.MAX_PARTS) {
        break;
      }
      MessageBodies.Body b = known.remove(p);
      if (b == null && (p.mediaType().equals("text/plain") || p.mediaType().equals("text/html"))) {
        b = MessageBodies.decode(p);
      }
      if (b != null) {
        out.add(b);
      }
    }
    for (MessageBodies.Body b : bodies) {
      if (known.containsKey(b.part())) {
        out.add(b); // not a leaf of this message: keep it rather than lose its text
      }
    }
    return out;
  }

  private SaMessage(
      ParsedMessage message, String envelopeFrom, List<String> bodyTexts, List<String> htmlUris) {
    this.message = message;
    this.envelopeFrom = envelopeFrom;
    this.bodyTexts = bodyTexts;
    this.htmlUris = htmlUris;
  }

  /** A message's texts computed without a transaction (tools and tests). */
  static SaMessage of(ParsedMessage message, String envelopeFrom) {
    return of(message, envelopeFrom, MessageBodies.compute(message));
  }

  ParsedMessage parsed() {
    return message;
  }

  /** UTF-8 octets of a Java string, one char per octet. */
  static String octets(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
      }
    }
    return s;
  }

  /**
   * The value a header rule matches: the fields' texts joined (each ends with a newline, as in
   * SpamAssassin; addresses and names are joined by newlines), or empty when there is none.
   */
  Optional<String> header(HeaderSpec spec) {
    Optional<String> v = headers.get(spec);
    if (v == null) {
      v = computeHeader(spec);
      headers.put(spec, v);
    }
    return v;
  }

  private Optional<String> computeHeader(HeaderSpec spec) {
    List<String> values = new ArrayList<>();
    boolean needRaw = spec.raw() || spec.addr() || spec.name();
    for (String name : spec.names()) {
      values.addAll(values(name, needRaw));
    }
    if (values.isEmpty()) {
      return Optional.empty();
    }
    if (spec.first()) {
      values = List.of(values.getFirst());
    } else if (spec.last()) {
      values = List.of(values.getLast());
    }
    if (spec.addr() || spec.name()) {
      List<String> out = new ArrayList<>();
      for (String v : values) {
        for (Address a : AddressParser.parseList(v.strip(), d -> {})) {
          List<Mailbox> boxes =
              switch (a) {
                case Mailbox m -> List.of(m);
                case Group g -> g.members();
              };
          for (Mailbox m : boxes) {
            if (spec.addr()) {
              out.add(octets(m.address()));
            } else if (!m.displayName().isEmpty()) {
              out.add(octets(WHITESPACE.matcher(m.displayName()).replaceAll(" ").strip()));
            }
          }
        }
      }
      if (out.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(String.join("\n", out));
    }
    return Optional.of(String.join(values.getFirst().endsWith("\n") ? "" : "\n", values));
  }

  /**
   * Sets the networks the trust path is read with (the rule set's); the path and the headers read
   * from it are computed again if they differ from the last ones.
   */
  void networks(TrustPath.Networks n) {
    if (!n.equals(networks)) {
      networks = n;
      if (trustPath != null) {
        trustPath = null;
        headers
            .keySet()
            .removeIf(spec -> spec.names().stream().anyMatch(TrustPath::isPseudoHeader));
      }
    }
  }

  /**
   * The handover to this server as a {@code Received} value: the servers filter before they add
   * their own trace field, where SpamAssassin behind an MTA (spamd, spamass-milter) reads the
   * MTA's. It goes on top of the message's fields for the trust path only.
   */
  void currentHop(String received) {
    currentHop = Optional.of(received);
    trustPath = null;
  }

  /** The message's relays, read once per message. */
  TrustPath trustPath() {
    if (trustPath == null) {
      List<String> received = new ArrayList<>();
      currentHop.ifPresent(received::add);
      for (HeaderField f : message.headers().all("Received")) {
        received.add(value(f, false));
      }
      List<String> originating = new ArrayList<>();
      for (String h : networks.originatingIpHeaders()) {
        List<HeaderField> all = message.headers().all(h);
        if (!all.isEmpty()) {
          originating.add(value(all.getLast(), false)); // get_header in scalar context: the last
        }
      }
      trustPath = TrustPath.of(received, originating, networks);
    }
    return trustPath;
  }

  /** The values of one name or pseudo-header, each ending with a newline. */
  private List<String> values(String name, boolean raw) {
    List<String> out = new ArrayList<>();
    if (TrustPath.isPseudoHeader(name)) {
      // One value, empty when there is no such relay, with no newline (PerMsgStatus::_get).
      out.add(trustPath().pseudoHeader(name).orElseThrow());
      return out;
    }
    switch (name) {
      case "ALL" -> {
        for (HeaderField f : message.headers()) {
          out.add(
              raw
                  ? f.rawField().latin1().replace("\r\n", "\n")
                  : octets(f.name()) + ": " + value(f, false));
        }
      }
      case "MESSAGEID" -> {
        for (String n :
            List.of("X-Message-Id", "Resent-Message-Id", "X-Original-Message-ID", "Message-Id")) {
          for (String v : values(n, raw)) {
            if (!v.isBlank()) {
              out.add(v);
            }
          }
        }
      }
      default -> {
        if (name.equalsIgnoreCase("ToCc")) {
          out.addAll(values("To", raw));
          out.addAll(values("Cc", raw));
        } else if (name.equalsIgnoreCase("EnvelopeFrom")) {
          if (!envelopeFrom.isEmpty()) {
            out.add(octets(envelopeFrom) + "\n");
          } else {
            out.addAll(values("Return-Path", raw));
          }
        } else {
          for (HeaderField f : message.headers().all(name)) {
            out.add(value(f, raw));
          }
        }
      }
    }
    return out;
  }

  private static String value(HeaderField f, boolean raw) {
    if (raw) {
      String v = FOLD.matcher(f.rawValue().latin1()).replaceAll(" ");
      return v.strip() + "\n";
    }
    String folded = f.rawValue().latin1();
    if (folded.indexOf('\n') < 0) {
      return octets(f.decodedValue()) + "\n";
    }
    // Message::Node::header makes a fold (line end and the blanks after it) one space, where
    // RFC 5322 unfolding keeps the blanks: "id 1;\n\tThu, 18 Jul" reads "id 1; Thu, 18 Jul".
    String unfolded = FOLD.matcher(folded).replaceAll(" ").strip();
    String text = utf8OrLatin1(unfolded);
    return octets(text.contains("=?") ? EncodedWords.decode(text, d -> {}) : text) + "\n";
  }

  private static String utf8OrLatin1(String octets) {
    for (int i = 0; i < octets.length(); i++) {
      if (octets.charAt(i) >= 0x80) {
        try {
          return StandardCharsets.UTF_8
              .newDecoder()
              .decode(java.nio.ByteBuffer.wrap(octets.getBytes(StandardCharsets.ISO_8859_1)))
              .toString();
        } catch (java.nio.charset.CharacterCodingException e) {
          return octets;
        }
      }
    }
    return octets;
  }

  /**
   * The rendered body as SpamAssassin 4 builds it: the Subject (or an empty line) first, then the
   * text parts; runs of blank lines end a paragraph, all other white space becomes one space, and
   * each paragraph is one line, cut at {@link #MAX_LINE}.
   */
  List<String> body() {
    if (body == null) {
      String subject = message.subject().orElse("");
      StringBuilder text = new StringBuilder();
      for (String t : bodyTexts) {
        if (!text.isEmpty()) {
          text.append('\n');
        }
        text.append(scanned(t.replace("\r\n", "\n"), BODY_PART_SCAN_SIZE, "\n "));
      }
      String s = PARAGRAPH_BREAK.matcher(text).replaceAll("\0");
      s = WHITESPACE.matcher(s).replaceAll(" ").replace('\0', '\n');
      String all = octets(subject.isEmpty() ? "\n" : subject + "\n") + octets(s);
      body = shortLines(all);
    }
    return body;
  }

  /**
   * A part's text cut as SpamAssassin cuts it at its scan size: after the first of {@code seps}
   * (tried in order) found within 1,024 characters after {@code size}, else at {@code size}. Sizes
   * count UTF-8 octets, as SpamAssassin's byte strings.
   */
  static String scanned(String text, int size, String seps) {
    if (text.length() <= size / 4) {
      return text;
    }
    String octets = octets(text);
    if (octets.length() <= size) {
      return text;
    }
    int cut = size;
    for (int i = 0; i < seps.length(); i++) {
      int idx = octets.indexOf(seps.charAt(i), size);
      if (idx >= 0 && idx - size <= 1024) {
        cut = idx + 1;
        break;
      }
    }
    String kept = octets.substring(0, cut);
    return octets == text
        ? kept
        : new String(kept.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
  }

  /** SpamAssassin's split_into_array_of_short_lines. */
  static List<String> shortLines(String text) {
    List<String> out = new ArrayList<>();
    int start = 0;
    while (start < text.length()) {
      int nl = text.indexOf('\n', start);
      int end = nl < 0 ? text.length() : nl + 1;
      String line = text.substring(start, end);
      while (line.length() > MAX_LINE) {
        int cut = line.lastIndexOf(' ', MAX_LINE) + 1;
        if (cut <= 0) {
          cut = MAX_LINE;
        }
        out.add(line.substring(0, cut));
        line = line.substring(cut);
      }
      out.add(line);
      start = end;
    }
    return out;
  }

  /**
   * The text parts transfer-decoded but not charset-decoded or rendered, each cut into chunks of
   * about {@link #MAX_LINE} characters at a line end, a {@code >} or a space (SpamAssassin's
   * split_into_array_of_short_paragraphs).
   */
  List<String> rawBody() {
    if (rawBody == null) {
      List<String> out = new ArrayList<>();
      for (MimePart p : message.leaves()) {
        String type = p.mediaType();
        if (!type.startsWith("text/") || type.equals("text/calendar")) {
          continue;
        }
        String raw = p.decodedBody().latin1().replace("\r\n", "\n");
        out.addAll(shortParagraphs(scanned(raw, RAWBODY_PART_SCAN_SIZE, "\n> ")));
      }
      rawBody = out;
    }
    return rawBody;
  }

  static List<String> shortParagraphs(String s) {
    int n = s.length();
    if (n <= MAX_LINE) {
      return List.of(s);
    }
    List<String> out = new ArrayList<>();
    int ofs = 0;
    while (n - ofs > 2 * MAX_LINE) {
      int j = cutAt(s, '\n', ofs);
      if (j < 0) {
        j = cutAt(s, '>', ofs);
      }
      if (j < 0) {
        j = cutAt(s, ' ', ofs);
      }
      if (j < 0) {
        j = ofs + MAX_LINE;
      }
      out.add(s.substring(ofs, j + 1));
      ofs = j + 1;
    }
    if (ofs < n) {
      out.add(s.substring(ofs));
    }
    return out;
  }

  private static int cutAt(String s, char c, int ofs) {
    int j = s.indexOf(c, ofs + MAX_LINE);
    return j < 0 || j - ofs + 1 > 2 * MAX_LINE ? -1 : j;
  }

  /** The whole message as received. */
  String full() {
    if (full == null) {
      // Rule authors write for mail stored with LF line ends, as SpamAssassin reads it.
      full = message.bytes().latin1().replace("\r\n", "\n");
    }
    return full;
  }

  /** The URIs as SpamAssassin lists them for {@code uri} rules ({@link SaUris}). */
  List<String> uris() {
    if (uris == null) {
      uris = SaUris.of(body(), htmlUris);
    }
    return uris;
  }
}
