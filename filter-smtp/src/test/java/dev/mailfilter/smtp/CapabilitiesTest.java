package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.api.Reply;
import org.junit.jupiter.api.Test;

class CapabilitiesTest {
  @Test
  void ehloReplyListsEveryOfferedExtension() {
    Reply r =
        Capabilities.all(10485760).withStartTls(true).ehloReply("mx.example", "Hello c.example");
    assertThat(r.toWire())
        .isEqualTo(
            """
            250-mx.example Hello c.example\r
            250-PIPELINING\r
            250-SIZE 10485760\r
            250-STARTTLS\r
            250-ENHANCEDSTATUSCODES\r
            250-8BITMIME\r
            250-DSN\r
            250-SMTPUTF8\r
            250-CHUNKING\r
            250 BINARYMIME\r
            """);
  }

  @Test
  void ehloReplyWithoutTlsAndWithoutSizeLimit() {
    Reply r = Capabilities.all(0).ehloReply("mx.example", "");
    assertThat(r.lines()).contains("SIZE 0").doesNotContain("STARTTLS");
    assertThat(r.lines().getFirst()).isEqualTo("mx.example");
    assertThat(Capabilities.none().ehloReply("mx", "hi").toWire()).isEqualTo("250 mx hi\r\n");
  }

  @Test
  void invalidSetsAreRefused() {
    assertThatThrownBy(
            () -> new Capabilities(true, true, -1, true, true, true, false, true, true, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxSize must be 0 (no limit) or positive, got -1");
    assertThatThrownBy(
            () -> new Capabilities(true, true, 0, true, true, true, false, false, true, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BINARYMIME needs CHUNKING");
  }

  @Test
  void limitsAreChecked() {
    assertThat(SmtpLimits.defaults())
        .isEqualTo(new SmtpLimits(512, 1000, 25L << 20, BareLineEnd.NORMALIZE));
    assertThatThrownBy(() -> SmtpLimits.defaults().withCommandLineLength(511))
        .hasMessage("commandLineLength must be at least 512 (RFC 5321 section 4.5.3.1.4), got 511");
    assertThatThrownBy(() -> SmtpLimits.defaults().withMaxMessageSize(0))
        .hasMessage("maxMessageSize must be positive, got 0");
    assertThatThrownBy(() -> SmtpLimits.defaults().withBareLineEnd(null))
        .isInstanceOf(NullPointerException.class);
  }
}
