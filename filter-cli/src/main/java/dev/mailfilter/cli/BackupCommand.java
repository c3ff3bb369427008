package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mailfilter.cluster.Snapshot;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.TenantStoreException;
import dev.mailfilter.config.ConfigException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code mailfilter backup --config FILE -o backup.tar}: the node's configuration and the files it
 * names, the model, the quarantine and the persisted statistics, in a tar with a manifest of
 * SHA-256 checksums (docs/cluster.md, "Backups"). {@link RestoreCommand} reads it back.
 *
 * <p>Read while a server writes: the model and the quarantine's files are never changed in place,
 * only replaced by an atomic rename (FileModelStore.commit, Quarantine.writeDurably), so a file
 * opened once is one consistent version, however long the copy takes. A quarantine entry is read
 * {@code .meta} first, then {@code .eml} (a hold writes them in the other order, a delete removes
 * {@code .meta} first), so an entry is copied whole or, if deleted meanwhile, not at all.
 */
final class BackupCommand {
  static final String USAGE =
      "usage: mailfilter backup --config FILE -o BACKUP.tar [--tenant-store DIR|REDIS_URI]";

  private BackupCommand() {}

  static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.contains("--help") || args.contains("-h")) {
      out.println(USAGE);
      out.println("  writes the node's state to a tar with a manifest and SHA-256 checksums:");
      out.println("  the configuration and the files it names (score files, site rules, keys),");
      out.println("  the model file, the quarantine (messages and their state), the DMARC");
      out.println("  report rows, and with --tenant-store the tenant tree (a snapshot of the");
      out.println("  store at one version: a directory, or redis://HOST:PORT for the shared one)");
      out.println("  restore it with: mailfilter restore BACKUP.tar --config FILE");
      return 0;
    }
    try {
      // -o is the one short option: tar's and every compiler's spelling for the output.
      List<String> spelled = args.stream().map(a -> a.equals("-o") ? "--output" : a).toList();
      Options o =
          Options.parse(spelled, Set.of("--config", "--output", "--tenant-store"), Set.of());
      String config = o.single("--config", null);
      String target = o.single("--output", null);
      if (config == null || target == null) {
        throw new IllegalArgumentException("--config FILE and -o BACKUP.tar are required");
      }
      Optional<String> store = Optional.ofNullable(o.single("--tenant-store", null));
      Summary s = write(Path.of(config), store, Path.of(target), Instant.now(), hostName());
      out.println("backup " + target + ": " + s);
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("mailfilter backup: " + e.getMessage());
      return 2;
    } catch (ConfigException e) {
      err.println("mailfilter backup: " + e.getMessage());
      return 2;
    } catch (NoSuchFileException e) {
      err.println("mailfilter backup: " + e.getMessage() + ": no such file");
      return 2;
    } catch (IOException | UncheckedIOException | TenantStoreException e) {
      err.println("mailfilter backup: " + e.getMessage());
      return 2;
    }
  }

  static String hostName() {
    try {
      return InetAddress.getLocalHost().getCanonicalHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** What a backup holds, counted. */
  record Summary(
      int entries,
      long bytes,
      int files,
      boolean model,
      int quarantined,
      int stats,
      Optional<Long> tenantsVersion) {
    @Override
    public String toString() {
      return entries
          + " entries, "
          + bytes
          + " bytes: configuration and "
          + files
          + " files it names, "
          + (model ? "the model, " : "no model, ")
          + quarantined
          + " quarantine entries, "
          + stats
          + " statistics files"
          + tenantsVersion.map(v -> ", the tenant tree at version " + v).orElse("");
    }
  }

  /** Writes the backup to a temporary file beside {@code target}, renamed into place when done. */
  static Summary write(
      Path configFile, Optional<String> tenantStore, Path target, Instant now, String host)
      throws IOException {
    NodeState state = NodeState.of(configFile);
    Optional<Long> tenantsVersion = Optional.empty();
    Path temp = target.toAbsolutePath().resolveSibling(target.getFileName() + ".tmp");
    List<BackupManifest.Entry> entries = new ArrayList<>();
    int files = 0;
    boolean model = false;
    int quarantined = 0;
    int stats = 0;
    try (OutputStream raw = Files.newOutputStream(temp);
        OutputStream buffered = new BufferedOutputStream(raw, 1 << 16)) {
      Tar.Writer tar = new Tar.Writer(buffered);
      long mtime = now.getEpochSecond();
      entries.add(
          bytes(
              tar,
              mtime,
              BackupManifest.Kind.CONFIG,
              "config/" + safe(configFile.getFileName().toString()),
              state.configText().getBytes(UTF_8),
              configFile.toString()));
      for (String f : state.configFiles()) {
        byte[] data;
        try {
          data = Files.readAllBytes(Path.of(f));
        } catch (NoSuchFileException e) {
          throw new NoSuchFileException(f + " (named by " + configFile + ")");
        }
        files++;
        String name = "files/" + files + "-" + safe(Path.of(f).getFileName().toString());
        entries.add(bytes(tar, mtime, BackupManifest.Kind.CONFIG_FILE, name, data, f));
      }
      if (state.model().isPresent() && Files.isRegularFile(state.model().get())) {
        Path m = state.model().get();
        try (FileChannel c = FileChannel.open(m, StandardOpenOption.READ)) {
          entries.add(
              stream(
                  tar,
                  mtime,
                  BackupManifest.Kind.MODEL,
                  "model/" + safe(m.getFileName().toString()),
                  c,
                  m.toString()));
          model = true;
        }
      }
      if (state.quarantine().isPresent() && Files.isDirectory(state.quarantine().get())) {
        Path q = state.quarantine().get();
        for (String id : quarantineIds(q)) {
          FileChannel meta;
          FileChannel message;
          try {
            meta = FileChannel.open(q.resolve(id + ".meta"), StandardOpenOption.READ);
          } catch (NoSuchFileException e) {
            continue; // deleted since the listing
          }
          try (meta) {
            try {
              message = FileChannel.open(q.resolve(id + ".eml"), StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
              continue; // being deleted: its .meta went first, its .eml next
            }
            try (message) {
              String source = q.resolve(id).toString();
              entries.add(
                  stream(
                      tar,
                      mtime,
                      BackupManifest.Kind.QUARANTINE,
                      "quarantine/" + id + ".meta",
                      meta,
                      source + ".meta"));
              entries.add(
                  stream(
                      tar,
                      mtime,
                      BackupManifest.Kind.QUARANTINE,
                      "quarantine/" + id + ".eml",
                      message,
                      source + ".eml"));
              quarantined++;
            }
          }
        }
      }
      if (state.reportDir().isPresent() && Files.isDirectory(state.reportDir().get())) {
        Path dir = state.reportDir().get();
        TreeSet<String> names = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "dmarc-*.tsv")) {
          ds.forEach(p -> names.add(p.getFileName().toString()));
        }
        for (String n : names) {
          if (!Tar.validName(n)) {
            continue;
          }
          byte[] rows;
          try {
            rows = Files.readAllBytes(dir.resolve(n));
          } catch (NoSuchFileException e) {
            continue;
          }
          // The file is appended to while we read: keep whole rows only.
          int end = rows.length;
          while (end > 0 && rows[end - 1] != '\n') {
            end--;
          }
          rows = java.util.Arrays.copyOf(rows, end);
          entries.add(
              bytes(
                  tar,
                  mtime,
                  BackupManifest.Kind.STATS,
                  "stats/" + n,
                  rows,
                  dir.resolve(n).toString()));
          stats++;
        }
      }
      if (tenantStore.isPresent()) {
        Snapshot snapshot = snapshot(tenantStore.get());
        entries.add(
            bytes(
                tar,
                mtime,
                BackupManifest.Kind.TENANTS,
                "tenants/snapshot.json",
                snapshot.toJson().getBytes(UTF_8),
                tenantStore.get()));
        tenantsVersion = Optional.of(snapshot.version());
      }
      BackupManifest manifest = new BackupManifest(BackupManifest.VERSION, now, host, entries);
      tar.entry(BackupManifest.NAME, mtime, manifest.encode());
      tar.finish();
      buffered.flush();
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    try (FileChannel c = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      c.force(true);
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return new Summary(
        entries.size() + 1, Files.size(target), files, model, quarantined, stats, tenantsVersion);
  }

  /**
   * The tree at one version, by the store's own snapshot: Redis's is taken without stopping writers
   * (a scan, then the change stream replayed over it); the file store holds its lock while open, so
   * it is read either by the process that has it open or, as here, with that process stopped.
   */
  private static Snapshot snapshot(String spec) throws IOException {
    try (TenantStore store = TenantStores.open(spec, true).orElseThrow()) {
      return store.snapshot();
    }
  }

  /** Quarantine ids, in the order held (their names sort by time). */
  private static TreeSet<String> quarantineIds(Path q) throws IOException {
    TreeSet<String> ids = new TreeSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(q, "*.meta")) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        String id = n.substring(0, n.length() - ".meta".length());
        if (id.matches("[0-9a-z]{1,16}-[0-9a-f]{8}")) {
          ids.add(id);
        }
      }
    }
    return ids;
  }

  private static BackupManifest.Entry bytes(
      Tar.Writer tar, long mtime, BackupManifest.Kind kind, String name, byte[] data, String source)
      throws IOException {
    tar.entry(name, mtime, data);
    return new BackupManifest.Entry(
        kind, name, data.length, BackupManifest.sha256Hex(data), source);
  }

  private static BackupManifest.Entry stream(
      Tar.Writer tar,
      long mtime,
      BackupManifest.Kind kind,
      String name,
      FileChannel c,
      String source)
      throws IOException {
    // The size of the version opened: it is replaced by rename, never grown in place.
    long size = c.size();
    MessageDigest md = BackupManifest.sha256();
    InputStream in = new DigestInputStream(Channels.newInputStream(c), md);
    tar.entry(name, size, mtime, in);
    return new BackupManifest.Entry(
        kind, name, size, HexFormat.of().formatHex(md.digest()), source);
  }

  /** A file name as a tar entry name part: ASCII letters, digits, dot, dash, underscore. */
  static String safe(String name) {
    String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
    s = s.length() > 60 ? s.substring(s.length() - 60) : s;
    return s.isEmpty() || s.startsWith(".") || s.startsWith("-") ? "_" + s : s;
  }

  static InputStream open(Path archive) throws IOException {
    return new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
  }
}
