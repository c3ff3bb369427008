package dev.mailfilter.milter;

import java.nio.charset.Charset;

/** A cursor over a packet's data that reads its fields, naming the command in every error. */
final class Fields {
  private final String command;
  private final byte[] data;
  private final Charset charset;
  private int pos;

  Fields(String command, byte[] data, Charset charset) {
    this.command = command;
    this.data = data;
    this.charset = charset;
  }

  boolean hasMore() {
    return pos < data.length;
  }

  int remaining() {
    return data.length - pos;
  }

  /** A NUL-terminated string. */
  String string(String what) throws MilterProtocolException {
    for (int i = pos; i < data.length; i++) {
      if (data[i] == 0) {
        String s = new String(data, pos, i - pos, charset);
        pos = i + 1;
        return s;
      }
    }
    throw error(
        what
            + (pos == data.length
                ? " is missing"
                : " has no NUL terminator (" + (data.length - pos) + " bytes left)"));
  }

  int int32(String what) throws MilterProtocolException {
    need(4, what);
    int v =
        ((data[pos] & 0xff) << 24)
            | ((data[pos + 1] & 0xff) << 16)
            | ((data[pos + 2] & 0xff) << 8)
            | (data[pos + 3] & 0xff);
    pos += 4;
    return v;
  }

  int uint16(String what) throws MilterProtocolException {
    need(2, what);
    int v = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
    pos += 2;
    return v;
  }

  char byte1(String what) throws MilterProtocolException {
    need(1, what);
    return (char) (data[pos++] & 0xff);
  }

  void end() throws MilterProtocolException {
    if (pos != data.length) {
      throw error((data.length - pos) + " unexpected bytes after the last field");
    }
  }

  MilterProtocolException error(String message) {
    return new MilterProtocolException(command + ": " + message);
  }

  private void need(int n, String what) throws MilterProtocolException {
    if (data.length - pos < n) {
      throw error(what + " needs " + n + " bytes, only " + (data.length - pos) + " left");
    }
  }
}
