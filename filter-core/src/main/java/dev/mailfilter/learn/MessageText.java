package dev.mailfilter.learn;

import dev.mailfilter.mime.Defect;
import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.mime.MimePart;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.mime.codec.Base64;
import dev.mailfilter.mime.codec.Charsets;
import dev.mailfilter.mime.codec.EncodedWords;
import dev.mailfilter.mime.codec.MimeParameters;
import dev.mailfilter.mime.codec.QuotedPrintable;
import dev.mailfilter.mime.content.HtmlScan;
import dev.mailfilter.mime.content.HtmlText;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link Document} from a parsed message: headers with RFC 2047 words decoded, text parts
 * transfer- and charset-decoded, HTML parts reduced to their visible text with their links, and the
 * structural traits (HTML tricks, parser defects) the model uses as features. Work per part is
 * bounded by the parser's limits and by {@link #MAX_TEXT_BYTES}.
 */
final class MessageText {
  /** Text beyond this many bytes per part adds little signal and only costs time. */
  static final int MAX_TEXT_BYTES = 256 * 1024;

  private static final Pattern BARE_URL =
      Pattern.compile("(?i)\\b(?:https?://|www\\.)[^\\s<>\"']+");
  private static final Consumer<Defect> IGNORE = d -> {};

  private MessageText() {}

  static Document extract(ParsedMessage m) {
    List<Document.Header> headers = new ArrayList<>();
    for (int i = 0; i < m.headers().size(); i++) {
      HeaderField f = m.headers().get(i);
      headers.add(new Document.Header(f.name(), EncodedWords.decode(f.value(), IGNORE)));
    }
    List<String> texts = new ArrayList<>();
    List<String> htmlTexts = new ArrayList<>();
    List<String> urls = new ArrayList<>();
    List<String> partTypes = new ArrayList<>();
    Set<String> traits = new LinkedHashSet<>();
    for (MimePart part : m.leaves()) {
      String type = part.mediaType();
      partTypes.add(type);
      if (!part.isType("text")) {
        continue;
      }
      String text = decode(part);
      if (type.equals("text/html")) {
        HtmlScan scan = HtmlText.scan(text);
        htmlTexts.add(scan.text());
        for (HtmlScan.Link link : scan.links()) {
          urls.add(link.href());
        }
        urls.addAll(scan.imageSources());
        addHtmlTraits(scan, traits);
      } else {
        texts.add(text);
        Matcher bare = BARE_URL.matcher(text);
        while (bare.find()) {
          urls.add(bare.group());
        }
      }
    }
    for (Defect d : m.defects()) {
      traits.add("defect:" + d.type().name());
    }
    String subject = m.headers().firstValue("Subject").orElse("");
    String from = m.headers().firstValue("From").orElse("");
    return new Document(
        EncodedWords.decode(subject, IGNORE),
        EncodedWords.decode(from, IGNORE),
        headers,
        texts,
        htmlTexts,
        urls,
        partTypes,
        List.copyOf(traits));
  }

  private static void addHtmlTraits(HtmlScan scan, Set<String> traits) {
    if (!scan.hiddenText().isBlank()) {
      traits.add("html:hidden-text");
    }
    if (scan.invisibleChars() > 0) {
      traits.add("html:invisible-chars");
    }
    if (scan.imageCount() > 0) {
      traits.add("html:images:" + Features.bucket(scan.imageCount()));
    }
    if (scan.hasScript()) {
      traits.add("html:script");
    }
    if (scan.hasForm()) {
      traits.add("html:form");
    }
    if (scan.hasIframe()) {
      traits.add("html:iframe");
    }
    if (scan.hasMetaRefresh()) {
      traits.add("html:meta-refresh");
    }
    for (HtmlScan.Link link : scan.links()) {
      String shown = Features.host(link.anchorText());
      String target = Features.host(link.href());
      if (!shown.isEmpty() && !target.isEmpty() && !shown.equals(target)) {
        traits.add("html:link-text-mismatch");
      }
    }
  }

  private static String decode(MimePart part) {
    byte[] raw = part.rawBody().toByteArray();
    String encoding =
        part.headers()
            .firstValue("Content-Transfer-Encoding")
            .orElse("")
            .trim()
            .toLowerCase(Locale.ROOT);
    byte[] bytes;
    int n;
    switch (encoding) {
      case "base64" -> {
        bytes = new byte[Base64.maxDecodedLength(raw.length)];
        n = Base64.decode(raw, 0, raw.length, bytes, 0, IGNORE);
      }
      case "quoted-printable" -> {
        bytes = new byte[raw.length];
        n = QuotedPrintable.decode(raw, 0, raw.length, bytes, 0, IGNORE);
      }
      default -> {
        bytes = raw;
        n = raw.length;
      }
    }
    String charset =
        part.headers()
            .firstValue("Content-Type")
            .map(v -> MimeParameters.parse(v, IGNORE).parameters().get("charset"))
            .orElse(null);
    return Charsets.decode(bytes, 0, Math.min(n, MAX_TEXT_BYTES), charset, IGNORE);
  }
}
