package dev.mailfilter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The parts of the fixtures that need no server. */
class SmtpClientTest {
  private static String wire(String message) {
    return new String(
        SmtpClient.wireForm(message.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  @Test
  void wireFormEndsLinesInCrlfAndDoublesLeadingDotsOnly() {
    assertThat(wire("a\n.b\nc.d\n..\n")).isEqualTo("a\r\n..b\r\nc.d\r\n...\r\n");
  }

  @Test
  void wireFormKeepsCrlfAndEndsAnUnterminatedLastLine() {
    assertThat(wire(".x\r\ny")).isEqualTo("..x\r\ny\r\n");
    assertThat(wire("a\n\n\n")).isEqualTo("a\r\n\r\n\r\n");
  }

  @Test
  void aMissingBinaryIsAFailureNamingThePackage() {
    assertThatThrownBy(() -> DebianPackage.require(Path.of("/nonexistent/tool"), "sometool"))
        .isInstanceOf(AssertionError.class)
        .hasMessage(
            "/nonexistent/tool is missing: install the Debian package sometool"
                + " (bin/test installs the packages listed in .ci/packages)");
    assertThat(DebianPackage.require(Path.of("/bin/sh"), "dash")).isEqualTo(Path.of("/bin/sh"));
  }

  @Test
  void swaksServerLinesDropTheArrows() {
    Swaks.Result r =
        new Swaks.Result(
            25, "=== Trying 127.0.0.1:25...\n<-  220 mx ESMTP\n -> EHLO vm\n<** 554 5.7.1 No\n");
    assertThat(r.serverLines()).containsExactly("220 mx ESMTP", "554 5.7.1 No");
  }
}
