package dev.mailfilter.auth;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One {@code DKIM-Signature} header field, parsed and checked against RFC 6376 section 3.5 (with
 * RFC 8301 and RFC 8463 for {@code a=}).
 *
 * @param rawField the field as received, without the final line break (one char per octet)
 * @param algorithm {@code a=}
 * @param signature {@code b=}, decoded
 * @param signatureText {@code b=} as written, without white space (for {@code header.b})
 * @param bodyHash {@code bh=}, decoded
 * @param headerCanon the header part of {@code c=} (default simple)
 * @param bodyCanon the body part of {@code c=} (default simple)
 * @param domain {@code d=}, the signing domain (SDID), lower case
 * @param headers {@code h=}, the signed field names as written
 * @param identity {@code i=}, the AUID (default {@code @d})
 * @param length {@code l=}, the body length hashed, if given
 * @param selector {@code s=}
 * @param timestamp {@code t=}, seconds since the epoch, if given
 * @param expiration {@code x=}, if given
 */
public record DkimSignature(
    String rawField,
    DkimAlgorithm algorithm,
    byte[] signature,
    String signatureText,
    byte[] bodyHash,
    Canonicalization headerCanon,
    Canonicalization bodyCanon,
    String domain,
    List<String> headers,
    String identity,
    OptionalLong length,
    String selector,
    OptionalLong timestamp,
    OptionalLong expiration) {

  /** The header field's name. */
  public static final String FIELD = "DKIM-Signature";

  /** Copies the arrays and the list. */
  public DkimSignature {
    signature = signature.clone();
    bodyHash = bodyHash.clone();
    headers = List.copyOf(headers);
  }

  /** A copy of {@code b=}. */
  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** A copy of {@code bh=}. */
  @Override
  public byte[] bodyHash() {
    return bodyHash.clone();
  }

  /**
   * Parses a {@code DKIM-Signature} field.
   *
   * @param rawField the whole field, name and colon included, as received (without the final line
   *     break)
   * @throws DkimException for any syntax or semantic error, naming the tag
   */
  public static DkimSignature parse(String rawField) {
    int colon = rawField.indexOf(':');
    if (colon < 0) {
      throw new DkimException("header field without a colon: " + TagList.abbreviate(rawField));
    }
    Map<String, String> t = TagList.parse(rawField.substring(colon + 1));
    for (String required : List.of("v", "a", "b", "bh", "d", "h", "s")) {
      if (!t.containsKey(required)) {
        throw new DkimException("signature without " + required + "=");
      }
    }
    if (!t.get("v").equals("1")) {
      throw new DkimException("signature v=" + TagList.abbreviate(t.get("v")) + " is not 1");
    }
    DkimAlgorithm a = DkimAlgorithm.of(t.get("a"));
    String bText = TagList.removeFws(t.get("b"));
    byte[] b = base64("b", bText);
    byte[] bh = base64("bh", TagList.removeFws(t.get("bh")));
    if (bh.length != 32) {
      throw new DkimException("bh= has " + bh.length + " octets, a SHA-256 hash has 32");
    }
    Canonicalization hc = Canonicalization.SIMPLE;
    Canonicalization bc = Canonicalization.SIMPLE;
    String c = t.get("c");
    if (c != null) {
      int slash = c.indexOf('/');
      hc = Canonicalization.of(slash < 0 ? c : c.substring(0, slash));
      if (slash >= 0) {
        bc = Canonicalization.of(c.substring(slash + 1));
      }
    }
    String d = t.get("d").toLowerCase(Locale.ROOT);
    checkDomain("d", d);
    String s = t.get("s");
    checkDomain("s", s);
    List<String> h = new ArrayList<>();
    boolean from = false;
    for (String name : t.get("h").split(":", -1)) {
      String n = TagList.strip(name);
      if (n.isEmpty()) {
        throw new DkimException("empty header name in h=");
      }
      from |= n.equalsIgnoreCase("from");
      h.add(n);
    }
    if (!from) {
      throw new DkimException("h= does not sign From (RFC 6376 section 5.4)");
    }
    String i = t.containsKey("i") ? t.get("i") : "@" + d;
    int at = i.lastIndexOf('@');
    if (at < 0) {
      throw new DkimException("i=" + TagList.abbreviate(i) + " has no @");
    }
    String iDomain = i.substring(at + 1).toLowerCase(Locale.ROOT);
    if (!iDomain.equals(d) && !iDomain.endsWith("." + d)) {
      throw new DkimException("i= domain " + TagList.abbreviate(iDomain) + " is not within d=" + d);
    }
    String q = t.get("q");
    if (q != null) {
      boolean dnsTxt = false;
      for (String m : q.split(":", -1)) {
        dnsTxt |= TagList.strip(m).equalsIgnoreCase("dns/txt");
      }
      if (!dnsTxt) {
        throw new DkimException("q=" + TagList.abbreviate(q) + " offers no dns/txt");
      }
    }
    OptionalLong l = number("l", t.get("l"), 76);
    OptionalLong ts = number("t", t.get("t"), 12);
    OptionalLong x = number("x", t.get("x"), 12);
    if (ts.isPresent() && x.isPresent() && x.getAsLong() < ts.getAsLong()) {
      throw new DkimException("x=" + x.getAsLong() + " is before t=" + ts.getAsLong());
    }
    return new DkimSignature(
        rawField, a, b, bText, bh, hc, bc, d, h, i, l, s.toLowerCase(Locale.ROOT), ts, x);
  }

  private static byte[] base64(String tag, String value) {
    try {
      byte[] v = Base64.getDecoder().decode(value);
      if (v.length == 0) {
        throw new DkimException(tag + "= is empty");
      }
      return v;
    } catch (IllegalArgumentException e) {
      throw new DkimException(tag + "= is not base64: " + e.getMessage(), e);
    }
  }

  private static OptionalLong number(String tag, String value, int maxDigits) {
    if (value == null) {
      return OptionalLong.empty();
    }
    boolean ok = !value.isEmpty() && value.length() <= maxDigits;
    for (int k = 0; ok && k < value.length(); k++) {
      ok = value.charAt(k) >= '0' && value.charAt(k) <= '9';
    }
    if (!ok) {
      throw new DkimException(tag + "=" + TagList.abbreviate(value) + " is not a number");
    }
    try {
      return OptionalLong.of(Long.parseLong(value));
    } catch (NumberFormatException e) {
      // More digits than a long holds: l= of 76 digits is legal syntax but no body is that long.
      return OptionalLong.of(Long.MAX_VALUE);
    }
  }

  /**
   * A domain name or selector: dot-separated labels of letters, digits, {@code -} and {@code _}
   * (RFC 6376 section 3.5 with the underscore real selectors use). Anything else, such as the
   * {@code (} in {@code legitimate.com(.attacker.com}, is refused before any lookup.
   */
  static void checkDomain(String tag, String name) {
    boolean ok = !name.isEmpty() && name.length() <= 253;
    int labelLength = 0;
    for (int k = 0; ok && k < name.length(); k++) {
      char c = name.charAt(k);
      if (c == '.') {
        ok = labelLength > 0;
        labelLength = 0;
      } else {
        ok =
            (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '_';
        labelLength++;
        ok &= labelLength <= 63;
      }
    }
    if (!ok || labelLength == 0) {
      throw new DkimException(tag + "=" + TagList.abbreviate(name) + " is not a valid domain name");
    }
  }

  /**
   * The field with the value of {@code b=} removed, white space around it included (section 3.7):
   * what the signature itself is computed over.
   */
  static String withoutSignatureValue(String rawField) {
    int colon = rawField.indexOf(':');
    int pos = colon + 1;
    while (pos <= rawField.length()) {
      int semi = rawField.indexOf(';', pos);
      int end = semi < 0 ? rawField.length() : semi;
      int eq = rawField.indexOf('=', pos);
      if (eq >= 0 && eq < end && TagList.strip(rawField.substring(pos, eq)).equals("b")) {
        return rawField.substring(0, eq + 1) + rawField.substring(end);
      }
      if (semi < 0) {
        break;
      }
      pos = semi + 1;
    }
    throw new DkimException("signature without b=");
  }
}
