package dev.mailfilter.av;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Fuzzes clamd's wire format: any reply bytes, fed in any split, give exactly one result and never
 * an exception, and only a well-formed {@code stream: NAME FOUND} counts as infected; any message
 * framed with any chunk size decodes back to itself.
 */
class ClamdCodecFuzzTest {
  @FuzzTest(maxDuration = "20s")
  void anyReplyBytesGiveOneResult(FuzzedDataProvider data) {
    int split = data.consumeInt(1, 64);
    boolean session = data.consumeBoolean();
    byte[] wire = data.consumeRemainingAsBytes();
    ClamdCodec.ReplyReader reader = new ClamdCodec.ReplyReader();
    boolean done = false;
    for (int pos = 0; pos < wire.length && !done; pos += split) {
      done = reader.feed(ByteBuffer.wrap(wire, pos, Math.min(split, wire.length - pos)));
    }
    if (!reader.complete()) {
      if (reader.text().length() > ClamdCodec.MAX_REPLY_LENGTH) {
        throw new AssertionError("reader kept more than its limit");
      }
      return;
    }
    String text = reader.text();
    if (session) {
      var stripped = ClamdCodec.stripSessionId(text, 1);
      if (stripped.isEmpty()) {
        return;
      }
      text = stripped.get();
    }
    ScanResult r = ClamdCodec.parseScanReply(text);
    switch (r) {
      case ScanResult.Clean c -> {
        if (!text.equals("stream: OK")) {
          throw new AssertionError("clean from " + text);
        }
      }
      case ScanResult.Infected i -> {
        if (!text.equals("stream: " + i.signature() + " FOUND") || i.signature().contains(" ")) {
          throw new AssertionError("infected from " + text);
        }
      }
      case ScanResult.Failed f -> {
        if (f.reason().indexOf('\n') >= 0 || f.reason().indexOf('\0') >= 0) {
          throw new AssertionError("unescaped control character in " + f.reason());
        }
      }
    }
  }

  @FuzzTest(maxDuration = "20s")
  void framingRoundTrips(FuzzedDataProvider data) throws IOException {
    int chunkSize = data.consumeInt(1, 4096);
    byte[] message = data.consumeRemainingAsBytes();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ClamdCodec.writeInstream(
        buffers -> {
          for (ByteBuffer b : buffers) {
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            out.writeBytes(bytes);
          }
        },
        ByteBuffer.wrap(message),
        chunkSize);
    ByteBuffer in = ByteBuffer.wrap(out.toByteArray());
    byte[] command = new byte[ClamdCodec.INSTREAM.length];
    in.get(command);
    if (!Arrays.equals(command, ClamdCodec.INSTREAM)) {
      throw new AssertionError("missing zINSTREAM");
    }
    ByteArrayOutputStream decoded = new ByteArrayOutputStream();
    for (int n = in.getInt(); n != 0; n = in.getInt()) {
      if (n < 1 || n > chunkSize) {
        throw new AssertionError("chunk of " + n + " with chunk size " + chunkSize);
      }
      byte[] chunk = new byte[n];
      in.get(chunk);
      decoded.writeBytes(chunk);
    }
    if (in.hasRemaining() || !Arrays.equals(decoded.toByteArray(), message)) {
      throw new AssertionError("framing did not round-trip");
    }
  }
}
