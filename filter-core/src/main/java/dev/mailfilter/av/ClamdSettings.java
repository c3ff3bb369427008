package dev.mailfilter.av;

import static com.google.common.base.Preconditions.checkArgument;

import dev.mailfilter.api.Reply;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach clamd and what to do with its answers. Immutable; made with {@link #builder()}.
 *
 * @param address where clamd listens; default {@code tcp:127.0.0.1:3310}
 * @param connectTimeout how long to wait for a connection; default 1 s
 * @param readTimeout how long any single wait for clamd may last (to accept more bytes of the
 *     stream, or to answer after the last one); default 10 s
 * @param maxStreamLength the most bytes one scan sends; a longer message is not sent and fails with
 *     {@link ScanResult.FailureKind#SIZE_LIMIT}. Set it to clamd's {@code StreamMaxLength} (clamd's
 *     default, and ours, is 25 MiB); if clamd's is smaller it answers {@code INSTREAM size limit
 *     exceeded}, which fails the same way
 * @param poolSize how many idle {@code IDSESSION} connections to keep for reuse; 0 opens one
 *     connection per scan, the default: on a local clamd sessions saved nothing measurable
 *     (docs/performance.md, "Virus scanning: clamd"); a pool saves a round trip per scan when clamd
 *     is on another host
 * @param onVirus what to do with an infected message; default {@link VirusAction#REJECT}
 * @param onFailure what to do when the scan gives no verdict; default {@link
 *     FailureAction#TEMPFAIL}
 * @param virusReply the answer to an infected message under {@link VirusAction#REJECT}, a 5xx reply
 *     in the configuration form {@code "code enhanced text"} where {@code {virus}} stands for the
 *     signature name; default {@value #DEFAULT_VIRUS_REPLY}
 * @param failureReply the answer when the scan gives no verdict under {@link
 *     FailureAction#TEMPFAIL} (4xx) or {@link FailureAction#REJECT} (5xx); default {@code 451 4.7.1
 *     Virus scan unavailable, please try again later} for tempfail and {@code 554 5.7.0 Virus scan
 *     failed, message refused} for reject
 */
public record ClamdSettings(
    ClamdAddress address,
    Duration connectTimeout,
    Duration readTimeout,
    long maxStreamLength,
    int poolSize,
    VirusAction onVirus,
    FailureAction onFailure,
    String virusReply,
    Reply failureReply) {

  /** The default answer to an infected message; {@code {virus}} is the signature name. */
  public static final String DEFAULT_VIRUS_REPLY = "554 5.7.1 Virus found: {virus}";

  /** The placeholder in {@link #virusReply()} replaced by the signature name. */
  public static final String VIRUS_PLACEHOLDER = "{virus}";

  private static final Reply TEMPFAIL_REPLY =
      Reply.of(451, "4.7.1", "Virus scan unavailable, please try again later");
  private static final Reply REJECT_FAILURE_REPLY =
      Reply.of(554, "5.7.0", "Virus scan failed, message refused");

  /** Longest signature name put in a reply; the symbol keeps the whole name. */
  private static final int MAX_NAME_IN_REPLY = 200;

  /** clamd's default {@code StreamMaxLength} (25M). */
  public static final long DEFAULT_MAX_STREAM_LENGTH = 25L * 1024 * 1024;

  /** The largest stream length accepted: clamd refuses StreamMaxLength of 4 GiB or more. */
  public static final long MAX_MAX_STREAM_LENGTH = (4L << 30) - 1;

  /** The largest pool accepted; clamd's own default MaxThreads is 10. */
  public static final int MAX_POOL_SIZE = 256;

  /** The defaults: clamd on 127.0.0.1:3310, reject viruses, tempfail on errors. */
  public static final ClamdSettings DEFAULTS = builder().build();

  /** What happens to a message in which clamd found a virus. */
  public enum VirusAction {
    /** Refuse it permanently: {@code 554 5.7.1} naming the virus. */
    REJECT,
    /** Accept it into quarantine, away from the recipient. */
    QUARANTINE
  }

  /** What happens to a message that could not be scanned. */
  public enum FailureAction {
    /** Ask the sender to retry later: {@code 451 4.7.1}. */
    TEMPFAIL,
    /** Let it through unscanned (fail open), with the failure symbol for the record. */
    ACCEPT,
    /** Refuse it permanently (fail closed). */
    REJECT
  }

  /** Checks every field; messages carry the bad value. */
  public ClamdSettings {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(readTimeout, "readTimeout");
    Objects.requireNonNull(onVirus, "onVirus");
    Objects.requireNonNull(onFailure, "onFailure");
    Objects.requireNonNull(virusReply, "virusReply");
    Objects.requireNonNull(failureReply, "failureReply");
    Reply sample = Reply.parse(virusReply);
    checkArgument(sample.isPermanent(), "virusReply must be a 5xx reply: %s", virusReply);
    checkArgument(
        onFailure != FailureAction.TEMPFAIL || failureReply.isTemporary(),
        "failureReply must be a 4xx reply for on_failure tempfail: %s",
        failureReply);
    checkArgument(
        onFailure != FailureAction.REJECT || failureReply.isPermanent(),
        "failureReply must be a 5xx reply for on_failure reject: %s",
        failureReply);
    checkPositive("connectTimeout", connectTimeout);
    checkPositive("readTimeout", readTimeout);
    checkArgument(
        maxStreamLength >= 1 && maxStreamLength <= MAX_MAX_STREAM_LENGTH,
        "maxStreamLength must be 1..%s bytes: %s",
        MAX_MAX_STREAM_LENGTH,
        maxStreamLength);
    checkArgument(
        poolSize >= 0 && poolSize <= MAX_POOL_SIZE,
        "poolSize must be 0..%s: %s",
        MAX_POOL_SIZE,
        poolSize);
  }

  private static void checkPositive(String name, Duration d) {
    checkArgument(
        !d.isNegative() && !d.isZero() && d.compareTo(Duration.ofHours(1)) <= 0,
        "%s must be more than 0 and at most 1 hour: %s",
        name,
        d);
  }

  /**
   * The reply to a message infected with {@code signature}: {@link #virusReply()} with the name in
   * place of {@code {virus}}, control characters replaced and the name cut at 200 characters, so
   * that whatever clamd answers the reply stays one valid line.
   */
  public Reply virusReplyFor(String signature) {
    StringBuilder name = new StringBuilder();
    for (int i = 0; i < signature.length() && name.length() < MAX_NAME_IN_REPLY; i++) {
      char ch = signature.charAt(i);
      name.append(Character.isISOControl(ch) ? '?' : ch);
    }
    return Reply.parse(virusReply.replace(VIRUS_PLACEHOLDER, name));
  }

  /** The default {@link #failureReply()} for an action when the scan gives no verdict. */
  public static Reply defaultFailureReply(FailureAction onFailure) {
    return onFailure == FailureAction.REJECT ? REJECT_FAILURE_REPLY : TEMPFAIL_REPLY;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder starting from these settings. A failure reply that is the default of the failure
   * action is not carried over, so that changing the action also changes the reply.
   */
  public Builder toBuilder() {
    return new Builder()
        .address(address)
        .connectTimeout(connectTimeout)
        .readTimeout(readTimeout)
        .maxStreamLength(maxStreamLength)
        .poolSize(poolSize)
        .onVirus(onVirus)
        .onFailure(onFailure)
        .virusReply(virusReply)
        .failureReply(failureReply.equals(defaultFailureReply(onFailure)) ? null : failureReply);
  }

  /** Builds {@link ClamdSettings}; every setter validates in {@link #build()}. */
  public static final class Builder {
    private ClamdAddress address = ClamdAddress.tcp("127.0.0.1", 3310);
    private Duration connectTimeout = Duration.ofSeconds(1);
    private Duration readTimeout = Duration.ofSeconds(10);
    private long maxStreamLength = DEFAULT_MAX_STREAM_LENGTH;
    private int poolSize = 0;
    private VirusAction onVirus = VirusAction.REJECT;
    private FailureAction onFailure = FailureAction.TEMPFAIL;
    private String virusReply = DEFAULT_VIRUS_REPLY;
    private Reply failureReply;

    private Builder() {}

    /** Where clamd listens. */
    public Builder address(ClamdAddress address) {
      this.address = address;
      return this;
    }

    /** The connect timeout. */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    /** The longest single wait on clamd after connecting. */
    public Builder readTimeout(Duration readTimeout) {
      this.readTimeout = readTimeout;
      return this;
    }

    /** The most bytes one scan sends. */
    public Builder maxStreamLength(long maxStreamLength) {
      this.maxStreamLength = maxStreamLength;
      return this;
    }

    /** Idle connections kept for reuse; 0 for one connection per scan. */
    public Builder poolSize(int poolSize) {
      this.poolSize = poolSize;
      return this;
    }

    /** The action for an infected message. */
    public Builder onVirus(VirusAction onVirus) {
      this.onVirus = onVirus;
      return this;
    }

    /** The action for a message that could not be scanned. */
    public Builder onFailure(FailureAction onFailure) {
      this.onFailure = onFailure;
      return this;
    }

    /** The answer to an infected message, {@code {virus}} standing for the signature name. */
    public Builder virusReply(String virusReply) {
      this.virusReply = virusReply;
      return this;
    }

    /**
     * The answer when the scan gives no verdict; unset, {@link #defaultFailureReply} of the failure
     * action.
     */
    public Builder failureReply(Reply failureReply) {
      this.failureReply = failureReply;
      return this;
    }

    /**
     * The settings.
     *
     * @throws IllegalArgumentException naming the bad field and value
     * @throws NullPointerException naming the missing field
     */
    public ClamdSettings build() {
      return new ClamdSettings(
          address,
          connectTimeout,
          readTimeout,
          maxStreamLength,
          poolSize,
          onVirus,
          onFailure,
          virusReply,
          failureReply != null
              ? failureReply
              : onFailure == null ? TEMPFAIL_REPLY : defaultFailureReply(onFailure));
    }
  }
}
