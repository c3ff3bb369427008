package dev.mailfilter.av;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Stage;
import dev.mailfilter.av.ScanResult.FailureKind;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Virus scanning at end of data: the raw message goes to clamd in one INSTREAM (clamd decodes MIME
 * and archives itself, and one stream was faster than one per part: docs/performance.md).
 *
 * <p>{@code FOUND} adds {@code CLAM_VIRUS} with the signature name as its option and demands the
 * configured action (reject by default, answered with {@code 554 5.7.1 Virus found: NAME}, or
 * quarantine). A scan without a verdict (clamd down, slow, over its size limit, or talking
 * nonsense) adds {@code CLAM_VIRUS_FAIL} with the reason and applies the failure action: tempfail
 * by default ({@code 451 4.7.1}), so that the sender retries instead of the message passing
 * unscanned. Both replies are the check's own ({@code reply}, {@code failure_reply}), not the
 * generic {@code replies.*}.
 *
 * <p>Configured under {@code checks.clamd}; disabled in the built-in configuration because it needs
 * a clamd to talk to. The client connects lazily, so a disabled or idle check holds no socket.
 */
public final class ClamdCheck implements Check, AutoCloseable {
  /** The symbol for a virus found. */
  public static final String VIRUS = "CLAM_VIRUS";

