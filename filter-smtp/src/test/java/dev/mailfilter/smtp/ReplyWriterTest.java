package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.api.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyWriterTest {
  /** Counts writes and flushes, as a socket would see them. */
  static final class Counting extends ByteArrayOutputStream {
    int writes;
    int flushes;

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      writes++;
      super.write(b, off, len);
    }

    @Override
    public void flush() {
      flushes++;
    }

    String text() {
      return toString(UTF_8);
    }
  }

  @Test
  void pipelinedRepliesGoOutInOneWrite() throws IOException {
    Counting out = new Counting();
    ReplyWriter w = ReplyWriter.of(out);
    w.enhancedCodes(true);
    w.add(Reply.of(250, "2.1.0", "Ok"));
    w.add(Reply.of(250, "2.1.5", "Ok"));
    w.add(Reply.of(354, "", "End data with <CR><LF>.<CR><LF>"));
    assertThat(out.size()).isZero();
    assertThat(w.pending()).isEqualTo(65);
    w.flush();
    assertThat(out.text())
        .isEqualTo("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
    assertThat(out.writes).isEqualTo(1);
    assertThat(out.flushes).isEqualTo(1);
    w.flush();
    assertThat(out.writes).isEqualTo(1);
    assertThat(w.pending()).isZero();
  }

  @Test
  void multiLineRepliesAndSend() throws IOException {
    Counting out = new Counting();
    ReplyWriter w = ReplyWriter.of(out);
    w.enhancedCodes(true);
    w.send(new Reply(550, "5.7.1", List.of("Rejected", "see https://example.com/why")));
    assertThat(out.text())
        .isEqualTo("550-5.7.1 Rejected\r\n550 5.7.1 see https://example.com/why\r\n");
  }

  @Test
  void enhancedCodesOnlyOnceOffered() throws IOException {
    Counting out = new Counting();
    ReplyWriter w = ReplyWriter.of(out);
    w.send(Reply.of(501, "5.5.4", "Syntax: HELO hostname"));
    w.enhancedCodes(true);
    w.send(Reply.of(501, "5.5.4", "Syntax: HELO hostname"));
    w.enhancedCodes(false);
    w.send(Reply.of(250, "2.0.0", "Ok"));
    assertThat(out.text())
        .isEqualTo("501 Syntax: HELO hostname\r\n501 5.5.4 Syntax: HELO hostname\r\n250 Ok\r\n");
  }

  @Test
  void nullOutputIsMisuse() {
    assertThatThrownBy(() -> ReplyWriter.of(null)).isInstanceOf(NullPointerException.class);
  }
}
