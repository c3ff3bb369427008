package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mailfilter.cluster.Snapshot;
import dev.mailfilter.cluster.Tenant;
import dev.mailfilter.cluster.TenantPage;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.TenantStoreException;
import dev.mailfilter.cluster.WriteResult;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.smtp.Quarantine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code mailfilter restore BACKUP.tar --config FILE [--force]}: puts a {@link BackupCommand}
 * archive's state back. First the whole archive is read and checked (every header, every entry's
 * SHA-256 against the manifest, the manifest's own checksum, the end of the archive), and the
 * archived configuration is validated; only then is anything written, each file to a temporary name
 * beside its place (checked again while written), and renamed into place when all are there.
 * Existing state (the configuration file, a model, a non-empty quarantine, a file the configuration
 * names) is refused without {@code --force}.
 */
final class RestoreCommand {
  static final String USAGE =
      "usage: mailfilter restore BACKUP.tar --config FILE [--tenant-store DIR|REDIS_URI] [--force]";

  /** The largest entry a restore accepts: far above a model of 2^28 weights (1 GiB). */
  static final long MAX_ENTRY = 4L << 30;

  /** The manifest, the configuration and the tenant tree are read into memory: a bound for each. */
  static final long MAX_IN_MEMORY = 256L << 20;

  private static final String STAGED = ".restore-tmp";

  private RestoreCommand() {}

  static int run(List<String> argList, PrintStream out, PrintStream err) {
    if (argList.contains("--help") || argList.contains("-h")) {
      out.println(USAGE);
      out.println("  checks the whole archive first (checksums, manifest, configuration), then");
      out.println("  writes the configuration to FILE and the model, quarantine, statistics and");
      out.println("  the files it names where the restored configuration names them, and the");
      out.println("  tenant tree into the store of --tenant-store (each node a change, as the");
      out.println("  admin API writes, so a running cluster's nodes apply it as they follow it);");
      out.println("  refuses to replace existing state without --force (a replaced quarantine");
      out.println("  directory is kept beside it as DIR.before-restore-TIME)");
      out.println("exit status: 0 restored; 2 a usage error, existing state or a damaged archive,");
      out.println("nothing written, or restored but the configuration does not load here");
      return 0;
    }
    List<String> args = new ArrayList<>(argList);
    String archive = null;
    if (!args.isEmpty() && !args.getFirst().startsWith("-")) {
      archive = args.removeFirst();
    }
    try {
      Options o = Options.parse(args, Set.of("--config", "--tenant-store"), Set.of("--force"));
      String config = o.single("--config", null);
      if (archive == null || config == null) {
        throw new IllegalArgumentException("a BACKUP.tar and --config FILE are required");
      }
      Optional<String> store = Optional.ofNullable(o.single("--tenant-store", null));
      Result r = restore(Path.of(archive), Path.of(config), store, o.has("--force"));
      out.println("restored " + archive + " (" + r.manifest().created() + ", " + r + ")");
      try {
        NodeState.of(Path.of(config));
      } catch (ConfigException | IOException e) {
        // Restored, but this host lacks something the configuration needs (a distribution rule
        // directory, a network it names): say so now rather than at the server's start.
        err.println(
            "mailfilter restore: restored, but "
                + config
                + " does not load here: "
                + e.getMessage());
        return 2;
      }
      return 0;
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("mailfilter restore: " + e.getMessage());
      return 2;
    } catch (NoSuchFileException e) {
      err.println("mailfilter restore: " + e.getMessage() + ": no such file");
      return 2;
    } catch (IOException | UncheckedIOException | TenantStoreException e) {
      err.println("mailfilter restore: " + e.getMessage());
      return 2;
    }
  }

  /** What was restored. */
  record Result(BackupManifest manifest, int files, int quarantined, int tenants) {
    @Override
    public String toString() {
      return manifest.entries().size()
          + " entries, "
          + files
          + " files, "
          + quarantined
          + " quarantine entries, "
          + tenants
          + " tenants, made on "
          + manifest.host();
    }
  }

