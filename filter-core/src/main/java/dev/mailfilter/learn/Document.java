package dev.mailfilter.learn;

import dev.mailfilter.message.MessageBodies;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.spi.CheckContext;
import java.util.List;
import java.util.Objects;

/**
 * The decoded text of one message, as the model tokenizes it: a plain value that any MIME parser
 * can fill, so the model does not depend on how the message was parsed.
 *
 * @param subject the decoded Subject, or empty
 * @param from the decoded From field (display name and address), or empty
 * @param headers every header field in message order, names as written and values unfolded (and
 *     decoded where the parser could)
 * @param texts the decoded text/plain bodies
 * @param htmlTexts the visible text of the text/html bodies, tags removed
 * @param urls link targets found in the bodies (href and src attributes, bare URLs in text)
 * @param partTypes the media type of every leaf part, lower case, like {@code text/html}
 * @param traits structural facts the parser noticed, as short names (HTML with a form or hidden
 *     text, parser defects such as {@code defect:BARE_LF}); broken or evasive structure is a spam
 *     signal that outlives any vocabulary
 * @param mime the shape of the MIME structure as short tokens ({@code tree:} the nesting of content
 *     types, {@code charset:}, {@code cte:} per text part, {@code attach:} attachment file kinds);
 *     how a message is built changes less from one campaign to the next than its words
 */
public record Document(
    String subject,
    String from,
    List<Header> headers,
    List<String> texts,
    List<String> htmlTexts,
    List<String> urls,
    List<String> partTypes,
    List<String> traits,
    List<String> mime) {

  /**
   * One header field.
   *
   * @param name the field name as written
   * @param value the unfolded value
   */
  public record Header(String name, String value) {
    public Header {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
    }
  }

  public Document {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(from, "from");
    headers = List.copyOf(headers);
    texts = List.copyOf(texts);
    htmlTexts = List.copyOf(htmlTexts);
    urls = List.copyOf(urls);
    partTypes = List.copyOf(partTypes);
    traits = List.copyOf(traits);
    mime = List.copyOf(mime);
  }

  /** A document without MIME shape tokens (as documents were before they had them). */
  public Document(
      String subject,
      String from,
      List<Header> headers,
      List<String> texts,
      List<String> htmlTexts,
      List<String> urls,
      List<String> partTypes,
      List<String> traits) {
    this(subject, from, headers, texts, htmlTexts, urls, partTypes, traits, List.of());
  }

  /**
   * Decodes a raw RFC 5322 message into its text with the default parser limits, best effort:
   * malformed mail still yields a document (possibly with less text), never an exception.
   */
  public static Document fromMessage(byte[] rawMessage) {
    Objects.requireNonNull(rawMessage, "rawMessage");
    return MessageText.extract(MessageParser.create().parse(rawMessage));
  }

  /** The text of a message the engine has already parsed. */
  public static Document of(ParsedMessage message) {
    Objects.requireNonNull(message, "message");
    return MessageText.extract(message);
  }

  /**
   * The text of a message in a filter transaction, reusing the text parts the checks decoded and
   * scanned ({@link MessageBodies#of}) instead of decoding them again. Same result as {@link
   * #of(ParsedMessage)} and {@link #fromMessage(byte[])} for the same message, so a model trained
   * from files scores the message the same in the filter.
   */
  public static Document of(CheckContext ctx) {
    Objects.requireNonNull(ctx, "ctx");
    return MessageText.extract(ctx.message(), MessageBodies.of(ctx));
  }

  /** The value of the first header field with this name (case-insensitive), or empty. */
  public String header(String name) {
    for (Header h : headers) {
      if (h.name().equalsIgnoreCase(name)) {
        return h.value();
      }
    }
    return "";
  }
}
