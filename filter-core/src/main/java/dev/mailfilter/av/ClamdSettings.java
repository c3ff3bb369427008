package dev.mailfilter.av;

import static com.google.common.base.Preconditions.checkArgument;

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
 *     connection per scan, the default: on a local clamd sessions saved nothing measurable (README,
 *     "Virus scanning"); a pool saves a round trip per scan when clamd is on another host
 * @param onVirus what to do with an infected message; default {@link VirusAction#REJECT}
 * @param onFailure what to do when the scan gives no verdict; default {@link
 *     FailureAction#TEMPFAIL}
 */
public record ClamdSettings(
    ClamdAddress address,
    Duration connectTimeout,
    Duration readTimeout,
    long maxStreamLength,
    int poolSize,
    VirusAction onVirus,
    FailureAction onFailure) {

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

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    return new Builder()
        .address(address)
        .connectTimeout(connectTimeout)
        .readTimeout(readTimeout)
        .maxStreamLength(maxStreamLength)
        .poolSize(poolSize)
        .onVirus(onVirus)
        .onFailure(onFailure);
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

    /**
     * The settings.
     *
     * @throws IllegalArgumentException naming the bad field and value
     * @throws NullPointerException naming the missing field
     */
    public ClamdSettings build() {
      return new ClamdSettings(
          address, connectTimeout, readTimeout, maxStreamLength, poolSize, onVirus, onFailure);
    }
  }
}
