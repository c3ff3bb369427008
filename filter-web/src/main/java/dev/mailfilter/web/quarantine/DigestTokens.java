package dev.mailfilter.web.quarantine;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signed links of the digest: one action (release, block the sender) on one held message for
 * one recipient, valid until a time and usable once.
 *
 * <p>A token is {@code PAYLOAD.MAC}, both base64url without padding: the payload is {@code
 * v1|ACTION|ENTRY|RECIPIENT|EXPIRES|NONCE} (UTF-8), the MAC HMAC-SHA256 of it under the
 * deployment's key, compared in constant time. The nonce (16 random bytes) names the token in the
 * {@link UsedTokens} set, where it stays until it expires, so a replay is refused without keeping
 * every token ever issued. The link carries no secret the recipient does not already have (the
 * entry id is in their own digest), and nothing in it can be changed without the key.
 */
public final class DigestTokens {
  /** What a link does. */
  public enum Action {
    /** Release the message to the recipient's mailbox. */
    RELEASE,
    /** Add the sender to the recipient's block list (and delete nothing). */
    BLOCK_SENDER;

    String wire() {
      return this == RELEASE ? "release" : "block";
    }

    static Action ofWire(String s) {
      return switch (s) {
        case "release" -> RELEASE;
        case "block" -> BLOCK_SENDER;
        default -> throw new IllegalArgumentException("unknown action \"" + s + "\"");
      };
    }
  }

  /**
   * What a valid token allows.
   *
   * @param action what to do
   * @param entryId the quarantine entry
   * @param recipient the recipient it is done for (the digest's addressee)
   * @param expires when the link stops working
   * @param nonce the token's name in the used set
   */
  public record Claim(
      Action action, String entryId, String recipient, Instant expires, String nonce) {
    public Claim {
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(entryId, "entryId");
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(expires, "expires");
      Objects.requireNonNull(nonce, "nonce");
    }
  }

  /** What checking a token gave: a closed set, so a caller's switch covers every case. */
  public sealed interface Outcome {
    /** Valid, not expired, and now marked used. */
    record Accepted(Claim claim) implements Outcome {}

    /** Not made with our key, or not a token at all (changed, cut, made up). */
    record Invalid(String reason) implements Outcome {}

    /** Genuine, but past its time. */
    record Expired(Claim claim) implements Outcome {}

    /** Genuine, but used already. */
    record Used(Claim claim) implements Outcome {}
  }

  /** The shortest key accepted: HMAC-SHA256's own block of security, 256 bits. */
  public static final int MIN_KEY_BYTES = 32;

  private static final Pattern FIELD = Pattern.compile("[^|\\p{Cntrl}]{1,320}");
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_TOKEN = 2048;

  private final SecretKeySpec key;
  private final UsedTokens used;
  private final Clock clock;

  private DigestTokens(byte[] key, UsedTokens used, Clock clock) {
    this.key = new SecretKeySpec(key, "HmacSHA256");
    this.used = used;
    this.clock = clock;
  }

  /**
   * Tokens under this key.
   *
   * @param key the deployment's secret, at least {@link #MIN_KEY_BYTES} bytes; the same on every
   *     node that redeems links
   * @param used where redeemed tokens are remembered until they expire
   */
  public static DigestTokens create(byte[] key, UsedTokens used, Clock clock) {
    if (key.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException(
          "the digest key must have at least " + MIN_KEY_BYTES + " bytes, got " + key.length);
    }
    return new DigestTokens(key.clone(), Objects.requireNonNull(used, "used"), clock);
  }

  /**
   * A new token.
   *
   * @param validFor how long it works from now; positive
   */
  public String issue(Action action, String entryId, String recipient, Duration validFor) {
    Objects.requireNonNull(action, "action");
    if (validFor.isNegative() || validFor.isZero()) {
      throw new IllegalArgumentException("validFor must be positive, got " + validFor);
    }
    for (String f : new String[] {entryId, recipient}) {
      if (!FIELD.matcher(f).matches()) {
        throw new IllegalArgumentException("cannot put \"" + f + "\" in a token");
      }
    }
    byte[] n = new byte[16];
    RANDOM.nextBytes(n);
    long expires = clock.instant().plus(validFor).getEpochSecond();
    String payload =
        String.join(
            "|",
            "v1",
            action.wire(),
            entryId,
            recipient,
            Long.toString(expires),
            B64.encodeToString(n));
    byte[] p = payload.getBytes(UTF_8);
    return B64.encodeToString(p) + "." + B64.encodeToString(mac(p));
  }

  /**
   * Checks a token without using it: for the confirmation page a link opens (a GET must not act:
   * mail scanners fetch links before the user sees them).
   */
  public Outcome check(String token) {
    Outcome o = verify(token);
    if (o instanceof Outcome.Accepted a && used.isUsed(a.claim().nonce())) {
      return new Outcome.Used(a.claim());
    }
    return o;
  }

  /**
   * Checks a token and marks it used, atomically: of two concurrent redemptions exactly one is
   * {@link Outcome.Accepted}. When the action then fails for a reason the user can retry (the route
   * refused the release), {@link #giveBack} makes it usable again.
   */
  public Outcome redeem(String token) {
    Outcome o = verify(token);
    if (o instanceof Outcome.Accepted a && !used.claim(a.claim().nonce(), a.claim().expires())) {
      return new Outcome.Used(a.claim());
    }
    return o;
  }

  /** Makes a redeemed token usable again: its action did not happen. */
  public void giveBack(Claim claim) {
    used.release(claim.nonce());
  }

  private Outcome verify(String token) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN) {
      return new Outcome.Invalid("no token");
    }
    int dot = token.indexOf('.');
    if (dot < 0 || token.indexOf('.', dot + 1) >= 0) {
      return new Outcome.Invalid("not a token");
    }
    byte[] payload;
    byte[] mac;
    try {
      payload = UNB64.decode(token.substring(0, dot));
      mac = UNB64.decode(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return new Outcome.Invalid("not a token");
    }
    // Only the canonical spelling: base64's spare bits would otherwise give one token many names.
    if (!(B64.encodeToString(payload) + "." + B64.encodeToString(mac)).equals(token)) {
      return new Outcome.Invalid("not a token");
    }
    if (!MessageDigest.isEqual(mac, mac(payload))) {
      return new Outcome.Invalid("bad signature");
    }
    // Signed by us: the fields are ours, so a parse error is a bug, not an attack.
    String[] f = new String(payload, UTF_8).split("\\|", -1);
    if (f.length != 6 || !f[0].equals("v1")) {
      return new Outcome.Invalid("unknown token version");
    }
    Claim c =
        new Claim(
            Action.ofWire(f[1]), f[2], f[3], Instant.ofEpochSecond(Long.parseLong(f[4])), f[5]);
    if (!clock.instant().isBefore(c.expires())) {
      return new Outcome.Expired(c);
    }
    return new Outcome.Accepted(c);
  }

  private byte[] mac(byte[] payload) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(key);
      return m.doFinal(payload);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
