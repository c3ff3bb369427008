package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.cli.CommandTestSupport.Result;
import dev.mailfilter.cluster.Brand;
import dev.mailfilter.cluster.FileTenantStore;
import dev.mailfilter.cluster.Settings;
import dev.mailfilter.cluster.Snapshot;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.WriteResult;
import dev.mailfilter.smtp.SmtpServer;
import dev.mailfilter.smtp.SmtpSettings;
import dev.mailfilter.testkit.SmtpSink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mailfilter backup} and {@code restore}: a node with a trained model, a score file, a
 * quarantine holding one released and one held message, and DMARC report rows is backed up, lost
 * (its directories deleted) and restored onto a fresh node, which then filters with the restored
 * model and lists the restored quarantine.
 */
class BackupRestoreTest {
  private static final String GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

  @TempDir Path tmp;

  /** Writes a node's configuration; every path under {@code node}. */
  static Path node(Path node, int downstreamPort) throws IOException {
    Files.createDirectories(node);
    Files.writeString(node.resolve("local.scores"), "score GTUBE 1000\n");
    Files.createDirectories(node.resolve("reports"));
    Files.createDirectories(node.resolve("rules"));
    Files.writeString(
        node.resolve("rules/local.cf"),
        "header LOCAL_NEVER Subject =~ /zzz-never-zzz/\nscore LOCAL_NEVER 0.1\n");
    Path config = node.resolve("mailfilter.yaml");
    Files.writeString(
        config,
        "model:\n  path: \""
            + node.resolve("model.bin")
            + "\"\n  min_ham: 10\n  min_spam: 10\n  hash_bits: 16\n"
            + "scores:\n  files: [\""
            + node.resolve("local.scores")
            + "\"]\n"
            + "spamassassin:\n  paths: [\""
            + node.resolve("rules")
            + "\"]\n"
            + "checks:\n  dmarc:\n    report_dir: \""
            + node.resolve("reports")
            + "\"\n"
            + "smtp:\n  host_name: gw.example\n  quarantine:\n    dir: \""
            + node.resolve("q")
            + "\"\n"
            + "domains:\n  held.example:\n    action_overrides: {reject: quarantine}\n"
            + "    route: {host: 127.0.0.1, port: "
            + downstreamPort
            + ", tls: none}\n");
    return config;
  }

  static void train(Path config) throws IOException {
    Path corpus = CommandTestSupport.SHARED.resolve("corpora/spamassassin-public-corpus");
    Result r =
        CommandTestSupport.run(
            "train",
            "--config",
            config.toString(),
            "--spam",
            first(corpus.resolve("spam"), 30).toString(),
            "--ham",
            first(corpus.resolve("easy_ham"), 40).toString());
    assertThat(r.code()).as(r.err()).isZero();
  }

