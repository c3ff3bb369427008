package dev.mailfilter.cluster.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailfilter.cluster.TenantPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The API keys: each a random secret shown once when made, kept only as its SHA-256.
 *
 * <p>A key is {@code mfk_<id>_<secret>}: the id (8 random bytes, hex) finds the record, the secret
 * (32 random bytes, base64url) proves it. SHA-256 rather than a slow password hash (bcrypt,
 * Argon2): those slow down guessing a low-entropy password, while a 256-bit random secret cannot be
 * guessed at any speed, and a slow hash would cost every request tens of milliseconds. The stored
 * digests are compared in constant time ({@link MessageDigest#isEqual}).
 *
 * <p>Kept in the Redis tenant store ({@link #inStore}: every node's admin API accepts the same
 * keys, and a revocation holds on all of them at the next request, as each request reads the key's
 * record from the primary), in one JSON file (written to a temporary file and moved into place), or
 * only in memory.
 *
 * <p>Making and revoking a key is audited with the principal who did it (never the secret): in
 * Redis in the stream {@code keys:audit}, with a file in {@code <file>.audit.jsonl} beside it.
 */
public final class ApiKeys {
  /** One key's record, without its secret. */
  public record KeyRecord(String id, Principal principal, String sha256, Instant created) {}

  /** A key just made: the only time its secret is known. */
  public record Issued(String key, KeyRecord record) {}

  /**
   * One entry of the key audit log.
   *
   * @param at when
   * @param op {@code issue} or {@code revoke}
   * @param keyId the key's id (not its secret)
   * @param role the key's role
   * @param scope the key's scope
   * @param by the principal who made or revoked it ({@link Principal#auditName()}, or the command
   *     for a key made at the command line)
   */
  public record KeyEvent(
      Instant at, String op, String keyId, String role, String scope, String by) {
    Map<String, String> fields() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("at", at.toString());
      m.put("op", op);
      m.put("key_id", keyId);
      m.put("role", role);
      m.put("scope", scope);
      m.put("by", by);
      return m;
    }

    static KeyEvent of(Map<String, String> m) {
      return new KeyEvent(
          Instant.parse(m.get("at")),
          m.get("op"),
          m.get("key_id"),
          m.get("role"),
          m.get("scope"),
          m.get("by"));
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private final Optional<Path> file;
  private final Optional<dev.mailfilter.cluster.RedisTenantStore> redis;
  private final Map<String, KeyRecord> byId = new LinkedHashMap<>();
  private final List<KeyEvent> memoryAudit = new java.util.ArrayList<>();
  private String loaded; // the file's time, size and identity when last read or written here

  private ApiKeys(Optional<Path> file, Optional<dev.mailfilter.cluster.RedisTenantStore> redis) {
    this.file = file;
    this.redis = redis;
  }

  /**
   * Keys kept in the Redis tenant store: shared by the admin API of every node on that store. Redis
   * unreachable makes {@link #authenticate} throw {@link
   * dev.mailfilter.cluster.TenantStoreException} (the API answers 503), never accept a key.
   */
  public static ApiKeys inStore(dev.mailfilter.cluster.RedisTenantStore store) {
    return new ApiKeys(Optional.empty(), Optional.of(store));
  }

  /** Keys held in memory only (tests, a throw-away server). */
  public static ApiKeys inMemory() {
    return new ApiKeys(Optional.empty(), Optional.empty());
  }

  /**
   * Keys kept in {@code file}, loaded now if it exists. The file is read again whenever it changes
   * (another process, such as {@code mailfilter admin} beside {@code mailfilter web}, made or
   * revoked a key), checked before each use. A key made in two processes at the same instant may
   * lose one of the two writes (the file is replaced whole); make keys in one place at a time.
   */
  public static ApiKeys open(Path file) throws IOException {
    ApiKeys keys = new ApiKeys(Optional.of(file), Optional.empty());
    synchronized (keys) {
      keys.read();
    }
    return keys;
  }

  /** Reads the file into the map (empty when there is no file), noting its size and time. */
  private void read() throws IOException {
    Path f = file.orElseThrow();
    if (!Files.exists(f)) {
      byId.clear();
      loaded = null;
      return;
    }
    java.nio.file.attribute.BasicFileAttributes attrs =
        Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class);
    Map<String, KeyRecord> read = new LinkedHashMap<>();
    JsonNode root = Json.MAPPER.readTree(Files.readString(f, StandardCharsets.UTF_8));
    for (JsonNode k : root.path("keys")) {
      KeyRecord r = record(k, f.toString());
      read.put(r.id(), r);
    }
    byId.clear();
    byId.putAll(read);
    loaded = stamp(attrs);
  }

  /** Reads the file again if it changed since it was last read or written here. */
  private void refresh() {
    if (file.isEmpty()) {
      return;
    }
    try {
      String now =
          Files.exists(file.get())
              ? stamp(
                  Files.readAttributes(
                      file.get(), java.nio.file.attribute.BasicFileAttributes.class))
              : null;
      if (!java.util.Objects.equals(now, loaded)) {
        read();
      }
    } catch (IOException | RuntimeException e) {
      // A file being replaced or damaged: keep the keys in memory, try again next time.
      AdminApi.log().warn("cannot re-read the key file {}: {}", file.get(), e.toString());
    }
  }

  private static String stamp(java.nio.file.attribute.BasicFileAttributes a) {
    return a.lastModifiedTime().toInstant() + "/" + a.size() + "/" + a.fileKey();
  }

  private static KeyRecord record(JsonNode k, String where) throws IOException {
    Optional<Role> role = Role.ofWire(k.path("role").asText());
    if (role.isEmpty()) {
      throw new IOException(where + ": unknown role " + k.path("role"));
    }
    String id = k.path("id").asText();
    Principal p;
    try {
      p =
          new Principal(
              id, k.path("name").asText(), role.get(), TenantPath.parse(k.path("scope").asText()));
      return new KeyRecord(
          id, p, k.path("sha256").asText(), Instant.parse(k.path("created").asText()));
    } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
      throw new IOException(where + ": key " + id + ": " + e.getMessage(), e);
    }
  }

  private static ObjectNode json(KeyRecord r) {
    ObjectNode k = Json.MAPPER.createObjectNode();
    k.put("id", r.id());
    k.put("name", r.principal().name());
    k.put("role", r.principal().role().wireName());
    k.put("scope", r.principal().scope().toString());
    k.put("sha256", r.sha256());
    k.put("created", r.created().toString());
    return k;
  }

  /** The record of a key held in Redis; a record that does not parse authenticates nobody. */
  private static Optional<KeyRecord> parse(String id, String stored) {
    try {
      return Optional.of(record(Json.MAPPER.readTree(stored), "key store"));
    } catch (IOException e) {
      AdminApi.log().warn("admin: key {} in the store is not readable: {}", id, e.getMessage());
      return Optional.empty();
    }
  }

  /** {@link #issue(String, Role, TenantPath, String)} made at the command line. */
  public Issued issue(String name, Role role, TenantPath scope) {
    return issue(name, role, scope, "mailfilter admin (command line)");
  }

  /**
   * Makes a key for a principal of {@code role} at {@code scope}; its secret is returned once.
   *
   * @param by who makes it, for the audit log
   */
  public synchronized Issued issue(String name, Role role, TenantPath scope, String by) {
    byte[] idBytes = new byte[8];
    byte[] secret = new byte[32];
    RANDOM.nextBytes(idBytes);
    RANDOM.nextBytes(secret);
    String id = HexFormat.of().formatHex(idBytes);
    String key = "mfk_" + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    KeyRecord rec =
        new KeyRecord(id, new Principal(id, name, role, scope), sha256(key), Instant.now());
    KeyEvent event =
        new KeyEvent(rec.created(), "issue", id, role.wireName(), scope.toString(), by);
    if (redis.isPresent()) {
      redis.get().putKey(id, json(rec).toString(), event.fields());
    } else {
      refresh();
      byId.put(id, rec);
      save();
      audit(event);
    }
    return new Issued(key, rec);
  }

  /** The principal of a presented key, or empty when the key is unknown, revoked or malformed. */
  public Optional<Principal> authenticate(String key) {
    // Not synchronized as a whole: with Redis each request's read is a round trip, and requests
    // must not queue behind one another for it.
    if (key == null || !key.startsWith("mfk_") || key.length() > 200) {
      return Optional.empty();
    }
    int sep = key.indexOf('_', 4);
    if (sep < 0) {
      return Optional.empty();
    }
    String id = key.substring(4, sep);
    KeyRecord rec = get(id).orElse(null);
    if (rec == null) {
      return Optional.empty();
    }
    boolean same =
        MessageDigest.isEqual(
            sha256(key).getBytes(StandardCharsets.US_ASCII),
            rec.sha256().getBytes(StandardCharsets.US_ASCII));
    return same ? Optional.of(rec.principal()) : Optional.empty();
  }

  /** Every key's record, oldest first. */
  public List<KeyRecord> list() {
    if (redis.isPresent()) {
      List<KeyRecord> out = new java.util.ArrayList<>();
      redis.get().keyRecords().forEach((id, json) -> parse(id, json).ifPresent(out::add));
      out.sort(java.util.Comparator.comparing(KeyRecord::created).thenComparing(KeyRecord::id));
      return out;
    }
    synchronized (this) {
      refresh();
      return List.copyOf(byId.values());
    }
  }

  /** The record of one key id. */
  public Optional<KeyRecord> get(String id) {
    if (redis.isPresent()) {
      return redis.get().keyRecord(id).flatMap(json -> parse(id, json));
    }
    synchronized (this) {
      refresh();
      return Optional.ofNullable(byId.get(id));
    }
  }

  /** {@link #revoke(String, String)} at the command line. */
  public boolean revoke(String id) {
    return revoke(id, "mailfilter admin (command line)");
  }

  /**
   * Revokes a key; false when there was none.
   *
   * @param by who revokes it, for the audit log
   */
  public synchronized boolean revoke(String id, String by) {
    Optional<KeyRecord> rec = get(id);
    if (rec.isEmpty()) {
      return false;
    }
    KeyEvent event =
        new KeyEvent(
            Instant.now(),
            "revoke",
            id,
            rec.get().principal().role().wireName(),
            rec.get().principal().scope().toString(),
            by);
    if (redis.isPresent()) {
      return redis.get().removeKey(id, event.fields());
    }
    byId.remove(id);
    save();
    audit(event);
    return true;
  }

  /** The key audit log, oldest first, at most {@code limit} entries. */
  public synchronized List<KeyEvent> audit(int limit) {
    if (redis.isPresent()) {
      return redis.get().keyAudit(limit).stream().map(KeyEvent::of).toList();
    }
    if (file.isEmpty()) {
      return List.copyOf(memoryAudit.subList(0, Math.min(limit, memoryAudit.size())));
    }
    Path log = auditFile(file.get());
    if (!Files.exists(log)) {
      return List.of();
    }
    try {
      List<KeyEvent> out = new java.util.ArrayList<>();
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (out.size() == limit) {
          break;
        }
        Map<String, String> m = new LinkedHashMap<>();
        Json.MAPPER
            .readTree(line)
            .properties()
            .forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        out.add(KeyEvent.of(m));
      }
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read the key audit log " + log, e);
    }
  }

  private static Path auditFile(Path keys) {
    return keys.resolveSibling(keys.getFileName() + ".audit.jsonl");
  }

  private void audit(KeyEvent event) {
    if (file.isEmpty()) {
      memoryAudit.add(event);
      return;
    }
    Path log = auditFile(file.get());
    ObjectNode o = Json.MAPPER.createObjectNode();
    event.fields().forEach(o::put);
    try {
      // Appended and forced: the audit of a key outlives a crash right after the answer.
      try (java.nio.channels.FileChannel ch =
          java.nio.channels.FileChannel.open(
              log,
              java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.APPEND,
              java.nio.file.StandardOpenOption.WRITE)) {
        ch.write(
            java.nio.ByteBuffer.wrap(
                (Json.MAPPER.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8)));
        ch.force(true);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot write the key audit log " + log, e);
    }
  }

  private void save() {
    if (file.isEmpty()) {
      return;
    }
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode arr = root.putArray("keys");
    for (KeyRecord r : byId.values()) {
      arr.add(json(r));
    }
    Path target = file.get();
    try {
      Path parent = target.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = Files.createTempFile(parent, ".keys", ".tmp");
      Files.writeString(tmp, Json.MAPPER.writeValueAsString(root), StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      loaded =
          stamp(Files.readAttributes(target, java.nio.file.attribute.BasicFileAttributes.class));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot write the key file " + target, e);
    }
  }

  static String sha256(String key) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
