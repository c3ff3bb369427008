package dev.mailfilter.tenant;

/**
 * How the gateway uses TLS towards a domain's server, named as Postfix's {@code
 * smtp_tls_security_level}.
 */
public enum TlsPolicy {
  /** Plain text, even when the server offers STARTTLS. */
  NONE,
  /** STARTTLS when offered, without certificate checks; plain text otherwise. */
  MAY,
  /** STARTTLS required, certificate not checked. */
  ENCRYPT,
  /** STARTTLS required with a certificate valid for the host name. */
  VERIFY
}