  private static Path first(Path dir, int n) throws IOException {
    Path to = Files.createTempDirectory("slice");
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.sorted().limit(n).toList()) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
    return to;
  }

  /** Sends GTUBE to the held domain through a gateway running on the configuration. */
  static void holdOne(Path config, String subject) throws IOException {
    FilterConfig c =
        FilterConfig.builder().section(SmtpSettings.SECTION).yaml(Files.readString(config)).build();
    SmtpSettings settings =
        c.section(SmtpSettings.SECTION)
            .withListen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    try (MailFilter filter = MailFilter.builder().config(c).build();
        SmtpServer server =
            SmtpServer.builder().filters(() -> filter).settings(settings).build().start()) {
      send(server.localAddress().getPort(), subject);
    }
  }

  private static void send(int port, String subject) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
      OutputStream o = s.getOutputStream();
      assertThat(in.readLine()).startsWith("220 ");
      for (String command :
          new String[] {
            "HELO c.example", "MAIL FROM:<a@sender.example>", "RCPT TO:<bob@held.example>"
          }) {
        o.write((command + "\r\n").getBytes(UTF_8));
        assertThat(in.readLine()).startsWith("250");
      }
      o.write("DATA\r\n".getBytes(UTF_8));
      assertThat(in.readLine()).startsWith("354");
      o.write(("Subject: " + subject + "\r\n\r\n" + GTUBE + "\r\n.\r\n").getBytes(UTF_8));
      assertThat(in.readLine()).startsWith("250 ");
      o.write("QUIT\r\n".getBytes(UTF_8));
    }
  }

  /** Every file under {@code dir} (not the tenant index), by name, with its bytes. */
  private static Map<String, byte[]> files(Path dir) throws IOException {
    Map<String, byte[]> m = new LinkedHashMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        m.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    }
    return m;
  }

  static void deleteTree(Path p) throws IOException {
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  @Test
  void roundTripOntoAFreshNodeKeepsModelQuarantineAndConfiguration() throws Exception {
    Path node = tmp.resolve("node");
    // smtp-sink runs as nobody and must reach its folder inside ours.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (SmtpSink sink = SmtpSink.start(Files.createDirectories(tmp.resolve("sink")), 10)) {
      Path config = node(node, sink.port());
      train(config);
      holdOne(config, "first");
      holdOne(config, "second");
      Files.writeString(node.resolve("reports/dmarc-2026-12-07.tsv"), "row 1\nrow 2\npartial");

      Result list = CommandTestSupport.run("quarantine", "list", "--config", config.toString());
      String released = list.out().lines().findFirst().orElseThrow().split("\t")[0];
      Result r =
          CommandTestSupport.run("quarantine", "release", released, "--config", config.toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(sink.dumps()).hasSize(1);

      Path sample = CommandTestSupport.TESTDATA.resolve("sample-spam.txt");
      Result scanBefore =
          CommandTestSupport.run("scan", "--config", config.toString(), sample.toString());
      Result listBefore =
          CommandTestSupport.run("quarantine", "list", "--all", "--config", config.toString());
      assertThat(listBefore.out().lines()).hasSize(2);
      Map<String, byte[]> quarantineBefore = files(node.resolve("q"));
      byte[] modelBefore = Files.readAllBytes(node.resolve("model.bin"));
      String configBefore = Files.readString(config);

      Path tenants = node.resolve("tenants");
      Snapshot treeBefore;
      try (TenantStore store = FileTenantStore.open(tenants)) {
        bakeryTree(store);
        treeBefore = store.snapshot();
      }

      Path archive = tmp.resolve("backup.tar");
      Result b =
          CommandTestSupport.run(
              "backup",
              "--config",
              config.toString(),
              "-o",
              archive.toString(),
              "--tenant-store",
              tenants.toString());
      assertThat(b.code()).as(b.err()).isZero();
      assertThat(b.out())
          .contains("2 files it names")
          .contains("the model")
          .contains("2 quarantine entries")
          .contains("1 statistics files")
          .contains("the tenant tree at version 4");

      // The node is lost: nothing of it is left.
      deleteTree(node);
      Path freshConfig = tmp.resolve("fresh/etc/mailfilter.yaml");
      Path freshTenants = tmp.resolve("fresh/tenants");
      Result restore =
          CommandTestSupport.run(
              "restore",
              archive.toString(),
              "--config",
              freshConfig.toString(),
              "--tenant-store",
              freshTenants.toString());
      assertThat(restore.code()).as(restore.err()).isZero();
      assertThat(restore.out()).contains("2 quarantine entries").contains("4 tenants");
      try (TenantStore store = FileTenantStore.open(freshTenants)) {
        assertThat(tree(store.snapshot())).isEqualTo(tree(treeBefore));
        // The node applies it as it applies any snapshot: the domain's route is there.
        assertThat(store.snapshot().config().tenants().toString()).contains("bakery.example");
      }
      // Again with --force onto the populated store: the same tree, not twice, versions go on.
      Result again =
          CommandTestSupport.run(
              "restore",
              archive.toString(),
              "--config",
              freshConfig.toString(),
              "--tenant-store",
              freshTenants.toString(),
              "--force");
      assertThat(again.code()).as(again.err()).isZero();
      try (TenantStore store = FileTenantStore.open(freshTenants)) {
        assertThat(tree(store.snapshot())).isEqualTo(tree(treeBefore));
        assertThat(store.version()).isEqualTo(4 + 1 + 4); // a subtree delete, four creates
        assertThat(store.audit(TenantPath.root(), 4, 100))
            .allMatch(c -> c.principal().equals("mailfilter-restore"));
      }

      assertThat(Files.readString(freshConfig)).isEqualTo(configBefore);
      assertThat(Files.readAllBytes(node.resolve("model.bin"))).isEqualTo(modelBefore);
      assertThat(Files.readString(node.resolve("local.scores"))).isEqualTo("score GTUBE 1000\n");
      // The site's rule directory did not exist on the fresh node: its files came back.
      assertThat(node.resolve("rules/local.cf")).isRegularFile();
      assertThat(Files.readString(node.resolve("reports/dmarc-2026-12-07.tsv")))
          .isEqualTo("row 1\nrow 2\n");
      Map<String, byte[]> quarantineAfter = files(node.resolve("q"));
      assertThat(quarantineAfter.keySet()).isEqualTo(quarantineBefore.keySet());
      quarantineBefore.forEach((k, v) -> assertThat(quarantineAfter.get(k)).as(k).isEqualTo(v));

      // Usable: the same verdict and score from the restored model, the same quarantine listing
      // (released and held), the tenant index rebuilt, and the held one still releasable.
      Result scanAfter =
          CommandTestSupport.run("scan", "--config", freshConfig.toString(), sample.toString());
      assertThat(scanAfter.out()).isEqualTo(scanBefore.out()).contains("BAYES_");
      Result listAfter =
          CommandTestSupport.run("quarantine", "list", "--all", "--config", freshConfig.toString());
      assertThat(listAfter.out()).isEqualTo(listBefore.out()).contains("released ");
      Result byTenant =
          CommandTestSupport.run(
              "quarantine", "list", "--tenant", "held.example", "--config", freshConfig.toString());
      assertThat(byTenant.out().lines()).hasSize(1);
      assertThat(node.resolve("q/index/.built")).exists();
      String held = byTenant.out().lines().findFirst().orElseThrow().split("\t")[0];
      Result release =
          CommandTestSupport.run("quarantine", "release", held, "--config", freshConfig.toString());
      assertThat(release.code()).as(release.err()).isZero();
      assertThat(sink.dumps()).hasSize(2);
    }
  }

  private static void bakeryTree(TenantStore store) {
    TenantPath acme = TenantPath.reseller("acme");
    TenantPath bakery = acme.child(TenantPath.Kind.CUSTOMER, "bakery");
    TenantPath domain = bakery.child(TenantPath.Kind.DOMAIN, "bakery.example");
    Brand brand =
        new Brand(
            "Acme Mail Shield",
            "support@acme.example",
            Optional.empty(),
            Map.of("primary", "#112233"),
            List.of("mail.acme.example"));
    for (WriteResult r :
        List.of(
            store.create(
                acme,
                Settings.of(Map.of("actions", Map.of("reject", 20))),
                Optional.of(brand),
                "op"),
            store.create(bakery, Settings.empty(), Optional.empty(), "op"),
            store.create(
                domain,
                Settings.of(Map.of("route", Map.of("host", "mx.bakery.example", "port", 2525))),
                Optional.empty(),
                "op"),
            store.create(
                domain.child(TenantPath.Kind.USER, "boss"),
                Settings.of(Map.of("actions", Map.of("reject", 8))),
                Optional.empty(),
                "op"))) {
      assertThat(r).isInstanceOf(WriteResult.Written.class);
    }
  }

  /** The tree's content: paths, settings and brands (versions and times are the store's own). */
  private static List<String> tree(Snapshot s) {
    return s.tenants().stream()
        .map(t -> t.path() + " " + t.settings().values() + " " + t.brand())
        .toList();
  }

  /**
   * Backups taken while the gateway holds messages and {@code train} commits the model: each one
   * restores, and every restored quarantine entry is whole (its {@code .eml} beside its {@code
   * .meta}, listed without error), the model a valid model file.
   */
  @Test
  void backupsTakenWhileTheGatewayHoldsAndTheModelCommitsRestoreWhole() throws Exception {
    Path node = tmp.resolve("busy");
    Path config = node(node, 9);
    train(config);
    FilterConfig c =
        FilterConfig.builder().section(SmtpSettings.SECTION).yaml(Files.readString(config)).build();
    SmtpSettings settings =
        c.section(SmtpSettings.SECTION)
            .withListen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger sent =
        new java.util.concurrent.atomic.AtomicInteger();
    try (MailFilter filter = MailFilter.builder().config(c).build();
        SmtpServer server =
            SmtpServer.builder().filters(() -> filter).settings(settings).build().start()) {
      int port = server.localAddress().getPort();
      java.util.concurrent.CompletableFuture<Void> holds =
          java.util.concurrent.CompletableFuture.runAsync(
              () -> {
                while (!stop.get()) {
                  try {
                    send(port, "busy " + sent.incrementAndGet());
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                }
              });
      java.util.concurrent.CompletableFuture<Void> training =
          java.util.concurrent.CompletableFuture.runAsync(
              () -> {
                while (!stop.get()) {
                  try {
                    train(config);
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                }
              });
      for (int i = 0; i < 3; i++) {
        // Each backup after more holds, while they go on.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (sent.get() < 3 * (i + 1) && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        Result b =
            CommandTestSupport.run(
                "backup", "--config", config.toString(), "-o", tmp.resolve(i + ".tar").toString());
        assertThat(b.code()).as(b.err()).isZero();
      }
      stop.set(true);
      holds.get(60, java.util.concurrent.TimeUnit.SECONDS);
      training.get(120, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertThat(sent.get()).isGreaterThan(1);
    // Each backup onto the lost node: whole entries only, a valid model, a working filter.
    Path sample = CommandTestSupport.TESTDATA.resolve("sample-spam.txt");
    for (int i = 0; i < 3; i++) {
      deleteTree(node);
      Path fresh = tmp.resolve("fresh-" + i + "/mailfilter.yaml");
      Result r =
          CommandTestSupport.run(
              "restore", tmp.resolve(i + ".tar").toString(), "--config", fresh.toString());
      assertThat(r.code()).as(r.err()).isZero();
      Map<String, byte[]> q = files(node.resolve("q"));
      long metas = q.keySet().stream().filter(n -> n.endsWith(".meta")).count();
      assertThat(q).hasSize((int) (2 * metas));
      q.keySet().stream()
          .filter(n -> n.endsWith(".meta"))
          .forEach(n -> assertThat(q).containsKey(n.replace(".meta", ".eml")));
      Result list =
          CommandTestSupport.run("quarantine", "list", "--all", "--config", fresh.toString());
      assertThat(list.err()).isEmpty();
      assertThat(list.out().lines()).hasSize((int) metas);
      assertThat(metas).as("backup " + i + " holds the messages held before it").isGreaterThan(i);
      Result scan = CommandTestSupport.run("scan", "--config", fresh.toString(), sample.toString());
      assertThat(scan.err()).isEmpty();
      assertThat(scan.out()).contains("BAYES_");
    }
  }

  @Test
  void restoreRefusesExistingStateWithoutForceAndKeepsTheOldQuarantineWithIt() throws Exception {
    Path node = tmp.resolve("node");
    Path config = node(node, 9);
    train(config);
    holdOne(config, "kept");
    Path archive = tmp.resolve("b.tar");
    Result b =
        CommandTestSupport.run("backup", "--config", config.toString(), "-o", archive.toString());
    assertThat(b.code()).as(b.err()).isZero();
    holdOne(config, "after the backup");
    byte[] configBytes = Files.readAllBytes(config);

    Result refused =
        CommandTestSupport.run("restore", archive.toString(), "--config", config.toString());
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err())
        .startsWith("mailfilter restore: ")
        .contains("only with --force")
        .hasLineCount(1);
    assertThat(files(node.resolve("q"))).hasSize(4);

    Result forced =
        CommandTestSupport.run(
            "restore", archive.toString(), "--config", config.toString(), "--force");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(Files.readAllBytes(config)).isEqualTo(configBytes);
    assertThat(files(node.resolve("q"))).hasSize(2);
    try (Stream<Path> s = Files.list(node)) {
      List<Path> aside =
          s.filter(p -> p.getFileName().toString().startsWith("q.before-restore-")).toList();
      assertThat(aside).hasSize(1);
      assertThat(files(aside.getFirst())).hasSize(4);
    }
  }
}
