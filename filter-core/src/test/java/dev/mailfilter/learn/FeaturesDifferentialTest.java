package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The optimised feature code against {@link ReferenceFeatures}, a frozen copy of the code every
 * model file so far was trained with: the same hashes in the same order and the same probability
 * for every message of the shared corpora and for random documents. A trained model keeps working
 * only while this holds.
 */
class FeaturesDifferentialTest {
  private static final int HASH_BITS = 22;

  @Test
  void corpusFeaturesAndProbabilitiesMatchTheReference() throws IOException {
    List<Path> files = corpusFiles();
    assertThat(files).as("corpus files").hasSizeGreaterThan(3000);
    SpamModel model =
        SpamModel.over(
            new PseudoRandomWeights(HASH_BITS),
            ModelSettings.builder().hashBits(HASH_BITS).minTraining(0, 0).build());
    List<String> mismatches = new ArrayList<>();
    long features = 0;
    for (Path file : files) {
      Document doc = Document.fromMessage(Files.readAllBytes(file));
      long[] expected = ReferenceFeatures.of(doc);
      features += expected.length;
      if (!Arrays.equals(Features.of(doc), expected)) {
        mismatches.add(file + ": features differ");
        continue;
      }
      double p = model.classify(doc).probability();
      double q = referenceProbability(doc, model);
      if (Double.doubleToLongBits(p) != Double.doubleToLongBits(q)) {
        mismatches.add(file + ": probability " + p + " instead of " + q);
      }
    }
    System.out.printf("differential: %d files, %d features%n", files.size(), features);
    assertThat(mismatches).as("files whose features or probability changed").isEmpty();
  }

  @Test
  void randomDocumentsMatchTheReference() {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    SpamModel model =
        SpamModel.over(
            new PseudoRandomWeights(12),
            ModelSettings.builder().hashBits(12).minTraining(0, 0).build());
    for (int round = 0; round < 3000; round++) {
      Document doc = randomDocument(random);
      assertThat(Features.of(doc))
          .as("seed %d, round %d, %s", seed, round, doc)
          .containsExactly(ReferenceFeatures.of(doc));
      assertThat(model.classify(doc).probability())
          .as("seed %d, round %d, %s", seed, round, doc)
          .isEqualTo(referenceProbability(doc, model));
    }
  }

  /**
   * Pins the reference itself: a fingerprint of the features of fixed random documents, so that an
   * edit to the reference (which the other tests would follow) cannot go unnoticed.
   */
  @Test
  void featuresOfFixedRandomDocumentsArePinned() {
    SplittableRandom random = new SplittableRandom(20_241_126L);
    long reference = 0;
    long optimised = 0;
    for (int round = 0; round < 500; round++) {
      Document doc = randomDocument(random);
      reference = fingerprint(reference, ReferenceFeatures.of(doc));
      optimised = fingerprint(optimised, Features.of(doc));
    }
    assertThat(reference).isEqualTo(GOLDEN_FINGERPRINT);
    assertThat(optimised).isEqualTo(GOLDEN_FINGERPRINT);
  }

  /** Measured with the code of commit 556548e. */
  private static final long GOLDEN_FINGERPRINT = -8523193032045429902L;

  private static long fingerprint(long acc, long[] features) {
    for (long f : features) {
      acc = Features.mix(acc * 31 + f);
    }
    return Features.mix(acc * 31 + features.length);
  }

  /** {@code SpamModel}'s probability as it was computed, over {@link ReferenceFeatures}. */
  private static double referenceProbability(Document doc, SpamModel model) {
    int mask = (1 << model.settings().hashBits()) - 1;
    Set<Integer> distinct = new LinkedHashSet<>();
    for (long f : ReferenceFeatures.of(doc)) {
      distinct.add((int) (f >>> 32) & mask);
    }
    int[] indices = distinct.stream().mapToInt(Integer::intValue).toArray();
    float value = indices.length == 0 ? 0f : (float) (1.0 / Math.sqrt(indices.length));
    double sum = 0;
    for (int index : indices) {
      sum += PseudoRandomWeights.weight(index);
    }
    double margin = PseudoRandomWeights.BIAS + sum * value;
    return 1.0 / (1.0 + Math.exp(-margin));
  }

  /** Every message of the SpamAssassin corpus, and every file of the MIME parser suites. */
  private static List<Path> corpusFiles() throws IOException {
    Path sa = AccuracyRegressionTest.corpus();
    List<Path> files = new ArrayList<>();
    for (String dir : List.of("easy_ham", "hard_ham", "spam")) {
      try (Stream<Path> s = Files.list(sa.resolve(dir))) {
        s.filter(p -> !p.getFileName().toString().equals("cmds")).sorted().forEach(files::add);
      }
    }
    // Odd charsets, encoded words and broken structure that the SpamAssassin mail lacks; any
    // bytes are a valid input, so the suites are taken whole.
    Path mime = sa.resolveSibling("mime");
    if (Files.isDirectory(mime)) {
      try (Stream<Path> s = Files.walk(mime)) {
        s.filter(Files::isRegularFile).sorted().forEach(files::add);
      }
    }
    return files;
  }