  /**
   * Checks the archive whole, then restores it.
   *
   * @throws IOException naming what is wrong: a damaged or truncated archive, an entry that is not
   *     a regular file or escapes, existing state without {@code force}; nothing is written then
   */
  static Result restore(Path archive, Path configFile, Optional<String> tenantStore, boolean force)
      throws IOException {
    Verified v = verify(archive);
    Optional<Snapshot> tenants = Optional.empty();
    if (v.tenants().isPresent()) {
      if (tenantStore.isEmpty()) {
        throw new IOException(
            archive + ": holds a tenant tree: name the store to restore it to with --tenant-store");
      }
      try {
        Snapshot snapshot = Snapshot.fromJson(new String(v.tenants().get(), UTF_8));
        snapshot.config(); // the whole tree valid, as a node would apply it
        tenants = Optional.of(snapshot);
      } catch (IllegalArgumentException | IllegalStateException | ConfigException e) {
        throw new IOException(archive + ": its tenant tree is not valid: " + e.getMessage(), e);
      }
    } else if (tenantStore.isPresent()) {
      throw new IOException(archive + ": holds no tenant tree for --tenant-store");
    }
    NodeState state;
    try {
      state = NodeState.of(new String(v.config(), UTF_8), archive + " (its configuration)", false);
    } catch (ConfigException e) {
      throw new IOException(archive + ": its configuration is not valid here: " + e.getMessage());
    }
    Map<String, Path> targets = targets(v.manifest(), state, configFile, archive);
    if (!force) {
      refuseExisting(targets, state, configFile);
      if (tenantStore.isPresent()) {
        Optional<TenantStore> existing = TenantStores.open(tenantStore.get(), false);
        if (existing.isPresent()) {
          try (TenantStore store = existing.get()) {
            if (store.version() > 0) {
              throw new IOException(
                  "tenant store "
                      + tenantStore.get()
                      + " is at version "
                      + store.version()
                      + ": restore replaces existing state only with --force");
            }
          }
        }
      }
    }
    Result r = write(archive, v.manifest(), targets, state);
    int restoredTenants = 0;
    if (tenants.isPresent()) {
      try (TenantStore store = TenantStores.create(tenantStore.get())) {
        restoredTenants = replaceTree(store, tenants.get());
      }
    }
    return new Result(r.manifest(), r.files(), r.quarantined(), restoredTenants);
  }

  private static final String PRINCIPAL = "mailfilter-restore";

  /**
   * Replaces the store's tree by the snapshot's, one change per node through the store's API (so
   * versions go on from the store's own and the audit log names the restore): every top-level node
   * is deleted with its subtree, then each node of the snapshot created, parents first.
   */
  static int replaceTree(TenantStore store, Snapshot snapshot) throws IOException {
    List<Tenant> top = new ArrayList<>();
    Optional<String> cursor = Optional.empty();
    do {
      TenantPage page = store.children(TenantPath.root(), cursor, 1000);
      top.addAll(page.items());
      cursor = page.next();
    } while (cursor.isPresent());
    for (Tenant t : top) {
      written(store.delete(t.path(), t.version(), true, PRINCIPAL), t.path());
    }
    for (Tenant t : snapshot.tenants()) {
      written(store.create(t.path(), t.settings(), t.brand(), PRINCIPAL), t.path());
    }
    return snapshot.tenants().size();
  }

  private static void written(WriteResult r, TenantPath path) throws IOException {
    if (!(r instanceof WriteResult.Written)) {
      throw new IOException("tenant store: restoring " + path + " failed: " + r);
    }
  }

  /** The manifest, the configuration's bytes and the tenant tree's of an archive checked whole. */
  record Verified(BackupManifest manifest, byte[] config, Optional<byte[]> tenants) {}

  /** Reads every entry, checking it against the manifest; writes nothing. */
  static Verified verify(Path archive) throws IOException {
    try (InputStream in = BackupCommand.open(archive)) {
      return verify(in, Files.size(archive), archive.toString());
    }
  }

