package dev.mailfilter.engine;

import static com.google.common.base.Preconditions.checkArgument;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Stage;
import dev.mailfilter.mime.ByteView;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSettings;
import dev.mailfilter.spi.Key;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** The context of one check run: reports go to the stage's findings until the run is closed. */
final class RunContext implements CheckContext {
  private static final Key<ParsedMessage> PARSED = Key.of("parsed-message");

  /** The message of a transaction, parsed once and shared by its checks and verdict listeners. */
  static ParsedMessage parsed(TransactionCache transaction, MessageParser parser, RawMessage raw) {
    return transaction.computeIfAbsent(PARSED, () -> parser.parse(raw.view()));
  }

  private final CheckSettings settings;
  private final Stage stage;
  private final String transactionId;
  private final Envelope envelope;
  private final Optional<String> recipient;
  private final RawMessage raw;
  private final Findings findings;
  private final int checkIndex;
  private final Set<String> reservedHeaders;
  private final TransactionCache transaction;
  private final Instant deadline;
  private final Clock clock;
  private final MessageParser parser;
  private final StatsRecorder.CheckCounters counters;
  // A check run on the caller's thread cannot be cut at its deadline, so its context refuses the
  // reports it makes after it, as a closed context refuses those of a check cut off.
  private final boolean refuseAfterDeadline;
  private boolean closed;
  // Symbols counted in this run's hit figures; most runs find nothing, so made on first hit.
  private Set<String> counted;

  RunContext(
      CheckSettings settings,
      Stage stage,
      String transactionId,
      Envelope envelope,
      Optional<String> recipient,
      RawMessage raw,
      Findings findings,
      int checkIndex,
      Set<String> reservedHeaders,
      TransactionCache transaction,
      Instant deadline,
      Clock clock,
      MessageParser parser,
      StatsRecorder.CheckCounters counters,
      boolean refuseAfterDeadline) {
    this.settings = settings;
    this.stage = stage;
    this.transactionId = transactionId;
    this.envelope = envelope;
    this.recipient = recipient;
    this.raw = raw;
    this.findings = findings;
    this.checkIndex = checkIndex;
    this.reservedHeaders = reservedHeaders;
    this.transaction = transaction;
    this.deadline = deadline;
    this.clock = clock;
    this.parser = parser;
    this.counters = counters;
    this.refuseAfterDeadline = refuseAfterDeadline;
  }

  private boolean open() {
    return !closed && !(refuseAfterDeadline && clock.instant().isAfter(deadline));
  }

  /** Stops accepting reports: the run finished, failed or overran. */
  synchronized void close() {
    closed = true;
  }

  @Override
  public Stage stage() {
    return stage;
  }

  @Override
  public String transactionId() {
    return transactionId;
  }

  @Override
  public Connection connection() {
    return envelope.connection();
  }

  @Override
  public Envelope envelope() {
    return envelope;
  }

  @Override
  public Optional<String> recipient() {
    return recipient;
  }

  private RawMessage rawMessage() {
    if (raw == null) {
      throw new IllegalStateException(
          "check "
              + settings.check().name()
              + ": the message is only known from HEADERS on, not at "
              + stage);
    }
    return raw;
  }

  @Override
  public ByteView rawBytes() {
    return rawMessage().view();
  }

  @Override
  public byte[] raw() {
    return rawMessage().array(transaction);
  }

  @Override
  public ParsedMessage message() {
    return parsed(transaction, parser, rawMessage());
  }

  @Override
  public void addHeader(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    String check = settings.check().name();
    try {
      new HeaderEdit.Prepend(name, value); // validates, as the verdict will
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "check " + check + " added an invalid header: " + e.getMessage(), e);
    }
    checkArgument(
        !reservedHeaders.contains(name.toLowerCase(Locale.ROOT)),
        "check %s added %s, a result header the engine removes and sets itself",
        check,
        name);
    synchronized (this) {
      if (open()) {
        findings.addHeader(new Findings.AddedHeader(stage, checkIndex, name, value));
      }
    }
  }

  @Override
  public void removeHeader(String name, int index) {
    Objects.requireNonNull(name, "name");
    String check = settings.check().name();
    if (stage.compareTo(Stage.HEADERS) < 0) {
      throw new IllegalStateException(
          "check " + check + " removes header " + name + " at " + stage + ", before the header");
    }
    HeaderEdit.RemoveAt edit;
    try {
      edit = new HeaderEdit.RemoveAt(name, index);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "check " + check + " removed an invalid header: " + e.getMessage(), e);
    }
    synchronized (this) {
      if (open()) {
        findings.removeHeader(edit);
      }
    }
  }

  @Override
  public void addSymbol(String name, String... options) {
    addWeighted(name, 1.0, options);
  }

  @Override
  public void addWeighted(String name, double weight, String... options) {
    Objects.requireNonNull(name, "name");
    checkArgument(Double.isFinite(weight), "weight of %s is not finite: %s", name, weight);
    Double score = settings.scores().get(name);
    checkArgument(
        score != null,
        "check %s did not declare symbol %s (declared: %s)",
        settings.check().name(),
        name,
        settings.scores().keySet());
    List<String> opts = List.of(options);
    synchronized (this) {
      if (open()) {
        findings.add(name, score * weight, opts);
        if (counted == null) {
          counted = new HashSet<>(4);
        }
        if (counted.add(name)) {
          counters.hit(name);
        }
      }
    }
  }

  @Override
  public void forceAction(Action action, String reason) {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(reason, "reason");
    force(new Findings.Forced(action, reason, stage, settings.check().name(), Optional.empty()));
  }

  @Override
  public void forceAction(Action action, String reason, Reply reply) {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(reply, "reply");
    int expected = expectedReplyClass(action);
    checkArgument(
        reply.code() / 100 == expected,
        "check %s forced %s with reply %s: %s needs a %sxx reply",
        settings.check().name(),
        action,
        reply.code(),
        action,
        expected);
    force(new Findings.Forced(action, reason, stage, settings.check().name(), Optional.of(reply)));
  }

  /** 5 for a permanent refusal, 4 for temporary ones, 2 for actions that take the message. */
  static int expectedReplyClass(Action action) {
    return switch (action) {
      case REJECT -> 5;
      case TEMPFAIL, SOFT_REJECT, GREYLIST -> 4;
      case ACCEPT, ADD_HEADER, REWRITE_SUBJECT, QUARANTINE, DISCARD -> 2;
    };
  }

  private synchronized void force(Findings.Forced demand) {
    if (open()) {
      findings.force(demand);
    }
  }

  @Override
  public Instant deadline() {
    return deadline;
  }

  @Override
  public Duration remaining() {
    Duration d = Duration.between(clock.instant(), deadline);
    return d.isNegative() ? Duration.ZERO : d;
  }

  @Override
  public <T> T computeIfAbsent(Key<T> key, Function<? super CheckContext, ? extends T> compute) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(compute, "compute");
    return transaction.computeIfAbsent(key, () -> compute.apply(this));
  }
}
