package dev.mailfilter.learn;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The learning spam model: online logistic regression over hashed binary features, thread-safe.
 *
 * <p>Method: each message becomes a set of hashed features (words and orthogonal sparse bigrams of
 * the subject and bodies, sender, URL domains, header names and values, structure; see {@code
 * Features}), normalised to unit length; the spam probability is the logistic function of the
 * weights' sum over those features plus a bias, and learning a message takes one gradient step on
 * its log-loss. This is the filter of Goodman and Yih, "Online Discriminative Spam Filter Training"
 * (CEAS 2006), the family that led the TREC 2007 spam track (Cormack, "TREC 2007 Spam Track
 * Overview"; Sculley and Wachman, "Relaxed Online SVMs for Spam Filtering", SIGIR 2007). Its output
 * is a probability, so it maps directly to graded {@link BayesBand} symbols.
 *
 * <p>Idempotence and unlearning: the store keeps, per message digest, the class and the step that
 * was applied along the message's features. Learning a known message as the same class does
 * nothing; as the other class it first subtracts the recorded step, then learns. Unlearning
 * subtracts exactly the recorded step, so the message's own contribution leaves the weights; the
 * steps later messages took while it was learned are kept, which is the usual approximation of
 * online learners (the error is second order in the learning rate).
 */
public final class SpamModel implements Closeable {
  private final ModelStore store;
  private final ModelSettings settings;
  private final int mask;
  private final int featureSet;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final ReentrantLock commitLock = new ReentrantLock();

  private SpamModel(ModelStore store, ModelSettings settings) {
    this.store = store;
    this.settings = settings;
    this.mask = (1 << store.hashBits()) - 1;
    this.featureSet = store.featureSet();
  }

  /**
   * Opens the model the settings describe: the file at {@link ModelSettings#path()} (created on the
   * first commit if missing), or an in-memory model.
   *
   * @throws IOException if the model file exists but cannot be read
   */
  public static SpamModel open(ModelSettings settings) throws IOException {
    Objects.requireNonNull(settings, "settings");
    ModelStore store =
        settings.path().isPresent()
            ? FileModelStore.open(settings.path().get(), settings.hashBits())
            : FileModelStore.inMemory(settings.hashBits());
    return new SpamModel(store, settings);
  }

  /** A model over any store (for example a shared one). */
  public static SpamModel over(ModelStore store, ModelSettings settings) {
    return new SpamModel(Objects.requireNonNull(store, "store"), settings);
  }

  /** The settings this model was opened with. */
  public ModelSettings settings() {
    return settings;
  }

  /** The spam probability of a message, and whether the model is trained enough to vote. */
  public Prediction classify(Document doc) {
    // The features' distinct indices straight from the set, without the Vector's copy of them and
    // a float[] of their weights: the two largest allocations of a classification.
    IndexSet set = IndexSet.take();
    try {
      Features.of(doc, f -> set.add((int) (f >>> 32) & mask), featureSet);
      int n = set.size();
      lock.readLock().lock();
      try {
        double margin = margin(set.elements(), n, Vector.value(n));
        Optional<Calibration> calibration = store.calibration();
        double p =
            calibration.isPresent()
                ? calibration.get().probability(margin)
                : 1.0 / (1.0 + Math.exp(-margin));
        TrainingCounts counts = store.counts();
        boolean ready = counts.ham() >= settings.minHam() && counts.spam() >= settings.minSpam();
        return new Prediction(p, ready, counts);
      } finally {
        lock.readLock().unlock();
      }
    } finally {
      IndexSet.release(set);
    }
  }

  /**
   * Learns a message as {@code label}. Idempotent: the same message learned twice counts once;
   * learning it as the other class moves it.
   */
  public LearnOutcome learn(Document doc, Label label) {
    Objects.requireNonNull(label, "label");
    Vector v = Vector.of(doc, mask, featureSet);
    lock.writeLock().lock();
    try {
      Optional<LearnedMessage> before = store.learned(v.digest);
      if (before.isPresent() && before.get().label() == label) {
        return LearnOutcome.ALREADY_LEARNED;
      }
      before.ifPresent(m -> forget(v, m));
      step(v, label, 0f);
      return before.isPresent() ? LearnOutcome.RELEARNED : LearnOutcome.LEARNED;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Takes one more gradient step on a message already learned as {@code label} (a further training
   * pass), adding to its recorded step so that unlearning still removes all of it; learns it when
   * it is new or learned as the other class. Counts are unchanged by repeated passes.
   */
  public void reinforce(Document doc, Label label) {
    Objects.requireNonNull(label, "label");
    Vector v = Vector.of(doc, mask, featureSet);
    lock.writeLock().lock();
    try {
      Optional<LearnedMessage> before = store.learned(v.digest);
      float previous = 0f;
      if (before.isPresent() && before.get().label() == label) {
        previous = before.get().step();
      } else if (before.isPresent()) {
        forget(v, before.get());
      }
      step(v, label, previous);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Unlearns a message; returns false if it was not learned. */
  public boolean unlearn(Document doc) {
    Vector v = Vector.of(doc, mask, featureSet);
    lock.writeLock().lock();
    try {
      Optional<LearnedMessage> before = store.learned(v.digest);
      before.ifPresent(m -> forget(v, m));
      return before.isPresent();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** What the message was learned as, if it was. */
  public Optional<Label> learnedAs(Document doc) {
    Vector v = Vector.of(doc, mask, featureSet);
    lock.readLock().lock();
    try {
      return store.learned(v.digest).map(LearnedMessage::label);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** How many distinct messages of each class are learned. */
  public TrainingCounts counts() {
    lock.readLock().lock();
    try {
      return store.counts();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Makes everything learned so far durable (see {@link ModelStore#commit()}). Under the read lock:
   * a commit only reads the weights, so messages are classified while the file is written; learning
   * waits for it, and commits are taken one at a time.
   */
  public void commit() throws IOException {
    commitLock.lock();
    lock.readLock().lock();
    try {
      store.commit();
    } finally {
      lock.readLock().unlock();
      commitLock.unlock();
    }
  }

  /** Commits and closes the store. */
  @Override
  public void close() throws IOException {
    lock.writeLock().lock();
    try {
      store.close();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** The raw margin (log-odds) of the features {@code indices[0..n)}, each of the given value. */
  private double margin(int[] indices, int n, float value) {
    return store.bias() + store.weightSum(indices, n) * value;
  }

  /** The raw, uncalibrated probability the learner's gradient is taken at. */
  private double probability(Vector v) {
    return 1.0 / (1.0 + Math.exp(-margin(v.indices, v.indices.length, v.value)));
  }

  /** The raw margin of a document, without the calibration. */
  double margin(Document doc) {
    Vector v = Vector.of(doc, mask, featureSet);
    lock.readLock().lock();
    try {
      return margin(v.indices, v.indices.length, v.value);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The calibration {@link #classify} applies, if one was fitted. */
  public Optional<Calibration> calibration() {
    lock.readLock().lock();
    try {
      return store.calibration();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Fits the {@link Calibration} of this model's probability on out-of-fold predictions of the
   * given training messages and stores it with the model (durable at the next {@link #commit()}):
   * the messages are split into {@code folds} parts by a shuffle seeded with {@code seed}; for each
   * part a fresh model with these settings (and this model's feature set and size) learns the other
   * parts in {@code passes} passes, as {@code mailfilter train} does, and scores the held-back
   * part. Costs {@code folds} trainings on {@code (folds - 1) / folds} of the messages. The
   * messages should be those this model learned; the weights of this model are not touched.
   *
   * @throws IllegalArgumentException if there are fewer than {@code folds} messages of a class, or
   *     {@code folds < 2}
   */
  public Calibration calibrate(
      List<Document> spam, List<Document> ham, int folds, int passes, long seed) {
    checkArgument(folds >= 2, "folds must be >= 2: %s", folds);
    checkArgument(passes >= 1, "passes must be >= 1: %s", passes);
    checkArgument(
        spam.size() >= folds && ham.size() >= folds,
        "calibration over %s folds needs at least %s spam and %s ham, has %s and %s",
        folds,
        folds,
        folds,
        spam.size(),
        ham.size());
    List<Document> all = new ArrayList<>(spam);
    all.addAll(ham);
    int[] fold = new int[all.size()];
    Random random = new Random(seed);
    // Each class dealt round-robin after its own shuffle: every fold holds both classes.
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < spam.size(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, random);
    for (int k = 0; k < order.size(); k++) {
      fold[order.get(k)] = k % folds;
    }
    order.clear();
    for (int i = spam.size(); i < all.size(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, random);
    for (int k = 0; k < order.size(); k++) {
      fold[order.get(k)] = k % folds;
    }
    double[] margins = new double[all.size()];
    ModelSettings inMemory = settings.toBuilder().path(null).build();
    for (int f = 0; f < folds; f++) {
      List<Integer> train = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        if (fold[i] != f) {
          train.add(i);
        }
      }
      Collections.shuffle(train, random);
      SpamModel m = new SpamModel(FileModelStore.inMemory(store.hashBits(), featureSet), inMemory);
      for (int i : train) {
        m.learn(all.get(i), i < spam.size() ? Label.SPAM : Label.HAM);
      }
      for (int pass = 1; pass < passes; pass++) {
        Collections.shuffle(train, random);
        for (int i : train) {
          m.reinforce(all.get(i), i < spam.size() ? Label.SPAM : Label.HAM);
        }
      }
      for (int i = 0; i < all.size(); i++) {
        if (fold[i] == f) {
          margins[i] = m.margin(all.get(i));
        }
      }
    }
    Calibration c =
        Calibration.fit(
            Arrays.copyOfRange(margins, 0, spam.size()),
            Arrays.copyOfRange(margins, spam.size(), all.size()));
    lock.writeLock().lock();
    try {
      store.calibrate(c);
    } finally {
      lock.writeLock().unlock();
    }
    return c;
  }

  /** One gradient step of the log-loss; {@code previous} is the step already recorded. */
  private void step(Vector v, Label label, float previous) {
    double y = label == Label.SPAM ? 1.0 : 0.0;
    float step = (float) (settings.learningRate() * classWeight(label) * (y - probability(v)));
    // The bias learns more slowly than the weights: it sees every message.
    float biasStep = step * BIAS_RATE;
    store.apply(
        v.indices,
        step * v.value,
        biasStep,
        v.digest,
        Optional.of(new LearnedMessage(label, previous + step)));
  }

  /**
   * The weight of a step for a message of {@code label}: 1 without {@link
   * ModelSettings#balanceClasses()}, else {@code n / (2 n_label)} over the messages learned so far
   * (each counted once, plus one so that the first messages have a weight), within [0.1, 10]. The
   * weights of the two classes average to 1, so the learning rate keeps its meaning.
   */
  double classWeight(Label label) {
    if (!settings.balanceClasses()) {
      return 1.0;
    }
    TrainingCounts c = store.counts();
    double ham = c.ham() + 1.0;
    double spam = c.spam() + 1.0;
    double w = (ham + spam) / (2 * (label == Label.SPAM ? spam : ham));
    return Math.clamp(w, 0.1, 10.0);
  }

  private void forget(Vector v, LearnedMessage m) {
    store.apply(v.indices, -m.step() * v.value, -m.step() * BIAS_RATE, v.digest, Optional.empty());
  }

  private static final float BIAS_RATE = 0.1f;

  /** A message as the model sees it: distinct feature indices, their common value, a digest. */
  static final class Vector {
    final int[] indices;
    final float value;
    final long digest;

    private Vector(int[] indices, long digest) {
      this.indices = indices;
      this.value = value(indices.length);
      this.digest = digest;
    }

    /** The common value of each of {@code n} features: the vector has unit length. */
    static float value(int n) {
      return n == 0 ? 0f : (float) (1.0 / Math.sqrt(n));
    }

    /**
     * The distinct feature indices of a document, deduplicated in an open-addressing set (cheaper
     * than sorting the few thousand raw features) in the order they first occur, which is the order
     * the probability sums their weights in, and the message's digest. For learning: classifying
     * reads the set in place ({@link SpamModel#classify(Document)}) and needs no digest.
     */
    static Vector of(Document doc, int mask, int featureSet) {
      IndexSet set = IndexSet.take();
      Features.of(doc, f -> set.add((int) (f >>> 32) & mask), featureSet);
      int[] indices = set.toArray();
      IndexSet.release(set);
      return new Vector(indices, digest(doc));
    }

    /** Identifies "the same message" by its content, not by delivery headers that change. */
    static long digest(Document doc) {
      Hasher h = Hashing.murmur3_128().newHasher();
      h.putString(doc.subject(), StandardCharsets.UTF_8).putByte((byte) 0);
      h.putString(doc.from(), StandardCharsets.UTF_8).putByte((byte) 0);
      h.putString(doc.header("Message-ID"), StandardCharsets.UTF_8).putByte((byte) 0);
      h.putString(doc.header("Date"), StandardCharsets.UTF_8).putByte((byte) 0);
      for (String t : doc.texts()) {
        h.putString(t, StandardCharsets.UTF_8).putByte((byte) 1);
      }
      for (String t : doc.htmlTexts()) {
        h.putString(t, StandardCharsets.UTF_8).putByte((byte) 2);
      }
      return h.hash().asLong();
    }
  }

  /**
   * A set of ints from 0 to {@code Integer.MAX_VALUE - 1} in insertion order, open addressing with
   * linear probing; grows by doubling, stays over half empty. Clearing costs the number of
   * elements, not the table size, so that one set can serve message after message (see {@link
   * #take()}).
   */
  static final class IndexSet {
    private static final int INITIAL = 2048;

    /** Tables up to this size are kept: enough for all but the largest messages (99th: 9000). */
    private static final int MAX_SPARE = 1 << 15;

    private int[] slots; // value + 1, so that 0, the fresh array's content, is a free slot
    private int shift; // slot of a value: the top bits of its Fibonacci hash
    private int[] order;
    private int[] at; // at[k]: the slot of order[k], to clear only what was used
    private int size;

    IndexSet() {
      slots = new int[INITIAL];
      shift = Integer.numberOfLeadingZeros(INITIAL - 1);
      order = new int[INITIAL / 2];
      at = new int[INITIAL / 2];
    }

    void add(int value) {
      int key = value + 1;
      int m = slots.length - 1;
      int i = (value * 0x9E3779B9) >>> shift;
      while (true) {
        int s = slots[i];
        if (s == key) {
          return;
        }
        if (s == 0) {
          break;
        }
        i = (i + 1) & m;
      }
      slots[i] = key;
      order[size] = value;
      at[size] = i;
      size++;
      if (size * 2 == slots.length) {
        grow(); // order and at are full
      }
    }

    private void grow() {
      slots = new int[slots.length * 2];
      shift--;
      order = Arrays.copyOf(order, slots.length / 2);
      at = new int[slots.length / 2];
      int m = slots.length - 1;
      for (int k = 0; k < size; k++) {
        int i = (order[k] * 0x9E3779B9) >>> shift;
        while (slots[i] != 0) {
          i = (i + 1) & m;
        }
        slots[i] = order[k] + 1;
        at[k] = i;
      }
    }

    void clear() {
      for (int k = 0; k < size; k++) {
        slots[at[k]] = 0;
      }
      size = 0;
    }

    int size() {
      return size;
    }

    int[] toArray() {
      return Arrays.copyOf(order, size);
    }

    /** The elements in insertion order in the first {@link #size()} places; not a copy. */
    int[] elements() {
      return order;
    }

    /**
     * Sets kept for the next messages, a few for concurrent classifications. With a fresh set per
     * message, deduplication took about twice as long (new memory is zeroed and not yet in the
     * cache); and the checks run on virtual threads, which rules out a thread-local.
     */
    private static final AtomicReferenceArray<IndexSet> SPARES = new AtomicReferenceArray<>(8);

    /** A spare set, or a new one. */
    static IndexSet take() {
      for (int i = 0; i < SPARES.length(); i++) {
        IndexSet s = SPARES.get(i);
        if (s != null && SPARES.compareAndSet(i, s, null)) {
          return s;
        }
      }
      return new IndexSet();
    }

    /** Clears a set and keeps it for reuse, unless it grew for an unusually large message. */
    static void release(IndexSet set) {
      if (set.slots.length > MAX_SPARE) {
        return;
      }
      set.clear();
      for (int i = 0; i < SPARES.length(); i++) {
        if (SPARES.get(i) == null && SPARES.compareAndSet(i, null, set)) {
          return;
        }
      }
    }
  }
}
