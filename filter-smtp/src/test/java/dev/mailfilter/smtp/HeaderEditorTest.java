package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.api.HeaderEdit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The relayed copy's header edits: only the edited fields change, byte for byte. */
class HeaderEditorTest {
  private static final String MESSAGE =
      "Received: from a\r\n\tby b; Mon, 7 Dec 2026 10:00:00 +0000\r\n"
          + "Subject: hello\r\n"
          + "X-Spam-Flag: forged\r\n"
          + "x-spam-flag: forged too\r\n"
          + "To: b@ours.example\r\n"
          + "\r\n"
          + "Subject: not a header\r\n";

  private static String apply(String message, HeaderEdit... edits) {
    byte[] m = message.getBytes(UTF_8);
    return new String(HeaderEditor.apply(m, m.length, List.of(edits)), UTF_8);
  }

  @Test
  void withoutEditsTheMessageIsUnchanged() {
    assertThat(apply(MESSAGE)).isEqualTo(MESSAGE);
  }

  @Test
  void prependGoesOnTopInOrderAndAddGoesToTheEndOfTheHeader() {
    assertThat(
            apply(
                MESSAGE,
                new HeaderEdit.Prepend("Received", "second"),
                new HeaderEdit.Prepend("Received", "first"),
                new HeaderEdit.Add("X-Spam-Status", "No, score=0.0")))
        .isEqualTo(
            "Received: first\r\nReceived: second\r\n"
                + MESSAGE.replace(
                    "To: b@ours.example\r\n",
                    "To: b@ours.example\r\nX-Spam-Status: No, score=0.0\r\n"));
  }

  @Test
  void setReplacesTheFirstAndRemovesTheOthersRemoveRemovesAllButNotInTheBody() {
    assertThat(apply(MESSAGE, new HeaderEdit.Set("X-Spam-Flag", "YES")))
        .isEqualTo(
            MESSAGE
                .replace("X-Spam-Flag: forged\r\n", "X-Spam-Flag: YES\r\n")
                .replace("x-spam-flag: forged too\r\n", ""));
    assertThat(apply(MESSAGE, new HeaderEdit.Remove("Subject"), new HeaderEdit.Remove("Received")))
        .isEqualTo(
            "X-Spam-Flag: forged\r\nx-spam-flag: forged too\r\nTo: b@ours.example\r\n\r\n"
                + "Subject: not a header\r\n");
  }

  @Test
  void setOfAMissingFieldAddsIt() {
    assertThat(apply("A: 1\r\n\r\nbody\r\n", new HeaderEdit.Set("Subject", "[SPAM] x")))
        .isEqualTo("A: 1\r\nSubject: [SPAM] x\r\n\r\nbody\r\n");
  }

  @Test
  void removeAtRemovesOnlyThatOccurrenceCountedInTheReceivedHeaderWhateverCameBefore() {
    String m =
        "Authentication-Results: other.example; spf=pass\r\n"
            + "Subject: hi\r\n"
            + "authentication-results: mx.ours.example;\r\n\tspf=pass (forged)\r\n"
            + "Authentication-Results: third.example; dkim=pass\r\n"
            + "\r\n"
            + "Authentication-Results: mx.ours.example; in the body\r\n";
    String expected =
        "Authentication-Results: mx.ours.example; spf=none\r\n"
            + m.replace("authentication-results: mx.ours.example;\r\n\tspf=pass (forged)\r\n", "");
    // Our own field, prepended and appended first, does not shift the received fields' indexes.
    assertThat(
            apply(
                m,
                new HeaderEdit.Prepend("Authentication-Results", "mx.ours.example; spf=none"),
                new HeaderEdit.RemoveAt("Authentication-Results", 2)))
        .isEqualTo(expected);
    assertThat(
            apply(
                m,
                new HeaderEdit.RemoveAt("AUTHENTICATION-RESULTS", 2),
                new HeaderEdit.Prepend("Authentication-Results", "mx.ours.example; spf=none")))
        .isEqualTo(expected);
  }

  @Test
  void removeAtBeyondTheFieldsOfThatNameRemovesNothing() {
    assertThat(apply(MESSAGE, new HeaderEdit.RemoveAt("X-Spam-Flag", 3))).isEqualTo(MESSAGE);
    assertThat(apply(MESSAGE, new HeaderEdit.RemoveAt("X-Absent", 1))).isEqualTo(MESSAGE);
  }

  @Test
  void removeAtOfSeveralOccurrencesInAnyOrderRemovesEachOnce() {
    assertThat(
            apply(
                MESSAGE,
                new HeaderEdit.RemoveAt("X-Spam-Flag", 1),
                new HeaderEdit.RemoveAt("x-spam-flag", 2)))
        .isEqualTo(
            MESSAGE
                .replace("X-Spam-Flag: forged\r\n", "")
                .replace("x-spam-flag: forged too\r\n", ""));
    assertThat(apply(MESSAGE, new HeaderEdit.RemoveAt("X-Spam-Flag", 2)))
        .isEqualTo(MESSAGE.replace("x-spam-flag: forged too\r\n", ""));
  }
}
