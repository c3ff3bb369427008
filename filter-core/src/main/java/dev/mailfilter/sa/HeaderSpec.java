package dev.mailfilter.sa;

import java.util.List;
import java.util.Locale;

/**
 * What a {@code header} rule reads: one or more header names ({@code From|Reply-To}) or a
 * pseudo-header ({@code ALL}, {@code ToCc}, {@code EnvelopeFrom}, {@code MESSAGEID}), with
 * SpamAssassin's modifiers {@code :raw}, {@code :addr}, {@code :name}, {@code :first}, {@code
 * :last}.
 *
 * @param names the header names as written
 * @param raw undecoded (folding replaced by a space, RFC 2047 words kept)
 * @param addr the addresses of the fields instead of their text
 * @param name the display names instead
 * @param first only the first field of the name
 * @param last only the last one
 */
record HeaderSpec(
    List<String> names, boolean raw, boolean addr, boolean name, boolean first, boolean last) {

  /**
   * Parses {@code Name[:modifier...]} as written in a rule.
   *
   * @throws Unsupported for the modifiers that need SpamAssassin's host parsing, the pseudo-headers
   *     of the headers each relay added ({@code ALL-TRUSTED}...), or a bad name
   */
  static HeaderSpec parse(String written) throws Unsupported {
    String[] parts = written.split(":", -1);
    boolean raw = false;
    boolean addr = false;
    boolean name = false;
    boolean first = false;
    boolean last = false;
    for (int i = 1; i < parts.length; i++) {
      switch (parts[i]) {
        case "raw" -> raw = true;
        case "addr" -> addr = true;
        case "name" -> name = true;
        case "first" -> first = true;
        case "last" -> last = true;
        case "host", "domain", "ip", "revip" ->
            throw new Unsupported("header modifier :" + parts[i] + " is not supported yet");
        default -> throw new Unsupported("unknown header modifier :" + parts[i]);
      }
    }
    List<String> names = List.of(parts[0].split("\\|"));
    for (String n : names) {
      if (!n.matches("[!-9;-~]+")) {
        throw new Unsupported("bad header name '" + n + "'");
      }
      String lower = n.toLowerCase(Locale.ROOT);
      if ((lower.startsWith("x-spam-relays-") && !TrustPath.isPseudoHeader(n))
          || n.startsWith("ALL-")) {
        throw new Unsupported("pseudo-header " + n + " is not supported yet");
      }
    }
    return new HeaderSpec(names, raw, addr, name, first, last);
  }
}
