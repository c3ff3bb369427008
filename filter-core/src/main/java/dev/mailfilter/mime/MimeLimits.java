package dev.mailfilter.mime;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The parser's limits. A message that exceeds one still parses: the parser stops descending,
 * counting or reading at the limit and reports a {@code LIMIT_*} {@link Defect}. Immutable; build
 * with {@link #builder()} or start from a preset.
 *
 * @param maxDepth deepest nesting of multiparts and embedded messages parsed as structure (the root
 *     is depth 0); deeper entities are kept as opaque leaf bodies
 * @param maxParts most parts (every entity, including the root) recorded per message; the bytes of
 *     further parts stay in their parent's body
 * @param maxHeaderCount most header fields recorded per entity; further fields are skipped
 * @param maxHeaderSize most bytes of one header field including its folded lines; larger fields are
 *     skipped
 * @param maxLineLength lines longer than this are reported (RFC 5322 section 2.1.1 allows 998)
 * @param maxMessageSize bytes of input parsed; the rest is not looked at (and not stored by the
 *     {@link MessageAccumulator})
 */
public record MimeLimits(
    int maxDepth,
    int maxParts,
    int maxHeaderCount,
    int maxHeaderSize,
    int maxLineLength,
    long maxMessageSize) {

  /** Tight limits for hostile input at an edge MX. */
  public static final MimeLimits STRICT = new MimeLimits(20, 500, 500, 64 * 1024, 998, 25L << 20);

  /** Limits that no legitimate mail reaches. */
  public static final MimeLimits DEFAULT =
      new MimeLimits(64, 10_000, 10_000, 1 << 20, 10_000, 100L << 20);

  /** Limits for archives and forensics: almost nothing is cut. */
  public static final MimeLimits PERMISSIVE =
      new MimeLimits(256, 1_000_000, 1_000_000, 64 << 20, Integer.MAX_VALUE, Integer.MAX_VALUE - 8);

  /** Validates the limits. */
  public MimeLimits {
    checkArgument(maxDepth >= 0 && maxDepth <= 1000, "maxDepth must be in [0, 1000]: %s", maxDepth);
    checkArgument(maxParts >= 1, "maxParts must be >= 1: %s", maxParts);
    checkArgument(maxHeaderCount >= 0, "maxHeaderCount must be >= 0: %s", maxHeaderCount);
    checkArgument(maxHeaderSize >= 1, "maxHeaderSize must be >= 1: %s", maxHeaderSize);
    checkArgument(maxLineLength >= 1, "maxLineLength must be >= 1: %s", maxLineLength);
    // Messages are held in one byte[]: the size is capped by the largest array.
    checkArgument(
        maxMessageSize >= 0 && maxMessageSize <= Integer.MAX_VALUE - 8,
        "maxMessageSize must be in [0, %s]: %s",
        Integer.MAX_VALUE - 8,
        maxMessageSize);
  }

  /** A builder starting from {@link #DEFAULT}. */
  public static Builder builder() {
    return new Builder(DEFAULT);
  }

  /** A builder starting from these limits. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Builds {@link MimeLimits}; each setter is validated at {@link #build()}. */
  public static final class Builder {
    private int maxDepth;
    private int maxParts;
    private int maxHeaderCount;
    private int maxHeaderSize;
    private int maxLineLength;
    private long maxMessageSize;

    private Builder(MimeLimits from) {
      maxDepth = from.maxDepth;
      maxParts = from.maxParts;
      maxHeaderCount = from.maxHeaderCount;
      maxHeaderSize = from.maxHeaderSize;
      maxLineLength = from.maxLineLength;
      maxMessageSize = from.maxMessageSize;
    }

    /** See {@link MimeLimits#maxDepth()}. */
    public Builder maxDepth(int value) {
      maxDepth = value;
      return this;
    }

    /** See {@link MimeLimits#maxParts()}. */
    public Builder maxParts(int value) {
      maxParts = value;
      return this;
    }

    /** See {@link MimeLimits#maxHeaderCount()}. */
    public Builder maxHeaderCount(int value) {
      maxHeaderCount = value;
      return this;
    }

    /** See {@link MimeLimits#maxHeaderSize()}. */
    public Builder maxHeaderSize(int value) {
      maxHeaderSize = value;
      return this;
    }

    /** See {@link MimeLimits#maxLineLength()}. */
    public Builder maxLineLength(int value) {
      maxLineLength = value;
      return this;
    }

    /** See {@link MimeLimits#maxMessageSize()}. */
    public Builder maxMessageSize(long value) {
      maxMessageSize = value;
      return this;
    }

    /** The limits; throws {@link IllegalArgumentException} naming a bad value. */
    public MimeLimits build() {
      return new MimeLimits(
          maxDepth, maxParts, maxHeaderCount, maxHeaderSize, maxLineLength, maxMessageSize);
    }
  }
}
