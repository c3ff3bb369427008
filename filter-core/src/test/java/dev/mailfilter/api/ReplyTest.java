package dev.mailfilter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReplyTest {
  @Test
  void parsesTheConfigurationForm() {
    assertThat(Reply.parse("554 5.7.1 Virus found: Eicar-Test-Signature"))
        .isEqualTo(Reply.of(554, "5.7.1", "Virus found: Eicar-Test-Signature"));
    assertThat(Reply.parse("  451   Try again later "))
        .isEqualTo(Reply.of(451, "", "Try again later"));
  }

  @Test
  void refusesBadTextsNamingThem() {
    assertThatThrownBy(() -> Reply.parse("Rejected"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"Rejected\"");
    assertThatThrownBy(() -> Reply.parse("554 4.7.1 Mismatch"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4.7.1");
    assertThatThrownBy(() -> Reply.parse("700 Too high"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("700");
    assertThatThrownBy(() -> Reply.parse("554 5.7.1 two\r\n250 lines"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CR or LF");
  }
}
