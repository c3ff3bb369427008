package dev.mailfilter.dns.mirror;

import com.google.common.net.InetAddresses;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A blocklist zone answered from a local rbldnsd dataset file, with no DNS traffic. The loaded data
 * is immutable and swapped atomically when {@link #reloadIfChanged} sees a new modification time or
 * size; a file that fails to parse leaves the previous data in service and is logged once with its
 * line number.
 *
 * <p>Thread-safe: lookups read one volatile reference.
 */
public final class Mirror {
  private static final Logger log = LoggerFactory.getLogger(Mirror.class);

  private record Loaded(ZoneData data, FileTime mtime, long size, Instant at) {}

  private final String zone;
  private final Path path;
  private final MirrorKind kind;
  private volatile Loaded current;
  private volatile String lastError;
  private volatile Object failedStamp;

  private Mirror(String zone, Path path, MirrorKind kind, Loaded first) {
    this.zone = zone;
    this.path = path;
    this.kind = kind;
    this.current = first;
  }

  /**
   * Loads the dataset; a file that cannot be read or parsed fails here, naming file and line.
   *
   * @throws IOException (a {@link ZoneFileException} for bad content)
   */
  public static Mirror load(String zone, Path path, MirrorKind kind) throws IOException {
    return new Mirror(zone, path, kind, read(path, kind));
  }

  private static Loaded read(Path path, MirrorKind kind) throws IOException {
    BasicFileAttributes before = Files.readAttributes(path, BasicFileAttributes.class);
    ZoneData data = ZoneFiles.read(path, kind);
    return new Loaded(data, before.lastModifiedTime(), before.size(), Instant.now());
  }

  /**
   * Reloads the file if its modification time or size changed since the last load.
   *
   * @return whether new data was swapped in
   */
  public boolean reloadIfChanged() {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (IOException e) {
      noteFailure("stat:" + e.getMessage(), "cannot read " + path + ": " + e);
      return false;
    }
    Loaded cur = current;
    if (attrs.lastModifiedTime().equals(cur.mtime()) && attrs.size() == cur.size()) {
      return false;
    }
    String stamp = attrs.lastModifiedTime() + "/" + attrs.size();
    if (stamp.equals(failedStamp)) {
      return false; // already reported; wait for the next change
    }
    try {
      Loaded next = read(path, kind);
      current = next;
      lastError = null;
      failedStamp = null;
      log.info(
          "mirror {} reloaded from {}: {} entries, {} keys",
          zone,
          path,
          next.data().entryCount(),
          next.data().keyCount());
      return true;
    } catch (IOException | RuntimeException e) {
      failedStamp = stamp;
      noteFailure(stamp, e.getMessage());
      return false;
    }
  }

  private void noteFailure(String stamp, String message) {
    if (!message.equals(lastError)) {
      log.warn(
          "mirror {}: keeping the data loaded at {}; the new file is refused: {}",
          zone,
          current.at(),
          message);
    }
    lastError = message;
  }

  /**
   * The answer for a client address, or empty when not listed (or the set is of the other family).
   */
  public Optional<MirrorHit> lookup(InetAddress address) {
    ZoneData d = current.data();
    int v = -1;
    if (d instanceof Ip4Zone z && address instanceof Inet4Address a) {
      v = z.lookup(ByteBuffer.wrap(a.getAddress()).getInt());
    } else if (d instanceof Ip6Zone z && address instanceof Inet6Address a) {
      ByteBuffer b = ByteBuffer.wrap(a.getAddress());
      v = z.lookup(b.getLong(), b.getLong());
    }
    return hit(d, v, InetAddresses.toAddrString(address));
  }

  /** The answer for a domain name, or empty when not listed (or the set is not a dnset). */
  public Optional<MirrorHit> lookup(String domain) {
    ZoneData d = current.data();
    if (!(d instanceof DomainZone z)) {
      return Optional.empty();
    }
    String n = DomainZone.normalize(domain);
    int v = z.lookup(n);
    return hit(d, v, v < 0 ? n : z.matchedEntry(n));
  }

  private static Optional<MirrorHit> hit(ZoneData d, int v, String subject) {
    if (v < 0) {
      return Optional.empty();
    }
    List<Inet4Address> codes = new ArrayList<>();
    List<String> txt = new ArrayList<>();
    for (ZoneValue value : d.valuesOf(v)) {
      if (!codes.contains(value.address())) {
        codes.add(value.address());
      }
      value.txtFor(subject).ifPresent(txt::add);
    }
    return Optional.of(new MirrorHit(codes, txt));
  }

  /** The zone this mirror answers for. */
  public String zone() {
    return zone;
  }

  /** The dataset file. */
  public Path path() {
    return path;
  }

  /** The dataset type. */
  public MirrorKind kind() {
    return kind;
  }

  /** The data in service. */
  public ZoneData data() {
    return current.data();
  }

  /** When the data in service was loaded. */
  public Instant loadedAt() {
    return current.at();
  }

  /** Why the latest change of the file was refused, if it was. */
  public Optional<String> lastError() {
    return Optional.ofNullable(lastError);
  }
}
