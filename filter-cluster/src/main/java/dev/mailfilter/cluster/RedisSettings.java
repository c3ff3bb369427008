package dev.mailfilter.cluster;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The top-level {@code redis} section: the one Redis of a node, used by the tenant store ({@code
 * cluster.store: redis}) and by the shared state (greylisting, rate limits, reputation). One server
 * by URI, or the primary that Sentinels name; password, TLS and database apply to either. Keys in
 * docs/configuration.md.
 *
 * @param uri the address, with everything configured applied; empty when the section is absent
 */
public record RedisSettings(Optional<RedisURI> uri) {

  /**
   * The section, registered by every command that reads {@code cluster} or {@code shared_state}.
   */
  public static final ConfigSection<RedisSettings> SECTION =
      ConfigSection.of("redis", RedisSettings::parse);

  /** Checks the value. */
  public RedisSettings {
    Objects.requireNonNull(uri, "uri");
  }

  /** No Redis configured. */
  public static RedisSettings none() {
    return new RedisSettings(Optional.empty());
  }

  /**
   * One address in Lettuce's URI syntax ({@code redis://}, {@code rediss://}, {@code
   * redis-sentinel://host:port[,host:port]#master}), as {@code mailfilter admin --redis} gives it.
   *
   * @throws IllegalArgumentException when it is not such an address
   */
  public static RedisSettings of(String uri) {
    if (!(uri.startsWith("redis://")
        || uri.startsWith("rediss://")
        || uri.startsWith("redis-sentinel://"))) {
      throw new IllegalArgumentException(
          "expected redis://host:port, rediss://host:port or redis-sentinel://host:port#master,"
              + " got \""
              + uri
              + "\"");
    }
    return new RedisSettings(Optional.of(RedisURI.create(uri)));
  }

  /** Whether a Redis is configured. */
  public boolean configured() {
    return uri.isPresent();
  }

  private static RedisSettings parse(ConfigNode n) {
    Optional<String> address = n.optionalString("uri").map(String::strip);
    Optional<String> master = n.optionalString("sentinel_master").map(String::strip);
    List<String> sentinels = n.strings("sentinels");
    Optional<String> password = n.optionalString("password");
    Optional<String> passwordFile = n.optionalString("password_file");
    boolean tlsSet = n.has("tls");
    boolean tls = n.bool("tls", false);
    boolean dbSet = n.has("database");
    int database = (int) n.integer("database", 0, 0, 15);
    n.rejectUnread(List.of());
    if (address.isEmpty() && master.isEmpty()) {
      if (!sentinels.isEmpty() || password.isPresent() || passwordFile.isPresent() || tlsSet) {
        throw n.error("uri", "give the Redis: uri, or sentinel_master with sentinels");
      }
      return none();
    }
    if (address.isPresent() && master.isPresent()) {
      throw n.error("sentinel_master", "give either uri or sentinel_master, not both");
    }
    if (password.isPresent() && passwordFile.isPresent()) {
      throw n.error("password", "give either password or password_file, not both");
    }
    RedisURI.Builder b;
    if (address.isPresent()) {
      String a = address.get();
      if (!(a.startsWith("redis://") || a.startsWith("rediss://"))) {
        throw n.error(
            "uri",
            "expected redis://host:port or rediss://host:port (Sentinels: sentinel_master and"
                + " sentinels), got \""
                + a
                + "\"");
      }
      if (!sentinels.isEmpty()) {
        throw n.error("sentinels", "sentinels go with sentinel_master, not with uri");
      }
      try {
        b = RedisURI.builder(RedisURI.create(a));
      } catch (IllegalArgumentException e) {
        throw n.error("uri", "not a Redis address: " + e.getMessage());
      }
    } else {
      if (sentinels.isEmpty()) {
        throw n.error("sentinels", "sentinel_master needs at least one Sentinel, host:port");
      }
      b = null;
      for (String s : sentinels) {
        HostPort hp = HostPort.parse(n, s);
        if (b == null) {
          b = RedisURI.Builder.sentinel(hp.host(), hp.port(), master.get());
        } else {
          b.withSentinel(hp.host(), hp.port());
        }
      }
    }
    Optional<String> secret = password;
    if (passwordFile.isPresent()) {
      try {
        secret =
            Optional.of(
                Files.readString(Path.of(passwordFile.get()), StandardCharsets.UTF_8).strip());
      } catch (IOException e) {
        throw n.error("password_file", "cannot read " + passwordFile.get() + ": " + e);
      }
    }
    if (secret.isPresent()) {
      b.withPassword(secret.get().toCharArray());
    }
    if (tlsSet) {
      b.withSsl(tls);
    }
    if (dbSet) {
      b.withDatabase(database);
    }
    return new RedisSettings(Optional.of(b.build()));
  }

  private record HostPort(String host, int port) {
    static HostPort parse(ConfigNode n, String s) {
      int colon = s.lastIndexOf(':');
      if (colon <= 0) {
        throw n.error("sentinels", "expected host:port, got " + s);
      }
      try {
        int port = Integer.parseInt(s.substring(colon + 1));
        if (port < 1 || port > 65535) {
          throw n.error("sentinels", "port out of range in " + s);
        }
        return new HostPort(s.substring(0, colon), port);
      } catch (NumberFormatException e) {
        throw n.error("sentinels", "expected host:port, got " + s);
      }
    }
  }

  @Override
  public String toString() {
    // RedisURI's own toString leaves the password out.
    return "RedisSettings[" + uri.map(RedisURI::toString).orElse("none") + "]";
  }
}