  /** {@link #verify(Path)} of {@code length} bytes from {@code in}, named {@code archive}. */
  static Verified verify(InputStream in, long length, String archive) throws IOException {
    List<String[]> seen = new ArrayList<>(); // name, size, sha256
    byte[] manifestBytes = null;
    byte[] config = null;
    byte[] tenants = null;
    try {
      Tar.Reader tar = new Tar.Reader(in, length, MAX_ENTRY);
      Tar.Header h;
      while ((h = tar.next()) != null) {
        if (manifestBytes != null) {
          throw new IOException(archive + ": entry '" + h.name() + "' after the manifest");
        }
        if (h.name().equals(BackupManifest.NAME)
            || h.name().startsWith("config/")
            || h.name().startsWith("tenants/")) {
          if (h.size() > MAX_IN_MEMORY) {
            throw new IOException(
                archive + ": entry '" + h.name() + "' is " + h.size() + " bytes, too large");
          }
          byte[] b = tar.data().readAllBytes();
          if (h.name().equals(BackupManifest.NAME)) {
            manifestBytes = b;
            continue;
          }
          if (h.name().startsWith("tenants/")) {
            if (tenants != null) {
              throw new IOException(archive + ": two tenant trees");
            }
            tenants = b;
            seen.add(new String[] {h.name(), "" + h.size(), BackupManifest.sha256Hex(b)});
            continue;
          }
          if (config != null) {
            throw new IOException(archive + ": two configuration entries");
          }
          config = b;
          seen.add(new String[] {h.name(), "" + h.size(), BackupManifest.sha256Hex(b)});
        } else {
          MessageDigest md = BackupManifest.sha256();
          long n =
              tar.data().transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), md));
          seen.add(new String[] {h.name(), "" + n, HexFormat.of().formatHex(md.digest())});
        }
      }
      tar.expectEnd();
    } catch (IOException e) {
      throw new IOException(archive + ": " + e.getMessage(), e);
    }
    if (manifestBytes == null) {
      throw new IOException(archive + ": no manifest (truncated or not a mailfilter backup)");
    }
    BackupManifest m;
    try {
      m = BackupManifest.decode(manifestBytes);
    } catch (IllegalArgumentException e) {
      throw new IOException(archive + ": " + e.getMessage(), e);
    }
    if (m.entries().size() != seen.size()) {
      throw new IOException(
          archive
              + ": the manifest lists "
              + m.entries().size()
              + " entries, the archive holds "
              + seen.size());
    }
    for (int i = 0; i < seen.size(); i++) {
      BackupManifest.Entry e = m.entries().get(i);
      String[] s = seen.get(i);
      if (!e.name().equals(s[0])) {
        throw new IOException(
            archive
                + ": entry "
                + (i + 1)
                + " is '"
                + s[0]
                + "', the manifest says '"
                + e.name()
                + "'");
      }
      if (e.size() != Long.parseLong(s[1]) || !e.sha256().equals(s[2])) {
        throw new IOException(archive + ": entry '" + e.name() + "': checksum mismatch (damaged)");
      }
    }
    long configs = m.entries().stream().filter(e -> e.kind() == BackupManifest.Kind.CONFIG).count();
    if (configs != 1 || config == null) {
      throw new IOException(archive + ": holds " + configs + " configurations, not one");
    }
    for (BackupManifest.Entry e : m.entries()) {
      boolean configName = e.name().startsWith("config/");
      boolean treeName = e.name().startsWith("tenants/");
      if (configName != (e.kind() == BackupManifest.Kind.CONFIG)
          || treeName != (e.kind() == BackupManifest.Kind.TENANTS)) {
        throw new IOException(archive + ": entry '" + e.name() + "' is not of kind " + e.kind());
      }
    }
    long trees = m.entries().stream().filter(e -> e.kind() == BackupManifest.Kind.TENANTS).count();
    if (trees != (tenants == null ? 0 : 1)) {
      throw new IOException(archive + ": the manifest's tenant tree is not the archive's");
    }
    return new Verified(m, config, Optional.ofNullable(tenants));
  }

  /** Where each entry goes: only where the restored configuration names. */
  private static Map<String, Path> targets(
      BackupManifest m, NodeState state, Path configFile, Path archive) throws IOException {
    Map<String, Path> t = new LinkedHashMap<>();
    for (BackupManifest.Entry e : m.entries()) {
      String base = e.name().substring(e.name().lastIndexOf('/') + 1);
      Path where =
          switch (e.kind()) {
            case CONFIG -> configFile;
            case CONFIG_FILE -> {
              if (!state.names(e.source())) {
                throw new IOException(
                    archive
                        + ": entry '"
                        + e.name()
                        + "' is for "
                        + e.source()
                        + ", which its configuration does not name");
              }
              yield Path.of(e.source());
            }
            case MODEL ->
                state
                    .model()
                    .orElseThrow(
                        () -> new IOException(archive + ": a model but no model.path to put it"));
            case QUARANTINE ->
                state
                    .quarantine()
                    .orElseThrow(
                        () ->
                            new IOException(
                                archive + ": a quarantine but no smtp.quarantine.dir to put it"))
                    .resolve(base);
            case STATS ->
                state
                    .reportDir()
                    .orElseThrow(
                        () ->
                            new IOException(
                                archive + ": statistics but no checks.dmarc.report_dir"))
                    .resolve(base);
            case TENANTS -> null; // through the store's API, not a file
          };
      if (where != null) {
        t.put(e.name(), where);
      }
    }
    return t;
  }

  private static void refuseExisting(Map<String, Path> targets, NodeState state, Path configFile)
      throws IOException {
    if (state.quarantine().isPresent() && nonEmpty(state.quarantine().get())) {
      throw new IOException(
          "quarantine "
              + state.quarantine().get()
              + " is not empty: restore replaces existing state only with --force");
    }
    for (Map.Entry<String, Path> e : targets.entrySet()) {
      if (!e.getKey().startsWith("quarantine/") && Files.exists(e.getValue())) {
        throw new IOException(
            e.getValue() + " exists: restore replaces existing state only with --force");
      }
    }
    if (Files.exists(configFile)) {
      throw new IOException(configFile + " exists: restore replaces it only with --force");
    }
  }

  private static boolean nonEmpty(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return Files.exists(dir);
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      return ds.iterator().hasNext();
    }
  }

  private static Result write(
      Path archive, BackupManifest m, Map<String, Path> targets, NodeState state)
      throws IOException {
    Map<Path, Path> staged = new LinkedHashMap<>(); // temporary -> final, outside the quarantine
    Path qStaged = null;
    Path q = state.quarantine().map(Path::toAbsolutePath).orElse(null);
    int quarantined = 0;
    try {
      if (q != null) {
        qStaged = q.resolveSibling(q.getFileName() + STAGED);
        deleteTree(qStaged); // a previous restore's leftover
        Files.createDirectories(qStaged);
      }
      try (InputStream in = BackupCommand.open(archive)) {
        Tar.Reader tar = new Tar.Reader(in, Files.size(archive), MAX_ENTRY);
        for (BackupManifest.Entry e : m.entries()) {
          Tar.Header h = tar.next();
          if (h == null || !h.name().equals(e.name())) {
            throw new IOException(archive + ": changed while it was restored");
          }
          if (e.kind() == BackupManifest.Kind.TENANTS) {
            continue;
          }
          Path target = targets.get(e.name()).toAbsolutePath();
          Path temp;
          if (e.kind() == BackupManifest.Kind.QUARANTINE) {
            temp = qStaged.resolve(target.getFileName());
            if (e.name().endsWith(".meta")) {
              quarantined++;
            }
          } else {
            Files.createDirectories(target.getParent());
            temp = target.resolveSibling(target.getFileName() + STAGED);
            staged.put(temp, target);
          }
          MessageDigest md = BackupManifest.sha256();
          try (OutputStream o = new DigestOutputStream(Files.newOutputStream(temp), md)) {
            tar.data().transferTo(o);
          }
          if (!HexFormat.of().formatHex(md.digest()).equals(e.sha256())) {
            throw new IOException(archive + ": changed while it was restored");
          }
          if (e.kind() == BackupManifest.Kind.MODEL) {
            dev.mailfilter.learn.FileModelStore.verify(temp);
          }
        }
      }
      // Everything is staged and checked: now the renames, each atomic.
      for (Map.Entry<Path, Path> e : staged.entrySet()) {
        Files.move(
            e.getKey(),
            e.getValue(),
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      }
      if (q != null) {
        if (Files.isDirectory(q) && !nonEmpty(q)) {
          Files.delete(q);
        }
        if (Files.exists(q)) {
          Files.move(
              q,
              q.resolveSibling(q.getFileName() + ".before-restore-" + System.currentTimeMillis()),
              StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(qStaged, q, StandardCopyOption.ATOMIC_MOVE);
        qStaged = null;
        // Opening it rebuilds the tenant index (index/) from the restored .meta files.
        Quarantine.open(q, Quarantine.DEFAULT_LIFETIME, "localhost");
      }
    } catch (IOException | RuntimeException e) {
      for (Path p : staged.keySet()) {
        Files.deleteIfExists(p);
      }
      if (qStaged != null) {
        deleteTree(qStaged);
      }
      throw e;
    }
    return new Result(m, staged.size(), quarantined, 0);
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }
}
