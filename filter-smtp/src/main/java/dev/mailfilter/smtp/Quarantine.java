package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Reply;
import dev.mailfilter.tenant.Route;
import dev.mailfilter.tenant.TlsPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.SequencedMap;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The quarantine of the gateway: messages the filter held, kept in files under a directory until
 * they are released to their route, deleted, or expire.
 *
 * <pre>{@code
 * Quarantine q = Quarantine.open(Path.of("/var/lib/mailfilter/quarantine"), Duration.ofDays(7),
 *     "mx1.example.net");
 * Quarantine.Page page = q.list(e -> e.tenant().startsWith("acme/"), Optional.empty(), 50);
 * Reply r = q.release(page.entries().getFirst().id());
 * }</pre>
 *
 * <p>Each entry is two files: {@code ID.eml}, the message as it would have been relayed, and {@code
 * ID.meta}, its envelope and verdict. Each is written to a temporary name, forced to disk and
 * renamed, then the directory is forced: an entry exists once its {@code .meta} file does, so a
 * crash part-way leaves only files that {@link #open} removes. The {@code .meta} files are the
 * index; nothing else needs rebuilding after a crash. Listing reads the directory as a stream and
 * keeps one page in memory, so it stays small for any number of entries.
 *
 * <p>A second index serves the listing of one tenant ({@link #list(String, Predicate, Optional,
 * int)}): under {@code index/}, a directory per tenant path segment ({@code
 * index/~acme/~bakery/~bakery.example/}) holds an empty file per entry named by its id, so that a
 * tenant's listing reads the names in its subtree and only its own entries' {@code .meta} files.
 * The marker is written before the {@code .meta} file and removed after it, so an entry is never
 * missing from it; a marker without its entry is skipped, and removed on open once it is old.
 *
 * <p>Several processes may use one directory (the gateway and {@code mailfilter quarantine}): a
 * release takes an {@code ID.lock} file created exclusively, so a message is relayed at most once.
 * Thread-safe.
 */
public final class Quarantine {
  /** The lifetime when none is configured: seven days. */
  public static final Duration DEFAULT_LIFETIME = Duration.ofDays(7);

  private static final Pattern ID = Pattern.compile("[0-9a-z]{1,16}-[0-9a-f]{8}");
  private static final String META = ".meta";
  private static final String MESSAGE = ".eml";
  private static final String LOCK = ".lock";
  private static final String TEMP = ".tmp";
  private static final String INDEX = "index";

  /** In {@code index/}: every entry held before it was created has its marker. */
  private static final String BUILT = ".built";

  /**
   * How old a leftover of a crash must be before {@link #open} removes it: a younger one may be a
   * hold under way in another process (the gateway, while {@code mailfilter quarantine} opens the
   * store), and removing its message before its {@code .meta} file lands would lose it.
   */
  static final Duration LEFTOVER_AGE = Duration.ofHours(1);

  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * The field a release puts on top of the message, so that the mailbox's server (or a Sieve rule)
   * can tell a released message from mail that came past the filter: {@code ID; TIME}.
   */
  public static final String RELEASED_FIELD = "X-Mailfilter-Released";

  /** The result fields a release removes when none are configured: {@code headers.*}'s defaults. */
  public static final List<String> DEFAULT_RESULT_FIELDS =
      List.of("X-Spam-Flag", "X-Spam-Score", "X-Spam-Status", "X-Spam-Symbols");

  private final Path dir;
  private final Duration lifetime;
  private final Clock clock;
  private final Relay relay;
  private final List<String> resultFields;

  /**
   * Where the gateway keeps its quarantine: the {@code quarantine:} mapping of the {@code smtp:}
   * section.
   *
   * @param dir the directory of the store
   * @param lifetime how long an entry is kept; positive
   */
  public record Settings(Path dir, Duration lifetime) {
    public Settings {
      Objects.requireNonNull(dir, "dir");
      Objects.requireNonNull(lifetime, "lifetime");
      if (lifetime.isNegative() || lifetime.isZero()) {
        throw new IllegalArgumentException("quarantine lifetime must be positive, got " + lifetime);
      }
    }
  }

