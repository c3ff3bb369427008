package dev.mailfilter.milter;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;

/** Builds a packet's data: NUL-terminated strings and big-endian integers. */
final class Bytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final Charset charset;

  Bytes(Charset charset) {
    this.charset = charset;
  }

  Bytes string(String s) {
    out.writeBytes(s.getBytes(charset));
    out.write(0);
    return this;
  }

  Bytes int32(int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
    return this;
  }

  Bytes uint16(int v) {
    out.write(v >>> 8);
    out.write(v);
    return this;
  }

  Bytes byte1(char c) {
    out.write(c);
    return this;
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }
}
