package dev.mailfilter.av;

import dev.mailfilter.Action;
import dev.mailfilter.av.ScanResult.FailureKind;
import dev.mailfilter.check.Check;
import dev.mailfilter.check.CheckContext;
import dev.mailfilter.check.CheckSetup;
import dev.mailfilter.check.Stage;
import dev.mailfilter.check.SymbolDef;
import dev.mailfilter.config.ConfigNode;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/**
 * Virus scanning at end of data: the raw message goes to clamd in one INSTREAM (clamd decodes MIME
 * and archives itself, and one stream was faster than one per part: README, "Virus scanning").
 *
 * <p>{@code FOUND} adds {@code CLAM_VIRUS} with the signature name as its option and demands the
 * configured action (reject by default, or quarantine). A scan without a verdict (clamd down, slow,
 * over its size limit, or talking nonsense) adds {@code CLAM_VIRUS_FAIL} with the reason and
 * applies the failure action: tempfail by default, so that the sender retries instead of the
 * message passing unscanned.
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
   * pool_size}, {@code action} ({@code reject} or {@code quarantine}) and {@code on_failure}
   * ({@code tempfail}, {@code accept} or {@code reject}).
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
    b.onFailure(o.enumValue("on_failure", ClamdSettings.FailureAction.class, d.onFailure()));
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
            : client.scan(ByteBuffer.wrap(ctx.raw()), limit);
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
        ctx.forceAction(action, "virus found: " + i.signature());
      }
      case ScanResult.Failed f -> {
        ctx.addSymbol(FAIL, f.kind().name().toLowerCase(java.util.Locale.ROOT) + ": " + f.reason());
        switch (settings().onFailure()) {
          case TEMPFAIL -> ctx.forceAction(Action.TEMPFAIL, "virus scan failed: " + f.reason());
          case REJECT -> ctx.forceAction(Action.REJECT, "virus scan failed: " + f.reason());
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
