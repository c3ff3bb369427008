package dev.mailfilter.auth;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import dev.mailfilter.mime.ParsedMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Signs outbound mail with a {@code DKIM-Signature} (RFC 6376 section 5), relaxed/relaxed, with
 * {@code rsa-sha256} or {@code ed25519-sha256} as the key dictates.
 *
 * <p>The signing itself ({@link #signedValue}) is the one code path for every signature this
 * package makes: the DKIM-Signature here, and the ARC-Message-Signature and ARC-Seal of {@link
 * ArcSealer}; they differ only in their tags and in which header fields they cover.
 */
public final class DkimSigner {
  /**
   * The header fields signed by default: RFC 6376 section 5.4.1's recommended set that mail usually
   * has, with {@code From} listed twice so that a second {@code From} added later breaks the
   * signature (oversigning, section 8.15).
   */
  public static final List<String> DEFAULT_HEADERS =
      List.of(
          "from",
          "from",
          "reply-to",
          "subject",
          "date",
          "to",
          "cc",
          "resent-date",
          "resent-from",
          "resent-to",
          "resent-cc",
          "in-reply-to",
          "references",
          "list-id",
          "list-help",
          "list-unsubscribe",
          "list-subscribe",
          "list-post",
          "list-owner",
          "list-archive",
          "message-id",
          "mime-version",
          "content-type",
          "content-transfer-encoding");

  private final String domain;
  private final String selector;
  private final SigningKey key;
  private final List<String> headers;

  private DkimSigner(String domain, String selector, SigningKey key, List<String> headers) {
    this.domain = domain;
    this.selector = selector;
    this.key = key;
    this.headers = headers;
  }

  /**
   * A signer for {@code d=domain}, {@code s=selector}.
   *
   * @param headers the header names to sign ({@code h=}), lower-cased; must contain {@code from}
   *     (RFC 6376 section 5.4); names listed more often than the message has fields oversign
   * @throws IllegalArgumentException for an empty domain or selector, or {@code headers} without
   *     {@code from}
   */
  public static DkimSigner create(
      String domain, String selector, SigningKey key, List<String> headers) {
    requireNonNull(key, "key");
    checkArgument(!domain.isBlank(), "empty signing domain");
    checkArgument(!selector.isBlank(), "empty selector for %s", domain);
    List<String> h = headers.stream().map(n -> n.strip().toLowerCase(Locale.ROOT)).toList();
    checkArgument(h.contains("from"), "signed headers must include from: %s", headers);
    return new DkimSigner(
        domain.toLowerCase(Locale.ROOT), selector.toLowerCase(Locale.ROOT), key, List.copyOf(h));
  }

  /** The signing domain. */
  public String domain() {
    return domain;
  }

  /** The selector. */
  public String selector() {
    return selector;
  }

  /**
   * The value of a {@code DKIM-Signature} for {@code message}, to be prepended as {@code
   * DKIM-Signature: <value>}.
   *
   * @param time the signature's {@code t=}
   */
  public String sign(ParsedMessage message, Instant time) {
    List<String> fields = DkimHeaders.rawFields(message);
    String bh = bodyHash(message);
    List<String[]> tags = new ArrayList<>();
    tags.add(new String[] {"v", "1"});
    tags.add(new String[] {"a", key.algorithm().tag()});
    tags.add(new String[] {"c", "relaxed/relaxed"});
    tags.add(new String[] {"d", domain});
    tags.add(new String[] {"s", selector});
    tags.add(new String[] {"t", Long.toString(time.getEpochSecond())});
    tags.add(new String[] {"h", String.join(":", headers)});
    tags.add(new String[] {"bh", bh});
    tags.add(new String[] {"b", ""});
    return signedValue("DKIM-Signature", tags, DkimHeaders.select(fields, headers), key);
  }

  /** The base64 relaxed body hash of {@code message}. */
  static String bodyHash(ParsedMessage message) {
    return Base64.getEncoder()
        .encodeToString(Canonicalization.RELAXED.bodyHash(message.root().rawBody(), -1));
  }

  /**
   * Signs a header-field signature, relaxed header canonicalization: the tags written in the order
   * given, {@code b=} (which must be among them, empty) filled with the signature over the {@code
   * fields} (raw, without their line ends) followed by this field with {@code b=} empty and without
   * its final CRLF (RFC 6376 section 3.7).
   *
   * @return the field's value, on one line
   */
  static String signedValue(
      String fieldName, List<String[]> tags, List<String> fields, SigningKey key) {
    // One line, one space after each ';', nothing else: the form the ValiMail suite fixes. Any
    // folding inside b= would change what the next ARC-Seal signs (relaxed canonicalization keeps a
    // fold as a space), so the suite's seals can only be reproduced unfolded. An RSA-4096 signature
    // keeps the line under RFC 5322's 998 octets.
    StringBuilder value = new StringBuilder();
    int bAt = -1;
    for (String[] tag : tags) {
      if (!value.isEmpty()) {
        value.append("; ");
      }
      if (tag[0].equals("b")) {
        checkArgument(tag[1].isEmpty(), "b= must be empty before signing");
        bAt = value.length() + 2;
      }
      value.append(tag[0]).append('=').append(tag[1]);
    }
    checkArgument(bAt >= 0, "no b= tag among the tags of %s", fieldName);
    StringBuilder data = new StringBuilder();
    for (String f : fields) {
      data.append(Canonicalization.RELAXED.header(f));
    }
    String self = Canonicalization.RELAXED.header(fieldName + ": " + value);
    data.append(self, 0, self.length() - 2);
    byte[] signature =
        key.algorithm().sign(key.key(), data.toString().getBytes(StandardCharsets.ISO_8859_1));
    return value.insert(bAt, Base64.getEncoder().encodeToString(signature)).toString();
  }
}
