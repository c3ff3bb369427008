package dev.mailfilter.sa;

import dev.mailfilter.message.MessageBodies;
import dev.mailfilter.mime.Address;
import dev.mailfilter.mime.AddressParser;
import dev.mailfilter.mime.Group;
import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.mime.Mailbox;
import dev.mailfilter.mime.MimePart;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.url.MessageUrls;
import dev.mailfilter.url.Url;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
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

  private static final Pattern PARAGRAPH_BREAK = Pattern.compile("\\n+\\s*\\n+");
  // Perl's \s on a character string: Unicode white space, the no-break space included.
  private static final Pattern WHITESPACE =
      Pattern.compile(
          "[\\s\\u00a0\\u0085\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+");
  private static final Pattern FOLD = Pattern.compile("\\r?\\n[ \\t]+");

  private final ParsedMessage message;
  private final String envelopeFrom;
  private final List<String> bodyTexts;
  private final List<String> urls;
  private final Map<HeaderSpec, Optional<String>> headers = new HashMap<>();
  private List<String> body;
  private List<String> rawBody;
  private String full;

  /**
   * A message's texts.
   *
   * @param envelopeFrom the SMTP sender, empty when unknown or the null sender
   * @param bodyTexts the text of each text part as a reader sees it (HTML reduced to text)
   * @param urls the URLs found in the message
   */
  SaMessage(ParsedMessage message, String envelopeFrom, List<String> bodyTexts, List<String> urls) {
    this.message = message;
    this.envelopeFrom = envelopeFrom;
    this.bodyTexts = bodyTexts;
    this.urls = urls;
  }

  /** A message's texts computed without a transaction (tools and tests). */
  static SaMessage of(ParsedMessage message, String envelopeFrom) {
    List<String> texts = new ArrayList<>();
    for (MessageBodies.Body b : MessageBodies.compute(message)) {
      texts.add(b.text());
    }
    List<String> urls = new ArrayList<>();
    for (Url u : MessageUrls.extract(message).urls()) {
      urls.add(octets(u.url()));
    }
    return new SaMessage(message, envelopeFrom, texts, urls);
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

  /** The values of one name or pseudo-header, each ending with a newline. */
  private List<String> values(String name, boolean raw) {
    List<String> out = new ArrayList<>();
    switch (name) {
      case "ALL" -> {
        for (HeaderField f : message.headers()) {
          out.add(
              raw
                  ? f.rawField().latin1().replace("\r\n", "\n")
                  : octets(f.name() + ": " + f.decodedValue()) + "\n");
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
    return octets(f.decodedValue()) + "\n";
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
        text.append(t.replace("\r\n", "\n"));
      }
      String s = PARAGRAPH_BREAK.matcher(text).replaceAll("\0");
      s = WHITESPACE.matcher(s).replaceAll(" ").replace('\0', '\n');
      String all = octets(subject.isEmpty() ? "\n" : subject + "\n") + octets(s);
      body = shortLines(all);
    }
    return body;
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
        out.addAll(shortParagraphs(p.decodedBody().latin1().replace("\r\n", "\n")));
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

  /** The URLs, as written. */
  List<String> uris() {
    return urls;
  }
}