  // Building blocks of random documents: the ASCII cases of every fast path and the non-ASCII
  // characters that make a fast path fall back (case mappings that change length, the Kelvin sign,
  // letters outside Latin-1, surrogates, a header name that lower-cases differently by locale).
  private static final String[] WORDS = {
    "free",
    "FREE",
    "Money",
    "don't",
    "a",
    "x",
    "$100.00",
    "john.doe@example.com",
    "co.uk",
    "\u00e9t\u00e9",
    "\u0130stanbul",
    "\u212aelvin",
    "\u03a3\u03bf\u03c6\u03af\u03b1",
    "stra\u00dfe",
    "\ud83d\ude00",
    "\ud800",
    "\u0663\u0664",
    "\u00aa\u00b2\u00b5",
    "A".repeat(24),
    "b".repeat(25),
    "Q".repeat(57),
    "__",
    "@@",
    "-",
    "..",
    "x'y",
    "mail_to",
    "\u0000",
    "\u007f\u0080"
  };
  private static final String[] SEPARATORS = {
    " ", "  ", "\t", "\r\n", ", ", "!", "<", ">", "; ", ""
  };
  private static final String[] HEADER_NAMES = {
    "Received",
    "RECEIVED",
    "Date",
    "Message-ID",
    "Subject",
    "From",
    "X-Spam-Status",
    "X-Virus-Scanned",
    "X-Mailer",
    "x-mailer",
    "Content-Type",
    "List-Unsubscribe",
    "X-\u00dcnicode",
    "X-\u0130D",
    "X-\u212aey",
    "X-\ud83d\ude00",
    "",
    "x-spamx",
    "Lines",
    "X"
  };
  private static final String[] SCHEMES = {
    "http://",
    "HTTPS://",
    "hxxp://",
    "www.",
    "WWW.",
    "ftp://",
    "mailto:",
    " http://",
    "ws://",
    "verylongscheme://",
    "",
    "www"
  };
  private static final String[] LABELS = {
    "example",
    "EXAMPLE",
    "co",
    "com",
    "uk",
    "net",
    "org",
    "ac",
    "ne",
    "or",
    "gov",
    "edu",
    "de",
    "mail",
    "a",
    "",
    "1",
    "192",
    "0",
    "\u00fc",
    "\u0130",
    "xn--bcher-kva",
    "b\u00fccher"
  };
  private static final String[] AUTHORITY_SUFFIXES = {
    "", "", ":8080", ".", "..", ":", "/", "/x?y#z"
  };

  private static Document randomDocument(SplittableRandom r) {
    List<Document.Header> headers = new ArrayList<>();
    for (int i = r.nextInt(8); i > 0; i--) {
      String name = pick(r, HEADER_NAMES);
      headers.add(new Document.Header(name, r.nextInt(4) == 0 ? name + ";" + text(r) : text(r)));
    }
    List<String> urls = new ArrayList<>();
    for (int i = r.nextInt(5); i > 0; i--) {
      urls.add(url(r));
    }
    return new Document(
        r.nextInt(5) == 0 ? "" : text(r),
        r.nextInt(3) == 0 ? text(r) : "Sender <" + pick(r, WORDS) + "@" + host(r) + ">",
        headers,
        texts(r),
        texts(r),
        urls,
        List.of("text/plain", "text/" + pick(r, WORDS)).subList(0, r.nextInt(3)),
        List.of("html:form", "defect:BARE_LF", pick(r, WORDS)).subList(0, r.nextInt(4)));
  }

  private static List<String> texts(SplittableRandom r) {
    List<String> texts = new ArrayList<>();
    for (int i = r.nextInt(3); i > 0; i--) {
      texts.add(text(r));
    }
    return texts;
  }

  private static String text(SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    for (int i = r.nextInt(30); i > 0; i--) {
      b.append(r.nextInt(6) == 0 ? url(r) : pick(r, WORDS)).append(pick(r, SEPARATORS));
    }
    return b.toString();
  }

  private static String url(SplittableRandom r) {
    String userInfo = r.nextInt(6) == 0 ? "user@" : "";
    String host = r.nextInt(8) == 0 ? ipLiteral(r) : host(r);
    return pick(r, SCHEMES) + userInfo + host + pick(r, AUTHORITY_SUFFIXES);
  }

  private static String host(SplittableRandom r) {
    StringBuilder b = new StringBuilder(pick(r, LABELS));
    for (int i = r.nextInt(5); i > 0; i--) {
      b.append('.').append(pick(r, LABELS));
    }
    return b.toString();
  }

  private static String ipLiteral(SplittableRandom r) {
    return switch (r.nextInt(3)) {
      case 0 -> "[2001:db8::" + r.nextInt(100) + "]";
      case 1 -> r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
      default -> r.nextInt(10) + ".." + r.nextInt(10);
    };
  }

  private static String pick(SplittableRandom r, String[] from) {
    return from[r.nextInt(from.length)];
  }

  /**
   * A store whose every weight is a fixed pseudo-random value of its index, so that every feature
   * counts in the probability, as in a model trained on much mail.
   */
  private static final class PseudoRandomWeights implements ModelStore {
    static final float BIAS = -0.375f;
    private final int hashBits;

    PseudoRandomWeights(int hashBits) {
      this.hashBits = hashBits;
    }

    static float weight(int index) {
      return (int) (ReferenceFeatures.mix(index) >> 40) / (float) (1 << 21);
    }

    @Override
    public int hashBits() {
      return hashBits;
    }

    @Override
    public void weights(int[] indices, float[] out) {
      for (int i = 0; i < indices.length; i++) {
        out[i] = weight(indices[i]);
      }
    }

    @Override
    public float bias() {
      return BIAS;
    }

    @Override
    public Optional<LearnedMessage> learned(long digest) {
      return Optional.empty();
    }

    @Override
    public TrainingCounts counts() {
      return new TrainingCounts(0, 0);
    }

    @Override
    public void apply(
        int[] indices, float delta, float biasDelta, long digest, Optional<LearnedMessage> record) {
      throw new UnsupportedOperationException("read-only");
    }

    @Override
    public void commit() {}

    @Override
    public void close() {}
  }
}