  /** The symbol for a scan that gave no verdict. */
  public static final String FAIL = "CLAM_VIRUS_FAIL";

  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of(VIRUS, 20, "clamd found a virus; the option names the signature"),
          SymbolDef.of(FAIL, 0, "the virus scan gave no verdict; the option says why"));

  /** Time kept back from the stage deadline to report the outcome. */
  private static final Duration DEADLINE_MARGIN = Duration.ofMillis(20);

  private final ClamdClient client;

  private ClamdCheck(ClamdClient client) {
    this.client = client;
  }

  /** A check scanning with these settings. */
  public static ClamdCheck create(ClamdSettings settings) {
    return new ClamdCheck(ClamdClient.create(settings));
  }

  /**
   * Factory for {@code checks.clamd}: options {@code address} ({@code tcp:HOST:PORT} or {@code
   * unix:/PATH}), {@code connect_timeout}, {@code read_timeout}, {@code max_size}, {@code
   * pool_size}, {@code action} ({@code reject} or {@code quarantine}), {@code on_failure} ({@code
   * tempfail}, {@code accept} or {@code reject}), {@code reply} (to a virus, {@code {virus}} naming
   * it) and {@code failure_reply} (when the scan gives no verdict; null for the action's default).
   *
   * @throws dev.mailfilter.config.ConfigException for a bad option, with its key path
   */
  public static ClamdCheck create(CheckSetup setup) {
    return create(settings(setup.options()));
  }

  /** Reads {@link ClamdSettings} from a {@code checks.clamd} node. */
  static ClamdSettings settings(ConfigNode o) {
    ClamdSettings d = ClamdSettings.DEFAULTS;
    ClamdSettings.Builder b = ClamdSettings.builder();
    String address = o.string("address", d.address().toString());
    try {
      b.address(ClamdAddress.parse(address));
    } catch (IllegalArgumentException e) {
      throw o.error("address", e.getMessage());
    }
    b.connectTimeout(
        positive(o, "connect_timeout", o.duration("connect_timeout", d.connectTimeout())));
    b.readTimeout(positive(o, "read_timeout", o.duration("read_timeout", d.readTimeout())));
    long maxSize = o.bytes("max_size", d.maxStreamLength());
    if (maxSize < 1 || maxSize > ClamdSettings.MAX_MAX_STREAM_LENGTH) {
      throw o.error(
          "max_size",
          "expected 1 byte to " + ClamdSettings.MAX_MAX_STREAM_LENGTH + " bytes, got " + maxSize);
    }
    b.maxStreamLength(maxSize);
    b.poolSize((int) o.integer("pool_size", d.poolSize(), 0, ClamdSettings.MAX_POOL_SIZE));
    b.onVirus(o.enumValue("action", ClamdSettings.VirusAction.class, d.onVirus()));
    ClamdSettings.FailureAction onFailure =
        o.enumValue("on_failure", ClamdSettings.FailureAction.class, d.onFailure());
    b.onFailure(onFailure);
    String virusReply = o.string("reply", d.virusReply());
    try {
      b.virusReply(virusReply);
      Reply sample = Reply.parse(virusReply);
      if (!sample.isPermanent()) {
        throw o.error("reply", "expected a 5xx reply, got " + sample.code());
      }
    } catch (IllegalArgumentException e) {
      throw o.error("reply", e.getMessage());
    }
    Optional<String> failureReply = o.optionalString("failure_reply");
    if (failureReply.isPresent()) {
      Reply r;
      try {
        r = Reply.parse(failureReply.get());
      } catch (IllegalArgumentException e) {
        throw o.error("failure_reply", e.getMessage());
      }
      if (onFailure == ClamdSettings.FailureAction.TEMPFAIL && !r.isTemporary()) {
        throw o.error(
            "failure_reply", "expected a 4xx reply for on_failure: tempfail, got " + r.code());
      }
      if (onFailure == ClamdSettings.FailureAction.REJECT && !r.isPermanent()) {
        throw o.error(
            "failure_reply", "expected a 5xx reply for on_failure: reject, got " + r.code());
      }
      b.failureReply(r);
    }
    return b.build();
  }

  private static Duration positive(ConfigNode o, String key, Duration d) {
    if (d.isZero() || d.compareTo(Duration.ofHours(1)) > 0) {
      throw o.error(key, "expected more than 0 and at most 1h, got " + d);
    }
    return d;
  }

  /** The settings in use. */
  public ClamdSettings settings() {
    return client.settings();
  }

  @Override
  public String name() {
    return "clamd";
  }

  @Override
  public Stage stage() {
    return Stage.DATA;
  }

  @Override
  public List<SymbolDef> symbols() {
    return SYMBOLS;
  }

  @Override
  public void run(CheckContext ctx) throws InterruptedException {
    // Finish a little before the stage deadline, so that a slow clamd still gets the failure
    // action (symbols added after the deadline are dropped and the engine's default goes on).
    Duration left = ctx.remaining();
    Duration limit = left.minus(left.dividedBy(10)).minus(DEADLINE_MARGIN);
    ScanResult result =
        limit.isNegative()
            ? ScanResult.failed(FailureKind.TIMEOUT, "no time left before the stage deadline")
            : client.scan(ctx.rawBytes().asByteBuffer(), limit);
    if (Thread.interrupted()) {
      // The engine's deadline passed while we waited on clamd: it reports the timeout itself.
      throw new InterruptedException("clamd scan interrupted at the stage deadline");
    }
    switch (result) {
      case ScanResult.Clean c -> {}
      case ScanResult.Infected i -> {
        ctx.addSymbol(VIRUS, i.signature());
        Action action =
            switch (settings().onVirus()) {
              case REJECT -> Action.REJECT;
              case QUARANTINE -> Action.QUARANTINE;
            };
        String reason = "virus found: " + i.signature();
        if (action == Action.REJECT) {
          ctx.forceAction(action, reason, settings().virusReplyFor(i.signature()));
        } else {
          // Quarantined mail is taken from the client with the usual 250.
          ctx.forceAction(action, reason);
        }
      }
      case ScanResult.Failed f -> {
        ctx.addSymbol(FAIL, f.kind().name().toLowerCase(java.util.Locale.ROOT) + ": " + f.reason());
        String reason = "virus scan failed: " + f.reason();
        switch (settings().onFailure()) {
          case TEMPFAIL -> ctx.forceAction(Action.TEMPFAIL, reason, settings().failureReply());
          case REJECT -> ctx.forceAction(Action.REJECT, reason, settings().failureReply());
          case ACCEPT -> {}
        }
      }
    }
  }

  /** Closes the pooled connections to clamd. */
  @Override
  public void close() {
    client.close();
  }
}
