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
import java.nio.file.attribute.BasicFileAttributes;
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
 * <p>Kept in one JSON file (written to a temporary file and moved into place), or only in memory
 * when no file is given. Several processes may share the file (the admin API and the web pages):
 * each reads it again when it changed. A key made in two processes at the same instant may lose one
 * of the two writes (the file is replaced whole); make keys in one place at a time.
 */
public final class ApiKeys {
  /** One key's record, without its secret. */
  public record KeyRecord(String id, Principal principal, String sha256, Instant created) {}

  /** A key just made: the only time its secret is known. */
  public record Issued(String key, KeyRecord record) {}

  private static final SecureRandom RANDOM = new SecureRandom();
  private final Optional<Path> file;
  private final Map<String, KeyRecord> byId = new LinkedHashMap<>();
  private String loaded; // the file's time, size and identity when last read or written here

  private ApiKeys(Optional<Path> file) {
    this.file = file;
  }

  /** Keys held in memory only (tests, a throw-away server). */
  public static ApiKeys inMemory() {
    return new ApiKeys(Optional.empty());
  }

  /**
   * Keys kept in {@code file}, loaded now if it exists. The file is read again whenever it changes
   * (another process, such as {@code mailfilter admin} beside {@code mailfilter web}, made or
   * revoked a key), checked before each use.
   */
  public static ApiKeys open(Path file) throws IOException {
    ApiKeys keys = new ApiKeys(Optional.of(file));
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
    BasicFileAttributes attrs = Files.readAttributes(f, BasicFileAttributes.class);
    Map<String, KeyRecord> read = new LinkedHashMap<>();
    JsonNode root = Json.MAPPER.readTree(Files.readString(f, StandardCharsets.UTF_8));
    for (JsonNode k : root.path("keys")) {
      Optional<Role> role = Role.ofWire(k.path("role").asText());
      if (role.isEmpty()) {
        throw new IOException(f + ": unknown role " + k.path("role"));
      }
      String id = k.path("id").asText();
      Principal p;
      try {
        p =
            new Principal(
                id,
                k.path("name").asText(),
                role.get(),
                TenantPath.parse(k.path("scope").asText()));
      } catch (IllegalArgumentException e) {
        throw new IOException(f + ": key " + id + ": " + e.getMessage(), e);
      }
      read.put(
          id,
          new KeyRecord(
              id, p, k.path("sha256").asText(), Instant.parse(k.path("created").asText())));
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
              ? stamp(Files.readAttributes(file.get(), BasicFileAttributes.class))
              : null;
      if (!java.util.Objects.equals(now, loaded)) {
        read();
      }
    } catch (IOException | RuntimeException e) {
      // A file being replaced or damaged: keep the keys in memory, try again next time.
      org.slf4j.LoggerFactory.getLogger(ApiKeys.class)
          .warn("cannot re-read the key file {}: {}", file.get(), e.toString());
    }
  }

  private static String stamp(BasicFileAttributes a) {
    return a.lastModifiedTime().toInstant() + "/" + a.size() + "/" + a.fileKey();
  }

  /** Makes a key for a principal of {@code role} at {@code scope}; its secret is returned once. */
  public synchronized Issued issue(String name, Role role, TenantPath scope) {
    refresh();
    byte[] idBytes = new byte[8];
    byte[] secret = new byte[32];
    RANDOM.nextBytes(idBytes);
    RANDOM.nextBytes(secret);
    String id = HexFormat.of().formatHex(idBytes);
    String key = "mfk_" + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    KeyRecord rec =
        new KeyRecord(id, new Principal(id, name, role, scope), sha256(key), Instant.now());
    byId.put(id, rec);
    save();
    return new Issued(key, rec);
  }

  /** The principal of a presented key, or empty when the key is unknown, revoked or malformed. */
  public synchronized Optional<Principal> authenticate(String key) {
    refresh();
    if (key == null || !key.startsWith("mfk_") || key.length() > 200) {
      return Optional.empty();
    }
    int sep = key.indexOf('_', 4);
    if (sep < 0) {
      return Optional.empty();
    }
    KeyRecord rec = byId.get(key.substring(4, sep));
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
  public synchronized List<KeyRecord> list() {
    refresh();
    return List.copyOf(byId.values());
  }

  /** The record of one key id. */
  public synchronized Optional<KeyRecord> get(String id) {
    refresh();
    return Optional.ofNullable(byId.get(id));
  }

  /** Revokes a key; false when there was none. */
  public synchronized boolean revoke(String id) {
    refresh();
    boolean had = byId.remove(id) != null;
    if (had) {
      save();
    }
    return had;
  }

  private void save() {
    if (file.isEmpty()) {
      return;
    }
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode arr = root.putArray("keys");
    for (KeyRecord r : byId.values()) {
      ObjectNode k = arr.addObject();
      k.put("id", r.id());
      k.put("name", r.principal().name());
      k.put("role", r.principal().role().wireName());
      k.put("scope", r.principal().scope().toString());
      k.put("sha256", r.sha256());
      k.put("created", r.created().toString());
    }
    Path target = file.get();
    try {
      Path parent = target.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = Files.createTempFile(parent, ".keys", ".tmp");
      Files.writeString(tmp, Json.MAPPER.writeValueAsString(root), StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      loaded = stamp(Files.readAttributes(target, BasicFileAttributes.class));
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
