package dev.mailfilter.cluster.state;

import dev.mailfilter.config.ConfigNode;
import java.time.Duration;

/**
 * Greylisting's settings, with postgrey's defaults.
 *
 * @param delay how long a new triplet (client network, sender, recipient) is refused with 451
 * @param retryWindow how long a first attempt is remembered: a retry after it starts over
 * @param lifetime how long a triplet that passed (and a client's pass count) is remembered since
 *     its last use
 * @param autoAllowAfter after this many triplets of a client network passed, its new triplets pass
 *     at once (0: never)
 * @param ipv4Prefix how many leading bits of an IPv4 client make its network
 * @param ipv6Prefix how many leading bits of an IPv6 client make its network
 * @param localCapacity the most triplets the local fallback state holds (oldest forgotten first)
 */
public record GreylistSettings(
    Duration delay,
    Duration retryWindow,
    Duration lifetime,
    int autoAllowAfter,
    int ipv4Prefix,
    int ipv6Prefix,
    int localCapacity) {
  public GreylistSettings {
    if (delay.isNegative() || retryWindow.compareTo(delay) <= 0) {
      throw new IllegalArgumentException(
          "retry window " + retryWindow + " must be longer than the delay " + delay);
    }
    if (lifetime.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("lifetime must be at least 1s: " + lifetime);
    }
    if (autoAllowAfter < 0) {
      throw new IllegalArgumentException(
          "auto_allow_after must not be negative: " + autoAllowAfter);
    }
    if (ipv4Prefix < 1 || ipv4Prefix > 32 || ipv6Prefix < 1 || ipv6Prefix > 128) {
      throw new IllegalArgumentException(
          "prefixes must be 1..32 and 1..128: " + ipv4Prefix + ", " + ipv6Prefix);
    }
    if (localCapacity < 1) {
      throw new IllegalArgumentException("local capacity must be positive: " + localCapacity);
    }
  }

  /** postgrey's defaults: 5 minutes, retry within 2 days, remembered 35 days, clients after 5. */
  public static GreylistSettings defaults() {
    return new GreylistSettings(
        Duration.ofMinutes(5), Duration.ofDays(2), Duration.ofDays(35), 5, 24, 64, 100_000);
  }

  /** These settings with another delay. */
  public GreylistSettings withDelay(Duration value) {
    return new GreylistSettings(
        value, retryWindow, lifetime, autoAllowAfter, ipv4Prefix, ipv6Prefix, localCapacity);
  }

  /** These settings with another auto-allow count. */
  public GreylistSettings withAutoAllowAfter(int value) {
    return new GreylistSettings(
        delay, retryWindow, lifetime, value, ipv4Prefix, ipv6Prefix, localCapacity);
  }

  static GreylistSettings parse(ConfigNode n) {
    GreylistSettings d = defaults();
    Duration delay = n.duration("delay", d.delay);
    Duration window = n.duration("retry_window", d.retryWindow);
    Duration lifetime = n.duration("lifetime", d.lifetime);
    int auto = (int) n.integer("auto_allow_after", d.autoAllowAfter, 0, 1_000_000);
    int v4 = (int) n.integer("ipv4_prefix", d.ipv4Prefix, 1, 32);
    int v6 = (int) n.integer("ipv6_prefix", d.ipv6Prefix, 1, 128);
    int cap = (int) n.integer("local_capacity", d.localCapacity, 1, 100_000_000);
    try {
      return new GreylistSettings(delay, window, lifetime, auto, v4, v6, cap);
    } catch (IllegalArgumentException e) {
      throw n.error("retry_window", e.getMessage());
    }
  }
}
