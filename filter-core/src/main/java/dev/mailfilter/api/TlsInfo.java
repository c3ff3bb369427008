package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;

/**
 * What the server knows of an encrypted connection: the negotiated protocol version and cipher
 * suite, as the MTA reports them (Postfix's milter macros {@code {tls_version}} and {@code
 * {cipher}}, or the SMTP server's own TLS engine after STARTTLS).
 *
 * @param protocol the protocol version, e.g. {@code TLSv1.3}; empty when the adapter does not know
 * @param cipher the cipher suite, e.g. {@code TLS_AES_256_GCM_SHA384}; empty when unknown
 */
public record TlsInfo(String protocol, String cipher) {
  /** Encrypted, with protocol and cipher unknown (an adapter that only knows that TLS is on). */
  public static final TlsInfo UNKNOWN = new TlsInfo("", "");

  public TlsInfo {
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(cipher, "cipher");
    checkArgument(printable(protocol), "TLS protocol must be printable ASCII: %s", protocol);
    checkArgument(printable(cipher), "TLS cipher must be printable ASCII: %s", cipher);
  }

  /** A TLS session with this protocol version and cipher suite. */
  public static TlsInfo of(String protocol, String cipher) {
    return new TlsInfo(protocol, cipher);
  }

  /** {@code TLSv1.3/TLS_AES_256_GCM_SHA384} as logged; {@code ?} for what is unknown. */
  @Override
  public String toString() {
    return (protocol.isEmpty() ? "?" : protocol) + "/" + (cipher.isEmpty() ? "?" : cipher);
  }

  // These values go into the verdict log line: no spaces or control characters.
  private static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= ' ' || c > '~') {
        return false;
      }
    }
    return true;
  }
}
