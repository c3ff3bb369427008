package dev.mailfilter.smtp;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailfilter.testkit.ChunkedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Fuzzes the PROXY header reader as the server drives it: any bytes, in any split, give a header or
 * a refusal, never an exception, and never a byte read past the header. After each case: a refusal
 * has a reason; a v1 header took at most 107 octets ending in CRLF; a v2 header took exactly 16
 * octets plus its length field; a proxied address written again as a v2 header reads back the same.
 * Without {@code JAZZER_FUZZ=1} it replays the seeds in {@code ProxyHeaderFuzzTestInputs}.
 */
class ProxyHeaderFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void anyBytesGiveAHeaderOrARefusal(FuzzedDataProvider data) throws IOException {
    int split = data.consumeInt(1, 64);
    byte[] wire = data.consumeRemainingAsBytes();
    InputStream in = new ChunkedInputStream(wire, split, split);
    ProxyHeader.Result r = ProxyHeader.read(in);
    int consumed = wire.length - in.readAllBytes().length;
    switch (r) {
      case ProxyHeader.Result.Malformed m -> {
        if (m.reason().isBlank()) {
          throw new AssertionError("a refusal without a reason");
        }
      }
      case ProxyHeader.Result.Local l -> checkLength(wire, consumed, l.version());
      case ProxyHeader.Result.Proxied p -> {
        checkLength(wire, consumed, p.version());
        ProxyHeader.Result again = ProxyHeader.read(new ByteArrayInputStream(v2(p)));
        if (!(again instanceof ProxyHeader.Result.Proxied q)
            || !q.source().equals(p.source())
            || !q.destination().equals(p.destination())) {
          throw new AssertionError(p + " written as v2 read back as " + again);
        }
      }
    }
  }

  private static void checkLength(byte[] wire, int consumed, int version) {
    if (version == 1) {
      if (consumed > ProxyHeader.MAX_V1_LENGTH
          || consumed < 2
          || wire[consumed - 2] != '\r'
          || wire[consumed - 1] != '\n') {
        throw new AssertionError("a v1 header of " + consumed + " octets without CRLF at its end");
      }
    } else {
      int length = ((wire[14] & 0xff) << 8) | (wire[15] & 0xff);
      if (consumed != 16 + length) {
        throw new AssertionError("a v2 header of " + consumed + " octets, length " + length);
      }
    }
  }

  private static byte[] v2(ProxyHeader.Result.Proxied p) {
    byte[] src = p.source().getAddress().getAddress();
    byte[] dst = p.destination().getAddress().getAddress();
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    if (src.length != dst.length) {
      // A v1 TCP6 line may name an IPv4-mapped address on one side only: write both as IPv6.
      src = mapped(src);
      dst = mapped(dst);
    }
    block.writeBytes(src);
    block.writeBytes(dst);
    int sp = p.source().getPort();
    int dp = p.destination().getPort();
    block.writeBytes(new byte[] {(byte) (sp >> 8), (byte) sp, (byte) (dp >> 8), (byte) dp});
    return ProxyHeaderTest.v2(0x21, src.length == 4 ? 0x11 : 0x21, block.toByteArray());
  }

  private static byte[] mapped(byte[] a) {
    if (a.length == 16) {
      return a;
    }
    byte[] m = new byte[16];
    m[10] = (byte) 0xff;
    m[11] = (byte) 0xff;
    System.arraycopy(a, 0, m, 12, 4);
    return m;
  }
}
