package dev.mailfilter.dns;

import dev.mailfilter.config.ConfigSection;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration section {@code dnsbl}: the lists and whether their RFC 5782 test points are
 * checked at start-up. Also holds, per loaded configuration, the one {@link Dnsbl} its checks share
 * (built on first use, so loading a configuration stays cheap).
 */
public final class DnsblSettings {
  private static final Logger log = LoggerFactory.getLogger(DnsblSettings.class);

  /** The configuration section {@code dnsbl}. */
  public static final ConfigSection<DnsblSettings> SECTION =
      ConfigSection.of("dnsbl", DnsConfigSections::dnsbl);

  private final List<DnsblList> lists;
  private final boolean selfTest;
  private final ReentrantLock lock = new ReentrantLock();
  private Dnsbl runtime; // guarded by lock
  private boolean closed; // guarded by lock

  /** The lists, and whether to self-test them when first used. */
  public DnsblSettings(List<DnsblList> lists, boolean selfTest) {
    this.lists = List.copyOf(lists);
    this.selfTest = selfTest;
  }

  /** The configured lists, in order. */
  public List<DnsblList> lists() {
    return lists;
  }

  /** Whether the RFC 5782 test points are checked when the lists are first used. */
  public boolean selfTest() {
    return selfTest;
  }

  /**
   * The shared checker for this configuration, created (and self-tested in the background) once.
   */
  Dnsbl runtime(DnsSettings dns, List<MirrorSettings> mirrors) throws IOException {
    // A lock, not a monitor: the first run reads the mirror files here, on a check's virtual
    // thread.
    lock.lock();
    try {
      return runtimeLocked(dns, mirrors);
    } finally {
      lock.unlock();
    }
  }

  private Dnsbl runtimeLocked(DnsSettings dns, List<MirrorSettings> mirrors) throws IOException {
    if (closed) {
      throw new IllegalStateException("the DNSBL checks of this configuration are closed");
    }
    if (runtime == null) {
      runtime = Dnsbl.create(DnsResolver.create(dns), lists, mirrors);
      if (selfTest && !lists.isEmpty()) {
        Dnsbl d = runtime;
        Thread.ofVirtual()
            .name("mailfilter-dnsbl-selftest")
            .start(
                () -> {
                  var status = d.selfTest(Duration.ofSeconds(5));
                  log.info("DNSBL self-test: {}", status.values());
                });
      }
    }
    return runtime;
  }

  void close() {
    lock.lock();
    try {
      closed = true;
      if (runtime != null) {
        runtime.close();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "DnsblSettings" + lists;
  }
}
