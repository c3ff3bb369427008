package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The accumulator as the session's one buffer: views that stay valid, an explicit cap. */
class MessageAccumulatorTest {
  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void viewsStayValidAndUnchangedWhileTheBufferGrows() {
    MessageAccumulator acc = MessageParser.create().accumulator(1 << 20);
    acc.append(ascii("Subject: a\r\n\r\n"));
    ByteView header = acc.bytes();
    byte[] body = new byte[100_000]; // forces the 8 KiB array to grow several times
    java.util.Arrays.fill(body, (byte) 'b');
    acc.append(body, 0, body.length);
    assertThat(header.latin1()).isEqualTo("Subject: a\r\n\r\n");
    ByteView all = acc.bytes();
    assertThat(all.size()).isEqualTo(14 + 100_000);
    assertThat(all.slice(0, 14)).isEqualTo(header);
    assertThat(MessageParser.create().parse(all).subject()).contains("a");
    assertThat(acc.truncated()).isFalse();
  }

  @Test
  void bytesBeyondTheCapAreCountedNotKept() {
    MessageAccumulator acc = MessageParser.create().accumulator(10);
    acc.append(ascii("0123456789abcdef"));
    acc.append(ByteBuffer.wrap(ascii("xyz")));
    assertThat(acc.size()).isEqualTo(19);
    assertThat(acc.truncated()).isTrue();
    assertThat(acc.bytes().latin1()).isEqualTo("0123456789");
  }

  @Test
  void capMustFitAnArray() {
    assertThatThrownBy(() -> MessageParser.create().accumulator(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> MessageParser.create().accumulator(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Integer.toString(Integer.MAX_VALUE));
    MessageAccumulator none = MessageParser.create().accumulator(0);
    none.append(ascii("x"));
    assertThat(none.bytes().isEmpty()).isTrue();
  }

  @Test
  void indexOfSearchesOnlyTheView() {
    byte[] hay = ascii("GTUBE..needle..GTUBE");
    ByteView middle = ByteView.of(hay, 5, 10); // "..needle.."
    assertThat(middle.indexOf(ascii("needle"))).isEqualTo(2);
    assertThat(middle.indexOf(ascii("GTUBE"))).isEqualTo(-1);
    assertThat(middle.indexOf(ascii("..needle..."))).isEqualTo(-1);
    assertThat(middle.indexOf(new byte[0])).isZero();
    assertThat(ByteView.of(hay, 15, 5).indexOf(ascii("GTUBE"))).isZero();
  }
}
