package dev.mailfilter.milter;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The {@code milter:} section of the configuration file: how the milter server listens and how long
 * it waits.
 *
 * @param listen where to listen; default {@code inet:127.0.0.1:11332}
 * @param readTimeout how long a read from the MTA may wait before the connection is closed; default
 *     6 minutes, longer than Postfix's {@code smtpd_timeout} (300 s), because Postfix holds its
 *     milter connection while it waits for a slow SMTP client
 * @param drainTimeout how long a graceful shutdown lets messages in flight finish; default 30 s
 * @param maxConnections connections served at once; more are closed at once with a log line (the
 *     MTA then applies its {@code milter_default_action}); default 1000
 * @param progressInterval how often {@code SMFIR_PROGRESS} is sent while the end-of-message checks
 *     run, to keep the MTA's {@code milter_content_timeout} from firing; default 10 s
 * @param statsInterval how often the counters are logged; default 10 minutes, 0 turns it off
 * @param socketMode the permissions of a Unix-domain socket file, {@code 0660} by default: the
 *     MTA's user (Postfix's smtpd runs as {@code postfix}) needs write permission to connect, so
 *     put it in the server's group, or use {@code 0666} in a directory only it can reach
 */
public record MilterSettings(
    ListenAddress listen,
    Duration readTimeout,
    Duration drainTimeout,
    int maxConnections,
    Duration progressInterval,
    Duration statsInterval,
    int socketMode) {

  /** The section, to pass to {@code FilterConfig.load(Path, List)} and read back. */
  public static final ConfigSection<MilterSettings> SECTION =
      ConfigSection.of("milter", MilterSettings::parse);

  private static final MilterSettings DEFAULTS =
      new MilterSettings(
          ListenAddress.DEFAULT,
          Duration.ofMinutes(6),
          Duration.ofSeconds(30),
          1000,
          Duration.ofSeconds(10),
          Duration.ofMinutes(10),
          0660);

  /** Checks every value. */
  public MilterSettings {
    Objects.requireNonNull(listen, "listen");
    positive(readTimeout, "readTimeout");
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    if (drainTimeout.isNegative()) {
      throw new IllegalArgumentException("drainTimeout is negative: " + drainTimeout);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1: " + maxConnections);
    }
    positive(progressInterval, "progressInterval");
    Objects.requireNonNull(statsInterval, "statsInterval");
    if (statsInterval.isNegative()) {
      throw new IllegalArgumentException("statsInterval is negative: " + statsInterval);
    }
    if (socketMode < 0 || socketMode > 0777) {
      throw new IllegalArgumentException(
          "socketMode must be from 0 to 0777: 0" + Integer.toOctalString(socketMode));
    }
  }

  /** The built-in settings, what an absent {@code milter:} section gives. */
  public static MilterSettings defaults() {
    return DEFAULTS;
  }

  /** These settings listening on {@code address} instead. */
  public MilterSettings withListen(ListenAddress address) {
    return with(f -> f.listen = address);
  }

  /** These settings with another read timeout. */
  public MilterSettings withReadTimeout(Duration timeout) {
    return with(f -> f.readTimeout = timeout);
  }

  /** These settings with another drain timeout. */
  public MilterSettings withDrainTimeout(Duration timeout) {
    return with(f -> f.drainTimeout = timeout);
  }

  /** These settings with another limit of connections. */
  public MilterSettings withMaxConnections(int max) {
    return with(f -> f.maxConnections = max);
  }

  /** These settings with another progress interval. */
  public MilterSettings withProgressInterval(Duration interval) {
    return with(f -> f.progressInterval = interval);
  }

  /** These settings with another interval of the counters' log line; 0 turns it off. */
  public MilterSettings withStatsInterval(Duration interval) {
    return with(f -> f.statsInterval = interval);
  }

  /** These settings with another mode of the Unix-domain socket file. */
  public MilterSettings withSocketMode(int mode) {
    return with(f -> f.socketMode = mode);
  }

  /**
   * A copy with one field changed. The fields are listed here once, rather than in every {@code
   * with} method, so that a new key is added in three places whatever the number of methods (as
   * {@code SmtpSettings} does).
   */
  private MilterSettings with(Consumer<Components> change) {
    Components c = new Components(this);
    change.accept(c);
    return c.build();
  }

  /**
   * The components as mutable fields, for {@link #with}. Not named {@code Fields} as in {@code
   * SmtpSettings}: that is the packet field cursor of this package.
   */
  private static final class Components {
    ListenAddress listen;
    Duration readTimeout;
    Duration drainTimeout;
    int maxConnections;
    Duration progressInterval;
    Duration statsInterval;
    int socketMode;

    Components(MilterSettings s) {
      listen = s.listen;
      readTimeout = s.readTimeout;
      drainTimeout = s.drainTimeout;
      maxConnections = s.maxConnections;
      progressInterval = s.progressInterval;
      statsInterval = s.statsInterval;
      socketMode = s.socketMode;
    }

    MilterSettings build() {
      return new MilterSettings(
          listen,
          readTimeout,
          drainTimeout,
          maxConnections,
          progressInterval,
          statsInterval,
          socketMode);
    }
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be above zero: " + d);
    }
  }

  private static MilterSettings parse(ConfigNode n) {
    ListenAddress listen = DEFAULTS.listen;
    Optional<String> text = n.optionalString("listen");
    if (text.isPresent()) {
      try {
        listen = ListenAddress.parse(text.get());
      } catch (IllegalArgumentException e) {
        throw n.error("listen", e.getMessage());
      }
    }
    Duration read = n.duration("read_timeout", DEFAULTS.readTimeout);
    if (read.compareTo(Duration.ofSeconds(1)) < 0) {
      throw n.error("read_timeout", "expected at least 1s, got " + read);
    }
    Duration drain = n.duration("drain_timeout", DEFAULTS.drainTimeout);
    int max = (int) n.integer("max_connections", DEFAULTS.maxConnections, 1, 1_000_000);
    Duration progress = n.duration("progress_interval", DEFAULTS.progressInterval);
    if (progress.compareTo(Duration.ofMillis(100)) < 0) {
      throw n.error("progress_interval", "expected at least 100ms, got " + progress);
    }
    Duration stats = n.duration("stats_interval", DEFAULTS.statsInterval);
    String modeText = n.string("socket_mode", "0660");
    if (!modeText.matches("0?[0-7]{3}")) {
      throw n.error(
          "socket_mode", "expected an octal mode like \"0660\", got \"" + modeText + "\"");
    }
    int mode = Integer.parseInt(modeText, 8);
    return new MilterSettings(listen, read, drain, max, progress, stats, mode);
  }
}
