package dev.mailfilter.smtp;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailfilter.testkit.ChunkedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Fuzzes the command and DATA parsers as a server drives them: any bytes, in any split, give
 * commands or refusals and content, never an exception, and every step consumes input. After each
 * step the invariants are checked: a refusal is a 5xx with text; a parsed path prints to a path
 * that parses to the same value; DATA delivers exactly the size it reports, normalised content has
 * no bare CR or LF, and kept content stuffed again reads back the same. Without {@code
 * JAZZER_FUZZ=1} it replays the seeds in {@code SmtpCodecFuzzTestInputs}.
 */
class SmtpCodecFuzzTest {
  private static final Capabilities CAPS = Capabilities.all(1 << 20).withStartTls(true);

  @FuzzTest(maxDuration = "30s")
  void anyBytesGiveCommandsRefusalsOrContent(FuzzedDataProvider data) throws IOException {
    BareLineEnd policy = data.pickValue(BareLineEnd.values());
    int split = data.consumeInt(1, 64);
    long maxSize = data.consumeLong(1, 1 << 16);
    byte[] wire = data.consumeRemainingAsBytes();
    SmtpLimits limits = SmtpLimits.defaults().withBareLineEnd(policy).withMaxMessageSize(maxSize);
    SmtpReader reader = SmtpReader.of(new ChunkedInputStream(wire, split, split), limits);
    boolean utf8 = false;
    int steps = 0;
    for (Optional<Command> next = reader.readCommand(CAPS, utf8);
        next.isPresent();
        next = reader.readCommand(CAPS, utf8)) {
      if (++steps > wire.length) {
        throw new AssertionError("more commands than input bytes: no progress");
      }
      switch (next.get()) {
        case Command.Invalid invalid -> {
          if (invalid.reply().code() < 500 || invalid.reply().lines().getFirst().isBlank()) {
            throw new AssertionError("bad refusal " + invalid);
          }
          if (invalid.close()) {
            return;
          }
        }
        case Command.Mail mail -> {
          utf8 = mail.parameters().smtpUtf8();
          reparses(mail.from());
        }
        case Command.Rcpt rcpt -> reparses(rcpt.to());
        case Command.Data d -> data(reader, limits);
        case Command.Bdat bdat -> reader.readChunk(bdat.size(), DataSink.DISCARD);
        default -> {}
      }
    }
  }

  private static void reparses(Path path) {
    if (path.isNull() || path.has(Path.Form.SOURCE_ROUTE)) {
      return;
    }
    Command again = Command.parse("RCPT TO:" + path, CAPS, true);
    if (!(again instanceof Command.Rcpt r) || !r.to().equals(path)) {
      throw new AssertionError(path + " re-parsed as " + again);
    }
  }

  private static void data(SmtpReader reader, SmtpLimits limits) throws IOException {
    Feeds.Collect sink = new Feeds.Collect();
    DataResult result = reader.readData(sink);
    byte[] content = sink.bytes.toByteArray();
    if (content.length != Math.min(result.size(), limits.maxMessageSize())) {
      throw new AssertionError(
          "delivered " + content.length + " octets of " + result.size() + " counted");
    }
    if (limits.bareLineEnd() == BareLineEnd.NORMALIZE) {
      for (int i = 0; i < content.length; i++) {
        boolean cr = content[i] == '\r';
        boolean lf = content[i] == '\n';
        if ((cr && (i + 1 == content.length || content[i + 1] != '\n'))
            || (lf && (i == 0 || content[i - 1] != '\r'))) {
          // A CR cut off by the size limit or the end of input is not the reader's fault.
          if (cr
              && i + 1 == content.length
              && (!result.ended() || result.size() > content.length)) {
            continue;
          }
          throw new AssertionError("bare line end at " + i + " of normalised content");
        }
      }
    }
    if (limits.bareLineEnd() == BareLineEnd.NOTE && result.ended() && result.refusal().isEmpty()) {
      ByteArrayOutputStream wire = new ByteArrayOutputStream();
      wire.writeBytes(Feeds.stuff(content));
      wire.writeBytes(Feeds.bytes(".\r\n"));
      SmtpReader again = SmtpReader.of(new ByteArrayInputStream(wire.toByteArray()), limits);
      Feeds.Collect sink2 = new Feeds.Collect();
      DataResult result2 = again.readData(sink2);
      if (!result2.ended() || !Arrays.equals(sink2.bytes.toByteArray(), content)) {
        throw new AssertionError("content did not survive stuffing and unstuffing");
      }
    }
  }
}