  /**
   * A page of a listing.
   *
   * @param entries the entries in the order they were held, at most the limit asked for
   * @param next the cursor for the following page ({@code after}), empty on the last page
   */
  public record Page(List<QuarantineEntry> entries, Optional<String> next) {
    public Page {
      entries = List.copyOf(entries);
      Objects.requireNonNull(next, "next");
    }
  }

  /** What is held: the envelope and the message as it would have been relayed. */
  record Held(
      String from,
      MailParameters parameters,
      List<Relay.Recipient> recipients,
      String tenant,
      double score,
      List<String> symbols,
      Route route,
      byte[] message) {}

  private Quarantine(
      Path dir, Duration lifetime, Clock clock, Relay relay, List<String> resultFields) {
    this.dir = dir;
    this.lifetime = lifetime;
    this.clock = clock;
    this.relay = relay;
    this.resultFields = List.copyOf(resultFields);
  }

  /**
   * This store, releasing messages without these result fields: the filter's own {@code X-Spam-*}
   * fields as {@code headers.*} names them, so that a released message is not filed as spam by the
   * mailbox's server. By default {@link #DEFAULT_RESULT_FIELDS}.
   *
   * @param names the field names to remove from a released message
   */
  public Quarantine withResultFields(List<String> names) {
    for (String n : names) {
      if (n.isEmpty() || n.chars().anyMatch(c -> c <= ' ' || c == ':' || c > '~')) {
        throw new IllegalArgumentException("not a header field name: \"" + n + "\"");
      }
    }
    return new Quarantine(dir, lifetime, clock, relay, names);
  }

  /**
   * Opens the store, creating the directory when missing, and removes what a crash left: temporary
   * files and messages without their {@code .meta} file (never answered 250).
   *
   * @param dir the directory
   * @param lifetime how long an entry is kept (see {@link #expire()}); positive
   * @param hostName the name this host gives in EHLO when it releases a message
   * @throws IOException when the directory cannot be created or read
   */
  public static Quarantine open(Path dir, Duration lifetime, String hostName) throws IOException {
    return open(dir, lifetime, Clock.systemUTC(), new Relay(hostName, Relay.Timeouts.DEFAULT));
  }

  /**
   * Opens the store as {@link #open(Path, Duration, String)} does, releasing through a relay leg
   * with the gateway's settings: its trust bundle for {@code tls: verify} routes and the name
   * servers for MX routes (the {@code dns:} section), so that a release from the command line goes
   * where the gateway would have sent the message. No connection pool: a release is one-off.
   *
   * @param relay the {@code smtp.relay} section
   * @param dnsServers name servers for MX lookups; empty: the system's
   */
  public static Quarantine open(
      Path dir,
      Duration lifetime,
      String hostName,
      RelaySettings relay,
      List<InetSocketAddress> dnsServers)
      throws IOException {
    List<InetSocketAddress> servers = List.copyOf(dnsServers);
    return open(
        dir,
        lifetime,
        Clock.systemUTC(),
        new Relay(
            hostName,
            Relay.Timeouts.DEFAULT,
            relay.withPool(0, 0, Duration.ZERO, 1),
            () -> servers));
  }

