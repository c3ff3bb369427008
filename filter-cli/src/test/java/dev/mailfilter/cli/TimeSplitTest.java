package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.learn.Document;
import dev.mailfilter.learn.Label;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order of {@code eval --time-split}: by arrival, not by what the sender wrote. */
class TimeSplitTest {
  private static Corpus.Sample sample(String name, String headers) {
    byte[] bytes =
        (headers + "From: a@example.org\nSubject: s\n\nbody\n").getBytes(StandardCharsets.UTF_8);
    return new Corpus.Sample(name, Label.SPAM, bytes, Document.fromMessage(bytes));
  }

  private static List<String> trainNames(List<Corpus.Sample> all) {
    return EvalCommand.timeSplit(all, 0.5).train().stream().map(Corpus.Sample::name).toList();
  }

  @Test
  void aForgedEarlyDateDoesNotMoveALateArrivalIntoTraining() {
    Corpus.Sample forged =
        sample(
            "forged",
            "Received: from a by mx.example.net; Sat, 21 Sep 2002 10:00:00 +0000\n"
                + "Date: Mon, 1 Jan 2001 00:00:00 +0000\n");
    Corpus.Sample honest =
        sample(
            "honest",
            "Received: from b by mx.example.net; Sun, 1 Sep 2002 10:00:00 +0000\n"
                + "Date: Sun, 1 Sep 2002 09:59:00 +0000\n");
    assertThat(trainNames(List.of(forged, honest))).containsExactly("honest");
  }

  @Test
  void theTopmostReceivedCountsNotAFakeHopBelowIt() {
    // The lower hop is the sender's and claims a later time than the receiver's own.
    Corpus.Sample fakeHop =
        sample(
            "fake-hop",
            "Received: from a by mx.example.net; Sun, 1 Sep 2002 10:00:00 +0000\n"
                + "Received: from x by y; Sat, 1 Feb 2003 10:00:00 +0000\n"
                + "Date: Sun, 1 Sep 2002 09:00:00 +0000\n");
    Corpus.Sample later =
        sample(
            "later",
            "Received: from b by mx.example.net; Sun, 15 Sep 2002 10:00:00 +0000\n"
                + "Date: Sun, 15 Sep 2002 09:00:00 +0000\n");
    assertThat(trainNames(List.of(later, fakeHop))).containsExactly("fake-hop");
  }

  @Test
  void withoutAReceivedTimestampTheDateHeaderOrders() {
    Corpus.Sample unparsed =
        sample(
            "no-timestamp",
            "Received: from a by mx.example.net\nDate: Sun, 1 Sep 2002 09:00:00 +0000\n");
    Corpus.Sample received =
        sample("received", "Received: from b by c; Sun, 15 Sep 2002 10:00:00 +0000\n");
    assertThat(unparsed.arrival()).isEqualTo(Corpus.parseDate("Sun, 1 Sep 2002 09:00:00 +0000"));
    assertThat(trainNames(List.of(received, unparsed))).containsExactly("no-timestamp");
  }
}
