package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Verdict;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A message appended in chunks, as SMTP DATA, BDAT and the milter deliver it, gets the same verdict
 * (action, score, symbols with their options, header edits, reply) as the whole array given to
 * {@code endOfData(byte[])}, for every message of the SpamAssassin public corpus; so does a message
 * whose header block ends with {@code endOfHeaders()}, where the header checks run.
 */
class SessionStreamingCorpusTest {
  private static final Path CORPUS =
      Path.of(
          System.getProperty("mailfilter.shared", "../shared"),
          "corpora",
          "spamassassin-public-corpus");
  // Fixed, so that the date checks judge every delivery alike.
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2002-10-01T12:00:00Z"), ZoneOffset.UTC);

  private static MailFilter filter;
  private static List<Path> messages;

  @BeforeAll
  static void load() throws IOException {
    filter = MailFilter.builder().clock(CLOCK).build();
    messages = new ArrayList<>();
    for (String folder : List.of("easy_ham", "hard_ham", "spam")) {
      try (Stream<Path> files = Files.list(CORPUS.resolve(folder))) {
        files
            .filter(p -> Files.isRegularFile(p) && !p.getFileName().toString().startsWith("."))
            .sorted()
            .forEach(messages::add);
      }
    }
    assertThat(messages).as("corpus under %s", CORPUS.toAbsolutePath()).hasSizeGreaterThan(3000);
  }

  @AfterAll
  static void close() {
    filter.close();
  }

  @ParameterizedTest(name = "chunks of {0} bytes")
  @ValueSource(ints = {1, 7, 65535})
  void chunkedDeliveryGivesTheVerdictOfTheWholeArray(int chunk) throws IOException {
    int spam = 0;
    for (Path p : messages) {
      byte[] raw = Files.readAllBytes(p);
      Verdict whole = classify(s -> s.endOfData(raw));
      Verdict chunked =
          classify(
              s -> {
                for (int off = 0; off < raw.length; off += chunk) {
                  if ((off / chunk) % 2 == 0) {
                    s.append(raw, off, Math.min(chunk, raw.length - off));
                  } else { // both append paths: arrays (SMTP DATA) and buffers (BDAT, milter)
                    s.append(ByteBuffer.wrap(raw, off, Math.min(chunk, raw.length - off)));
                  }
                }
                return s.endOfData();
              });
      assertThat(chunked).as("%s in chunks of %s", p, chunk).isEqualTo(whole);
      spam += whole.isSpam() ? 1 : 0;
    }
    // The comparison is worth something only if the verdicts differ between messages.
    assertThat(spam).isBetween(1, messages.size() - 1);
  }

  /**
   * The SMTP gateway's way: the message in the first bytes of a larger buffer of its own, the rest
   * garbage that must not be read.
   */
  @org.junit.jupiter.api.Test
  void aPrefixOfALargerBufferGivesTheVerdictOfTheWholeArray() throws IOException {
    java.util.SplittableRandom random = new java.util.SplittableRandom(20261207);
    for (Path p : messages) {
      byte[] raw = Files.readAllBytes(p);
      byte[] buffer = java.util.Arrays.copyOf(raw, raw.length + 100 + random.nextInt(8192));
      // GTUBE after the end: read by mistake, it would turn every verdict into a reject.
      String gtube = "\r\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n";
      for (int i = raw.length; i < buffer.length; i++) {
        buffer[i] = (byte) gtube.charAt((i - raw.length) % gtube.length());
      }
      Verdict whole = classify(s -> s.endOfData(raw));
      assertThat(classify(s -> s.endOfData(buffer, raw.length))).as("%s", p).isEqualTo(whole);
    }
  }

  /**
   * The milter's way: the header block, {@code endOfHeaders()} (the header checks run there), then
   * the body. Where the header checks do not refuse, the verdict is that of the whole array, whose
   * header checks ran at its end of data; where they refuse (the score of the header symbols alone
   * reaches reject), the whole array is refused as well, for at least the same symbols.
   */
  @ParameterizedTest(name = "body in chunks of {0} bytes")
  @ValueSource(ints = {65535})
  void endOfHeadersGivesTheVerdictOfTheWholeArray(int chunk) throws IOException {
    int refusedAtHeaders = 0;
    int withHeaderSymbols = 0;
    for (Path p : messages) {
      byte[] raw = Files.readAllBytes(p);
      int headerEnd = headerEnd(raw);
      if (headerEnd < 0) {
        continue; // no empty line: endOfHeaders would add one, and the message would differ
      }
      Verdict whole = classify(s -> s.endOfData(raw));
      Decision[] atHeaders = new Decision[1];
      Verdict streamed =
          classify(
              s -> {
                s.append(raw, 0, headerEnd);
                atHeaders[0] = s.endOfHeaders();
                for (int off = headerEnd; off < raw.length; off += chunk) {
                  s.append(raw, off, Math.min(chunk, raw.length - off));
                }
                return s.endOfData();
              });
      if (atHeaders[0] instanceof Decision.Refuse r) {
        refusedAtHeaders++;
        assertThat(whole.action()).as("%s", p).isEqualTo(r.action());
        assertThat(whole.symbols()).as("%s", p).containsAll(r.symbols());
      } else {
        assertThat(streamed).as("%s with endOfHeaders", p).isEqualTo(whole);
      }
      if (HEADER_SYMBOLS.stream().anyMatch(whole::has)) {
        withHeaderSymbols++;
      }
    }
    // Worth something only if the header checks found things, and most messages went through.
    assertThat(withHeaderSymbols).isGreaterThan(messages.size() / 10);
    assertThat(refusedAtHeaders).isLessThan(messages.size() / 10);
  }

  // A symbol of each check that runs at HEADERS.
  private static final List<String> HEADER_SYMBOLS =
      List.of(
          "MISSING_MID",
          "INVALID_DATE",
          "DATE_IN_PAST",
          "MISSING_SUBJECT",
          "SUBJ_ALL_CAPS",
          "SUBJ_EXCESS_PUNCT",
          "ENCODED_WORD_ABUSE",
          "RCVD_MALFORMED",
          "RCVD_DATE_BACKWARDS",
          "FROM_NAME_HAS_DOMAIN",
          "REPLYTO_DIFF_DOMAIN",
          "RETURN_PATH_MISMATCH");

  /** The length of the header block with its empty line, or -1 when there is none. */
  private static int headerEnd(byte[] b) {
    for (int i = 0; i + 1 < b.length; i++) {
      if (b[i] == '\n') {
        if (b[i + 1] == '\n') {
          return i + 2;
        }
        if (b[i + 1] == '\r' && i + 2 < b.length && b[i + 2] == '\n') {
          return i + 3;
        }
      }
    }
    return -1;
  }

  private interface Delivery {
    Verdict deliver(FilterSession s);
  }

  private static Verdict classify(Delivery delivery) {
    try (FilterSession s =
        filter.open(Connection.of(InetAddresses.forString("192.0.2.10"), 40000, null))) {
      s.helo("mail.example.org");
      s.mailFrom("<sender@example.org>");
      s.rcptTo("<user@example.net>");
      return delivery.deliver(s);
    }
  }
}