  static Quarantine open(Path dir, Duration lifetime, Clock clock, Relay relay) throws IOException {
    new Settings(dir, lifetime); // checks them
    Files.createDirectories(dir);
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + ": not a directory");
    }
    Quarantine q = new Quarantine(dir, lifetime, clock, relay, DEFAULT_RESULT_FIELDS);
    q.recover();
    q.buildIndex();
    return q;
  }

  /** The directory. */
  public Path directory() {
    return dir;
  }

  /** How long entries are kept. */
  public Duration lifetime() {
    return lifetime;
  }

  private void recover() throws IOException {
    Instant before = clock.instant().minus(LEFTOVER_AGE);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (name.endsWith(TEMP)) {
          deleteIfOld(f, before);
        } else if (name.endsWith(MESSAGE)) {
          String id = name.substring(0, name.length() - MESSAGE.length());
          if (!Files.exists(dir.resolve(id + META))) {
            deleteIfOld(f, before); // the 250 was never sent for it
          }
        }
      }
    }
    Path index = dir.resolve(INDEX);
    if (Files.isDirectory(index)) {
      try (Stream<Path> all = Files.walk(index)) {
        for (Path f : (Iterable<Path>) all::iterator) {
          String id = f.getFileName().toString();
          if (ID.matcher(id).matches()
              && Files.isRegularFile(f)
              && !Files.exists(dir.resolve(id + META))) {
            deleteIfOld(f, before); // a deleted entry's, or a hold that never finished
          }
        }
      }
    }
  }

  private static void deleteIfOld(Path f, Instant before) throws IOException {
    try {
      if (Files.getLastModifiedTime(f).toInstant().isBefore(before)) {
        Files.deleteIfExists(f);
      }
    } catch (NoSuchFileException e) {
      // gone meanwhile
    }
  }

  /**
   * Gives every entry its marker in the tenant index, once per store: entries held before the index
   * existed. Idempotent, so two processes opening the store at once do no harm; until {@code
   * index/.built} exists, a tenant's listing reads every entry instead.
   */
  private void buildIndex() throws IOException {
    Path built = dir.resolve(INDEX).resolve(BUILT);
    if (Files.exists(built)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + META)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        String id = name.substring(0, name.length() - META.length());
        if (!ID.matcher(id).matches()) {
          continue;
        }
        Optional<QuarantineEntry> e;
        try {
          e = read(id);
        } catch (IOException damaged) {
          continue; // listed, with its error, by the full listing only
        }
        if (e.isPresent()) {
          mark(e.get().tenant(), id);
        }
      }
    }
    Files.createDirectories(built.getParent());
    try {
      Files.createFile(built);
    } catch (FileAlreadyExistsException e) {
      // another process finished first
    }
    forceDirectory(built.getParent());
  }

  /** The index directory of a tenant: one level per path segment. */
  private Path tenantDirectory(String tenant) {
    Path p = dir.resolve(INDEX);
    if (!tenant.isEmpty()) {
      for (String segment : tenant.split("/", -1)) {
        p = p.resolve(segmentName(segment));
      }
    }
    return p;
  }

  private static final int MAX_NAME = 200;

  /**
   * A path segment as a directory name: {@code ~}, then the segment with every byte outside {@code
   * [a-z0-9._+@-]} percent-encoded, so that no segment makes a name the file system treats
   * specially ({@code ..}, upper and lower case) or an entry's id. Longer than {@value #MAX_NAME}
   * characters, the name is cut and ends with {@code #} and a hash; such a name can hold several
   * segments, so the entries under it are checked like any other.
   */
  static String segmentName(String segment) {
    StringBuilder b = new StringBuilder("~");
    for (byte x : segment.getBytes(UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '.'
          || c == '_'
          || c == '+'
          || c == '@'
          || c == '-') {
        b.append((char) c);
      } else {
        b.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
      }
    }
    if (b.length() <= MAX_NAME) {
      return b.toString();
    }
    int cut = MAX_NAME - 10;
    while (b.charAt(cut - 1) == '%' || b.charAt(cut - 2) == '%') {
      cut--; // not inside a %XX
    }
    return b.substring(0, cut) + "#" + HexFormat.of().toHexDigits(segment.hashCode());
  }

  /**
   * Whether entries under the directory {@code name} can have a segment here that starts with
   * {@code partial}.
   */
  private static boolean mayStartWith(String name, String partial) {
    if (!name.startsWith("~")) {
      return false;
    }
    if (name.indexOf('#') >= 0) {
      return true; // cut: decided by the entries' own tenant
    }
    try {
      String segment = java.net.URLDecoder.decode(name.substring(1).replace("+", "%2B"), UTF_8);
      return segment.startsWith(partial);
    } catch (IllegalArgumentException e) {
      return false; // not a name of ours
    }
  }

  /**
   * Creates the entry's marker and forces it, and the directories made for it, to disk: it must be
   * there before the {@code .meta} file is.
   */
  private void mark(String tenant, String id) throws IOException {
    Path where = tenantDirectory(tenant);
    List<Path> made = new ArrayList<>();
    for (Path p = where; !Files.isDirectory(p); p = p.getParent()) {
      made.addFirst(p);
    }
    for (Path p : made) {
      try {
        Files.createDirectory(p);
      } catch (FileAlreadyExistsException e) {
        // made meanwhile by another hold
      }
      forceDirectory(p.getParent());
    }
    try {
      Files.createFile(where.resolve(id));
    } catch (FileAlreadyExistsException e) {
      return;
    }
    forceDirectory(where);
  }

  /**
   * Holds a message durably: when this returns, both files and their names are on disk.
   *
   * @return the new entry
   */
  QuarantineEntry hold(Held h) throws IOException {
    Instant now = clock.instant();
    String id = newId(now);
    QuarantineEntry e =
        new QuarantineEntry(
            id,
            now,
            h.from(),
            h.recipients().stream().map(Relay.Recipient::address).toList(),
            h.tenant(),
            h.score(),
            h.symbols(),
            h.route(),
            h.message().length,
            Optional.empty(),
            List.of());
    writeDurably(dir.resolve(id + MESSAGE), h.message());
    mark(h.tenant(), id);
    writeDurably(dir.resolve(id + META), meta(e, h.parameters(), h.recipients()));
    forceDirectory(dir);
    return e;
  }

  private static String newId(Instant now) {
    // Time first, so that names sort in the order the messages were held.
    String time = Long.toString(now.toEpochMilli(), 36);
    byte[] random = new byte[4];
    RANDOM.nextBytes(random);
    return "0".repeat(Math.max(0, 9 - time.length()))
        + time
        + "-"
        + HexFormat.of().formatHex(random);
  }

  private void writeDurably(Path target, byte[] bytes) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + TEMP);
    try (FileChannel c =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        c.write(b);
      }
      c.force(true);
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void forceDirectory(Path dir) throws IOException {
    try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
      c.force(true);
    } catch (IOException e) {
      // Some systems cannot open a directory for reading; the renames are then as durable as the
      // file system makes them.
      if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
        throw e;
      }
    }
  }

  /**
   * One page of the entries that match, in the order they were held. Reads the directory as a
   * stream and the {@code .meta} file only of entries that could be on the page.
   *
   * @param filter which entries to list, e.g. {@code e -> !e.isReleased()}
   * @param after the {@link Page#next()} of the previous page, empty for the first
   * @param limit the page size, 1 to 10,000
   * @throws IOException when the directory cannot be read
   */
  public Page list(Predicate<? super QuarantineEntry> filter, Optional<String> after, int limit)
      throws IOException {
    Objects.requireNonNull(filter, "filter");
    Objects.requireNonNull(after, "after");
    if (limit < 1 || limit > 10_000) {
      throw new IllegalArgumentException("limit must be 1..10000, got " + limit);
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + META)) {
      Stream<String> ids =
          java.util.stream.StreamSupport.stream(files.spliterator(), false)
              .map(f -> f.getFileName().toString())
              .map(name -> name.substring(0, name.length() - META.length()));
      return page(ids::iterator, filter, after, limit);
    }
  }

  /**
   * One page of the entries of a tenant and those under it: those whose tenant path starts with
   * {@code tenant} ({@code acme/} for a reseller's customers, {@code acme/bakery/bakery.example}
   * for a domain), in the order they were held. Reads the names in the tenant index and only the
   * {@code .meta} files of the tenant's entries that could be on the page, not every entry's.
   *
   * @param tenant the tenant path prefix; empty: every entry, as {@link #list(Predicate, Optional,
   *     int)}
   * @param filter which of the tenant's entries to list
   * @param after the {@link Page#next()} of the previous page, empty for the first
   * @param limit the page size, 1 to 10,000
   * @throws IOException when the directory cannot be read
   */
  public Page list(
      String tenant, Predicate<? super QuarantineEntry> filter, Optional<String> after, int limit)
      throws IOException {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(filter, "filter");
    Predicate<QuarantineEntry> ofTenant = e -> e.tenant().startsWith(tenant) && filter.test(e);
    if (tenant.isEmpty() || !Files.exists(dir.resolve(INDEX).resolve(BUILT))) {
      return list(ofTenant, after, limit);
    }
    int slash = tenant.lastIndexOf('/');
    Path base = slash < 0 ? dir.resolve(INDEX) : tenantDirectory(tenant.substring(0, slash));
    String partial = tenant.substring(slash + 1);
    List<Path> roots = new ArrayList<>();
    if (Files.isDirectory(base)) {
      try (DirectoryStream<Path> children = Files.newDirectoryStream(base)) {
        for (Path c : children) {
          if (mayStartWith(c.getFileName().toString(), partial) && Files.isDirectory(c)) {
            roots.add(c);
          }
        }
      }
    }
    List<Stream<Path>> walks = new ArrayList<>();
    try {
      Stream<String> ids = Stream.empty();
      for (Path r : roots) {
        Stream<Path> w = Files.walk(r);
        walks.add(w);
        ids =
            Stream.concat(
                ids, w.map(f -> f.getFileName().toString()).filter(n -> ID.matcher(n).matches()));
      }
      Stream<String> all = ids;
      return page(all::iterator, ofTenant, after, limit);
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    } finally {
      walks.forEach(Stream::close);
    }
  }

  /**
   * The page among {@code ids}: the {@code limit} smallest that match after the cursor, reading
   * only the {@code .meta} files of ids that could be on it.
   */
  private Page page(
      Iterable<String> ids,
      Predicate<? super QuarantineEntry> filter,
      Optional<String> after,
      int limit)
      throws IOException {
    Objects.requireNonNull(after, "after");
    if (limit < 1 || limit > 10_000) {
      throw new IllegalArgumentException("limit must be 1..10000, got " + limit);
    }
    String from = after.orElse("");
    // The page is the `limit` smallest matching ids after the cursor, plus one to know whether a
    // next page exists: a max-heap of that size, whatever the number of entries.
    PriorityQueue<QuarantineEntry> page = new PriorityQueue<>((a, b) -> b.id().compareTo(a.id()));
    for (String id : ids) {
      if (!ID.matcher(id).matches() || id.compareTo(from) <= 0) {
        continue;
      }
      if (page.size() > limit && id.compareTo(page.peek().id()) >= 0) {
        continue;
      }
      Optional<QuarantineEntry> e = read(id);
      if (e.isPresent() && filter.test(e.get())) {
        page.add(e.get());
        if (page.size() > limit + 1) {
          page.poll();
        }
      }
    }
    List<QuarantineEntry> sorted = new ArrayList<>(page);
    sorted.sort((a, b) -> a.id().compareTo(b.id()));
    if (sorted.size() > limit) {
      sorted = sorted.subList(0, limit);
      return new Page(sorted, Optional.of(sorted.getLast().id()));
    }
    return new Page(sorted, Optional.empty());
  }

  /**
   * The entry of this id.
   *
   * @return empty when there is none (deleted, expired, never held, or not an id)
   */
  public Optional<QuarantineEntry> show(String id) throws IOException {
    Objects.requireNonNull(id, "id");
    return ID.matcher(id).matches() ? read(id) : Optional.empty();
  }

  /**
   * The held message, as it would have been relayed.
   *
   * @throws NoSuchFileException when there is no such entry
   */
  public InputStream message(String id) throws IOException {
    requireEntry(id);
    return Files.newInputStream(dir.resolve(id + MESSAGE));
  }

  /**
   * Relays the message to its route, to every recipient it was not released to yet, and, when the
   * route's server accepted it, marks the entry released. A failure leaves it held, to be released
   * again later.
   *
   * @return the route's answer: {@code 250} when relayed, else why not (the entry stays held)
   * @throws NoSuchFileException when there is no such entry
   * @throws IllegalStateException when it was released already, or a release is under way
   */
  public Reply release(String id) throws IOException {
    return release(id, List.of());
  }

  /**
   * Relays the message to some of its recipients: a user releases a message to their own mailbox
   * only, not to the other recipients of the same transaction. The message goes out without the
   * result fields ({@link #withResultFields}) and with {@link #RELEASED_FIELD} on top, so the
   * mailbox's server files it in the inbox. Once the route's server accepted it, those recipients
   * are marked released (the {@code .meta} file rewritten durably), and the entry as a whole once
   * every recipient is.
   *
   * @param to recipients of the entry (compared ignoring case); empty: every one not released yet
   * @return the route's answer: {@code 250} when relayed, else why not (the entry stays held)
   * @throws NoSuchFileException when there is no such entry
   * @throws IllegalArgumentException when an address is not a recipient of the entry
   * @throws IllegalStateException when it was released to all of them already, or a release is
   *     under way
   */
  public Reply release(String id, Collection<String> to) throws IOException {
    requireEntry(id);
    Path lock = dir.resolve(id + LOCK);
    try {
      Files.createFile(lock);
    } catch (FileAlreadyExistsException e) {
      throw new IllegalStateException(
          "quarantine entry "
              + id
              + " is being released by another process (remove "
              + lock
              + " if none is)");
    }
    try {
      // Read again under the lock: another process may have released it just before.
      Properties p = properties(id).orElseThrow(() -> new NoSuchFileException(id));
      QuarantineEntry e = entry(id, p);
      List<Relay.Recipient> all = recipients(p);
      List<Integer> chosen = new ArrayList<>();
      for (String address : to) {
        int i = indexOf(all, address);
        if (i < 0) {
          throw new IllegalArgumentException(
              address + " is not a recipient of quarantine entry " + id);
        }
        if (!chosen.contains(i)) {
          chosen.add(i);
        }
      }
      if (to.isEmpty()) {
        for (int i = 0; i < all.size(); i++) {
          chosen.add(i);
        }
      }
      chosen.removeIf(i -> e.isReleasedTo(all.get(i).address()));
      if (e.isReleased() || chosen.isEmpty()) {
        throw new IllegalStateException(
            "quarantine entry "
                + id
                + " was released already"
                + (to.isEmpty() ? "" : " to " + String.join(", ", to)));
      }
      Instant now = clock.instant();
      byte[] message = released(id, now, Files.readAllBytes(dir.resolve(id + MESSAGE)));
      Reply r =
          relay.deliver(
              e.route(),
              new Relay.Transaction(
                  e.from(), mailParameters(p), chosen.stream().map(all::get).toList(), message));
      // Not rewritten when deleted meanwhile: that would bring back an entry without its message.
      if (r.code() == 250 && Files.exists(dir.resolve(id + META))) {
        for (int i : chosen) {
          p.setProperty("rcpt." + i + ".released", now.toString());
        }
        if (entry(id, p).releasedTo().size() == all.size()) {
          p.setProperty("released", now.toString());
        }
        writeDurably(dir.resolve(id + META), store(p));
        forceDirectory(dir);
      }
      return r;
    } finally {
      Files.deleteIfExists(lock);
    }
  }

  private static int indexOf(List<Relay.Recipient> all, String address) {
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).address().equalsIgnoreCase(address)) {
        return i;
      }
    }
    return -1;
  }

  /** The message as released: without the result fields, with {@link #RELEASED_FIELD} on top. */
  private byte[] released(String id, Instant now, byte[] message) {
    List<HeaderEdit> edits = new ArrayList<>();
    for (String name : resultFields) {
      edits.add(new HeaderEdit.Remove(name));
    }
    edits.add(new HeaderEdit.Prepend(RELEASED_FIELD, id + "; " + now));
    return HeaderEditor.apply(message, message.length, edits);
  }

  /**
   * Deletes the entry.
   *
   * @return whether there was one
   */
  public boolean delete(String id) throws IOException {
    Objects.requireNonNull(id, "id");
    if (!ID.matcher(id).matches()) {
      return false;
    }
    Optional<String> tenant;
    try {
      tenant = read(id).map(QuarantineEntry::tenant);
    } catch (IOException damaged) {
      tenant = Optional.empty(); // its marker, if any, is removed on a later open
    }
    // The .meta first: without it the entry is gone even if the rest stays after a crash.
    boolean existed = Files.deleteIfExists(dir.resolve(id + META));
    Files.deleteIfExists(dir.resolve(id + MESSAGE));
    Files.deleteIfExists(dir.resolve(id + LOCK));
    if (tenant.isPresent()) {
      Files.deleteIfExists(tenantDirectory(tenant.get()).resolve(id));
    }
    return existed;
  }

  /**
   * Deletes the entries held longer than the lifetime, released or not. A damaged {@code .meta}
   * file counts from its modification time. The gateway calls it hourly.
   *
   * @return how many were deleted
   */
  public int expire() throws IOException {
    Instant limit = clock.instant().minus(lifetime);
    int deleted = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + META)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        String id = name.substring(0, name.length() - META.length());
        if (!ID.matcher(id).matches()) {
          continue;
        }
        Instant held;
        try {
          Optional<QuarantineEntry> e = read(id);
          if (e.isEmpty()) {
            continue;
          }
          held = e.get().time();
        } catch (IOException damaged) {
          // A damaged entry must not stop expiry of the others, nor stay for ever.
          held = Files.getLastModifiedTime(f).toInstant();
        }
        if (held.isBefore(limit) && delete(id)) {
          deleted++;
        }
      }
    }
    return deleted;
  }

  private void requireEntry(String id) throws IOException {
    Objects.requireNonNull(id, "id");
    if (!ID.matcher(id).matches() || !Files.exists(dir.resolve(id + META))) {
      throw new NoSuchFileException("no quarantine entry " + id);
    }
  }

  private Optional<QuarantineEntry> read(String id) throws IOException {
    Optional<Properties> p = properties(id);
    return p.isEmpty() ? Optional.empty() : Optional.of(entry(id, p.get()));
  }

  private Optional<Properties> properties(String id) throws IOException {
    String text;
    try {
      text = Files.readString(dir.resolve(id + META), UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty(); // deleted meanwhile
    }
    Properties p = new Properties();
    p.load(new StringReader(text));
    return Optional.of(p);
  }

  // The .meta file: java.util.Properties, so that any text round-trips.

  private static byte[] meta(
      QuarantineEntry e, MailParameters parameters, List<Relay.Recipient> recipients)
      throws IOException {
    Properties p = new Properties();
    p.setProperty("time", e.time().toString());
    p.setProperty("from", e.from());
    p.setProperty("mail.smtputf8", Boolean.toString(parameters.smtpUtf8()));
    p.setProperty("mail.parameters", wire(parameters.all()));
    p.setProperty("rcpt.count", Integer.toString(recipients.size()));
    for (int i = 0; i < recipients.size(); i++) {
      p.setProperty("rcpt." + i, recipients.get(i).address());
      p.setProperty("rcpt." + i + ".parameters", wire(recipients.get(i).parameters().all()));
    }
    p.setProperty("tenant", e.tenant());
    p.setProperty("score", Double.toString(e.score()));
    p.setProperty("symbols", String.join(" ", e.symbols()));
    p.setProperty("route.host", e.route().host());
    p.setProperty("route.mx", Boolean.toString(e.route().mx()));
    p.setProperty("route.port", Integer.toString(e.route().port()));
    p.setProperty("route.tls", e.route().tls().name());
    p.setProperty("size", Long.toString(e.size()));
    return store(p);
  }

  private static byte[] store(Properties p) throws IOException {
    java.io.StringWriter w = new java.io.StringWriter();
    p.store(w, null);
    return w.toString().getBytes(UTF_8);
  }

  /** ESMTP parameters as on the wire: {@code KEY=VALUE KEY}; values never contain spaces. */
  private static String wire(Map<String, String> all) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e : all.entrySet()) {
      if (!b.isEmpty()) {
        b.append(' ');
      }
      b.append(e.getKey());
      if (!e.getValue().isEmpty()) {
        b.append('=').append(e.getValue());
      }
    }
    return b.toString();
  }

  private static SequencedMap<String, String> unwire(String text) {
    SequencedMap<String, String> all = new LinkedHashMap<>();
    for (String word : text.split(" ")) {
      if (!word.isEmpty()) {
        int eq = word.indexOf('=');
        all.put(eq < 0 ? word : word.substring(0, eq), eq < 0 ? "" : word.substring(eq + 1));
      }
    }
    return all;
  }

  private QuarantineEntry entry(String id, Properties p) throws IOException {
    try {
      int count = Integer.parseInt(required(p, "rcpt.count"));
      List<String> rcpts = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        rcpts.add(required(p, "rcpt." + i));
      }
      String symbols = p.getProperty("symbols", "");
      String released = p.getProperty("released");
      List<String> releasedTo = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        // A store from before per-recipient releases marked the entry only: all of them.
        if (p.getProperty("rcpt." + i + ".released") != null || released != null) {
          releasedTo.add(rcpts.get(i));
        }
      }
      return new QuarantineEntry(
          id,
          Instant.parse(required(p, "time")),
          required(p, "from"),
          rcpts,
          p.getProperty("tenant", ""),
          Double.parseDouble(p.getProperty("score", "0")),
          symbols.isEmpty() ? List.of() : Arrays.asList(symbols.split(" ")),
          new Route(
              required(p, "route.host"),
              Boolean.parseBoolean(required(p, "route.mx")),
              Integer.parseInt(required(p, "route.port")),
              TlsPolicy.valueOf(required(p, "route.tls"))),
          Long.parseLong(p.getProperty("size", "0")),
          released == null ? Optional.empty() : Optional.of(Instant.parse(released)),
          releasedTo);
    } catch (RuntimeException e) {
      throw new IOException(dir.resolve(id + META) + ": damaged: " + e.getMessage(), e);
    }
  }

  private static String required(Properties p, String key) {
    String v = p.getProperty(key);
    if (v == null) {
      throw new IllegalArgumentException("no " + key);
    }
    return v;
  }

  private static MailParameters mailParameters(Properties p) {
    return new MailParameters(
        OptionalLong.empty(),
        Optional.empty(),
        Boolean.parseBoolean(p.getProperty("mail.smtputf8", "false")),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        unwire(p.getProperty("mail.parameters", "")));
  }

  private static List<Relay.Recipient> recipients(Properties p) {
    int count = Integer.parseInt(p.getProperty("rcpt.count"));
    List<Relay.Recipient> rcpts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      rcpts.add(
          new Relay.Recipient(
              p.getProperty("rcpt." + i),
              new RcptParameters(
                  Set.of(),
                  Optional.empty(),
                  unwire(p.getProperty("rcpt." + i + ".parameters", "")))));
    }
    return Collections.unmodifiableList(rcpts);
  }

  @Override
  public String toString() {
    return "Quarantine[" + dir + ", lifetime " + lifetime + "]";
  }
}
