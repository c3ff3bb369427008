package dev.mailfilter.milter;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailfilter.testkit.ChunkedInputStream;
import java.io.IOException;
import java.util.Optional;

/**
 * Fuzzes the decoder: any bytes, in any split, give packets or a {@link MilterProtocolException}
 * and nothing else; every packet that decodes re-encodes to something that decodes to the same
 * value. Without {@code JAZZER_FUZZ=1} it replays the seeds in {@code MilterCodecFuzzTestInputs}.
 */
class MilterCodecFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void anyBytesDecodeOrFailWithAProtocolError(FuzzedDataProvider data) throws IOException {
    int split = data.consumeInt(1, 64);
    byte[] wire = data.consumeRemainingAsBytes();
    PacketReader reader = PacketReader.of(new ChunkedInputStream(wire, split, split), 1 << 16);
    try {
      for (Optional<Packet> p = reader.next(); p.isPresent(); p = reader.next()) {
        Packet packet = p.get();
        if (Character.isUpperCase(packet.code())) {
          Command command = Command.decode(packet);
          Command again = Command.decode(command.toPacket());
          if (!again.equals(command)) {
            throw new AssertionError(command + " re-decoded as " + again);
          }
        } else {
          Response response = Response.decode(packet);
          Response again = Response.decode(response.toPacket());
          if (!again.equals(response)) {
            throw new AssertionError(response + " re-decoded as " + again);
          }
        }
      }
    } catch (MilterProtocolException expected) {
      if (expected.getMessage() == null || expected.getMessage().isBlank()) {
        throw new AssertionError("protocol error without a message", expected);
      }
    }
  }
}
