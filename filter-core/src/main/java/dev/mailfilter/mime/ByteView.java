package dev.mailfilter.mime;

import static com.google.common.base.Preconditions.checkPositionIndexes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An immutable view of a range of bytes, shared instead of copied (like Okio's {@code ByteString}
 * over a segment). The bytes behind a view are never written by this library; copies are made only
 * when asked for ({@link #toByteArray()}, {@link #utf8()}, {@link #latin1()}).
 */
public final class ByteView {
  private static final ByteView EMPTY = new ByteView(new byte[0], 0, 0);

  private final byte[] array;
  private final int offset;
  private final int length;

  private ByteView(byte[] array, int offset, int length) {
    this.array = array;
    this.offset = offset;
    this.length = length;
  }

  /** An empty view. */
  public static ByteView empty() {
    return EMPTY;
  }

  /**
   * A view of {@code array[offset, offset + length)}. The caller promises not to modify that range
   * while the view is in use; nothing is copied.
   */
  public static ByteView of(byte[] array, int offset, int length) {
    checkPositionIndexes(offset, offset + length, array.length);
    return length == 0 ? EMPTY : new ByteView(array, offset, length);
  }

  /** A view of a copy of {@code bytes}. */
  public static ByteView copyOf(byte[] bytes) {
    return bytes.length == 0 ? EMPTY : new ByteView(bytes.clone(), 0, bytes.length);
  }

  /** Number of bytes in the view. */
  public int size() {
    return length;
  }

  /** Whether the view holds no bytes. */
  public boolean isEmpty() {
    return length == 0;
  }

  /** The byte at {@code index} (0-based within the view). */
  public byte byteAt(int index) {
    if (index < 0 || index >= length) {
      throw new IndexOutOfBoundsException("index " + index + " outside view of size " + length);
    }
    return array[offset + index];
  }

  /** A sub-view of {@code [from, to)} sharing the same bytes. */
  public ByteView slice(int from, int to) {
    checkPositionIndexes(from, to, length);
    return of(array, offset + from, to - from);
  }

  /**
   * The index of the first occurrence of {@code needle} in this view, or -1. Boyer-Moore-Horspool:
   * for the long, rare patterns a filter looks for (GTUBE), most windows skip the pattern's length.
   */
  public int indexOf(byte[] needle) {
    int n = needle.length;
    if (n == 0) {
      return 0;
    }
    int[] shift = new int[256];
    Arrays.fill(shift, n);
    for (int i = 0; i < n - 1; i++) {
      shift[needle[i] & 0xff] = n - 1 - i;
    }
    int i = offset;
    int last = offset + length - n;
    while (i <= last) {
      int j = n - 1;
      while (j >= 0 && array[i + j] == needle[j]) {
        j--;
      }
      if (j < 0) {
        return i - offset;
      }
      i += shift[array[i + n - 1] & 0xff];
    }
    return -1;
  }

  /** A fresh copy of the bytes. */
  public byte[] toByteArray() {
    return Arrays.copyOfRange(array, offset, offset + length);
  }

  /** Copies the bytes into {@code dst} at {@code dstOffset} and returns the count copied. */
  public int copyTo(byte[] dst, int dstOffset) {
    System.arraycopy(array, offset, dst, dstOffset, length);
    return length;
  }

  /** A read-only buffer over the same bytes (position 0, limit {@link #size()}). */
  public ByteBuffer asByteBuffer() {
    return ByteBuffer.wrap(array, offset, length).slice().asReadOnlyBuffer();
  }

  /** The bytes decoded as UTF-8, malformed sequences replaced by U+FFFD. */
  public String utf8() {
    return new String(array, offset, length, StandardCharsets.UTF_8);
  }

  /** The bytes decoded as ISO-8859-1 (one char per byte, never lossy). */
  public String latin1() {
    return new String(array, offset, length, StandardCharsets.ISO_8859_1);
  }

  /** Whether the bytes equal {@code other}'s bytes. */
  @Override
  public boolean equals(Object other) {
    return other instanceof ByteView v
        && Arrays.equals(array, offset, offset + length, v.array, v.offset, v.offset + v.length);
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (int i = offset, end = offset + length; i < end; i++) {
      h = 31 * h + array[i];
    }
    return h;
  }

  /** At most 64 bytes as Latin-1 with the size, for debugging. */
  @Override
  public String toString() {
    int shown = Math.min(length, 64);
    String text = new String(array, offset, shown, StandardCharsets.ISO_8859_1);
    return "ByteView[size=" + length + " " + text + (shown < length ? "..." : "") + "]";
  }

  byte[] array() {
    return array;
  }

  int offset() {
    return offset;
  }
}
