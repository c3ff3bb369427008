package dev.mailfilter.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A private, real Postfix (Debian's {@code postfix}) under a directory of the test's: its own
 * configuration, queue, data directory and log file, one smtpd on 127.0.0.1 and a free port, no
 * chroot, no DNS. It delivers every recipient to one Maildir, or relays everything to a downstream
 * {@code relayhost}. Started with {@code postfix start-fg} and stopped by {@code postfix stop} and
 * then by PID; it must run as root, as Postfix's master does.
 *
 * <p>Configuration errors are shown as {@code postfix check} prints them: that command writes only
 * to a terminal, so it runs under {@code script -qc}. {@link #log()} is the instance's mail log,
 * for failure messages.
 */
public final class PostfixInstance implements AutoCloseable {
  /** Where Debian's {@code postfix} package puts the command. */
  public static final Path POSTFIX = Path.of("/usr/sbin/postfix");

  private static final Path SCRIPT = Path.of("/usr/bin/script");
  private static final Path VIRTUAL_MAILDIR = Path.of("mail/maildir");

  private final Path dir;
  private final int smtpPort;
  private final Process startFg;

  private PostfixInstance(Path dir, int smtpPort, Process startFg) {
    this.dir = dir;
    this.smtpPort = smtpPort;
    this.startFg = startFg;
  }

  /** A builder with the defaults: delivery to a Maildir, no milter. */
  public static Builder builder() {
    return new Builder();
  }

  /** The options of an instance; every one ends up as a {@code main.cf} line. */
  public static final class Builder {
    private final Map<String, String> params = new LinkedHashMap<>();
    private Integer relayPort;

    private Builder() {}

    /** {@code smtpd_milters}, e.g. {@code inet:127.0.0.1:11332} or {@code unix:/path}. */
    public Builder milter(String milter) {
      return set("smtpd_milters", milter);
    }

    /** {@code milter_default_action}: accept, reject, tempfail, quarantine (Postfix 3.7). */
    public Builder milterDefaultAction(String action) {
      return set("milter_default_action", action);
    }

    /** {@code milter_protocol}, 2 to 6. */
    public Builder milterProtocol(int version) {
      return set("milter_protocol", Integer.toString(version));
    }

    /**
     * One of the macro lists, by stage: {@code connect}, {@code helo}, {@code mail}, {@code rcpt},
     * {@code data}, {@code end_of_header}, {@code end_of_data}, {@code unknown_command}; e.g.
     * {@code macros("mail", "i {auth_authen}")} sets {@code milter_mail_macros}.
     */
    public Builder macros(String stage, String macros) {
      return set("milter_" + stage + "_macros", macros);
    }

    /** Relays every message to {@code [127.0.0.1]:port} instead of delivering to the Maildir. */
    public Builder relayTo(int port) {
      relayPort = port;
      return this;
    }

    /**
     * The clients allowed to send XCLIENT ({@code smtpd_authorized_xclient_hosts}), loopback by
     * default so that a test can present another client address.
     */
    public Builder xclientHosts(String hosts) {
      return set("smtpd_authorized_xclient_hosts", hosts);
    }

    /** Any other {@code main.cf} parameter; set last, so it overrides the fixture's own. */
    public Builder set(String name, String value) {
      params.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Writes the configuration under {@code dir} (an empty directory) and starts Postfix. */
    public PostfixInstance start(Path dir) throws IOException {
      DebianPackage.require(POSTFIX, "postfix");
      DebianPackage.require(SCRIPT, "bsdutils");
      AssertionError last = null;
      // The free port can be taken before smtpd binds it: one retry with another.
      for (int attempt = 0; attempt < 2; attempt++) {
        Path instance = dir.resolve("postfix-" + attempt);
        try {
          return launch(instance, FreePort.tcp());
        } catch (AssertionError e) {
          if (!String.valueOf(e.getMessage()).contains("Address already in use")) {
            throw e;
          }
          last = e;
        }
      }
      throw last;
    }

    private PostfixInstance launch(Path dir, int port) throws IOException {
      Path etc = Files.createDirectories(dir.resolve("etc"));
      Path queue = Files.createDirectories(dir.resolve("queue"));
      Path data = Files.createDirectories(dir.resolve("data"));
      Path mail = Files.createDirectories(dir.resolve("mail"));
      // The daemons drop to user postfix (virtual(8) to nobody) and must reach these, but a
      // test's temporary directory is often mode 700: open it and its parents for traversal only.
      for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
        var perms = Files.getPosixFilePermissions(p);
        if (perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
          continue;
        }
        perms.add(PosixFilePermission.GROUP_EXECUTE);
        perms.add(PosixFilePermission.OTHERS_EXECUTE);
        Files.setPosixFilePermissions(p, perms);
      }
      for (Path p : List.of(etc, queue, data, mail)) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
      Files.setOwner(data, users.lookupPrincipalByName("postfix"));
      Files.setOwner(mail, users.lookupPrincipalByName("nobody"));
      Files.getFileAttributeView(mail, PosixFileAttributeView.class)
          .setGroup(users.lookupPrincipalByGroupName("nogroup"));
      int nobody = (Integer) Files.getAttribute(mail, "unix:uid");
      int nogroup = (Integer) Files.getAttribute(mail, "unix:gid");

      Map<String, String> main = new LinkedHashMap<>();
      main.put("compatibility_level", "3.6");
      main.put("queue_directory", queue.toString());
      main.put("data_directory", data.toString());
      main.put("maillog_file", dir.resolve("maillog").toString());
      main.put("maillog_file_prefixes", dir.toString());
      main.put("myhostname", "mx.test.local");
      main.put("mydomain", "test.local");
      main.put("myorigin", "test.local");
      main.put("mydestination", "");
      main.put("inet_interfaces", "127.0.0.1");
      main.put("inet_protocols", "ipv4");
      // Loopback, and the documentation ranges that tests present with XCLIENT.
      main.put("mynetworks", "127.0.0.0/8, 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24");
      main.put("smtpd_authorized_xclient_hosts", "127.0.0.0/8");
      main.put("smtp_dns_support_level", "disabled");
      main.put("smtpd_peername_lookup", "no");
      main.put("alias_maps", "");
      main.put("alias_database", "");
      main.put("biff", "no");
      main.put("append_dot_mydomain", "no");
      // Header addresses stay as sent, so a delivered message can be compared byte for byte.
      main.put("local_header_rewrite_clients", "");
      // Refusals are the point of these tests: no tarpit after each one.
      main.put("smtpd_error_sleep_time", "0s");
      main.put("in_flow_delay", "0s");
      main.put("queue_run_delay", "1s");
      main.put("minimal_backoff_time", "1s");
      main.put("maximal_backoff_time", "2s");
      if (relayPort != null) {
        main.put("relayhost", "[127.0.0.1]:" + relayPort);
      } else {
        main.put("virtual_mailbox_domains", "example.test, test.local");
        main.put("virtual_mailbox_base", mail.toString());
        main.put("virtual_mailbox_maps", "static:" + VIRTUAL_MAILDIR.getFileName() + "/");
        main.put("virtual_uid_maps", "static:" + nobody);
        main.put("virtual_gid_maps", "static:" + nogroup);
      }
      main.putAll(params);
      StringBuilder cf = new StringBuilder("# Written by the test kit's PostfixInstance.\n");
      main.forEach((k, v) -> cf.append(k).append(" = ").append(v).append('\n'));
      Files.writeString(etc.resolve("main.cf"), cf, StandardCharsets.US_ASCII);
      Files.writeString(etc.resolve("master.cf"), masterCf(port), StandardCharsets.US_ASCII);

      createQueue(queue, users);
      // postfix-script's start checks (post-install create-missing, then a walk over every file
      // Postfix installed) take 3 to 8 s on a busy machine; the queue is made above as
      // post-install makes it, so quick-start skips them. On a failure, postfix check runs them
      // and its verdict goes into the message.
      Files.createFile(queue.resolve("quick-start"));
      Process p =
          new ProcessBuilder(POSTFIX.toString(), "-c", etc.toString(), "start-fg")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("start-fg.out").toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      PostfixInstance instance = new PostfixInstance(dir, port, p);
      try {
        instance.awaitGreeting(Duration.ofSeconds(15));
      } catch (AssertionError e) {
        instance.close();
        throw e;
      }
      return instance;
    }
  }

  /** The queue's subdirectories with the owners and modes that post-install gives them. */
  private static void createQueue(Path queue, UserPrincipalLookupService users) throws IOException {
    var postfix = users.lookupPrincipalByName("postfix");
    var root = users.lookupPrincipalByGroupName("root");
    var postdrop = users.lookupPrincipalByGroupName("postdrop");
    for (String name :
        List.of(
            "active",
            "bounce",
            "corrupt",
            "defer",
            "deferred",
            "flush",
            "hold",
            "incoming",
            "private",
            "saved",
            "trace",
            "maildrop",
            "public",
            "pid")) {
      Path d = Files.createDirectory(queue.resolve(name));
      var view = Files.getFileAttributeView(d, PosixFileAttributeView.class);
      switch (name) {
        case "pid" -> view.setPermissions(PosixFilePermissions.fromString("rwxr-xr-x"));
        case "maildrop" -> {
          view.setOwner(postfix);
          view.setGroup(postdrop);
          view.setPermissions(PosixFilePermissions.fromString("rwx-wx---"));
        }
        case "public" -> {
          view.setOwner(postfix);
          view.setGroup(postdrop);
          view.setPermissions(PosixFilePermissions.fromString("rwx--x---"));
        }
        default -> {
          view.setOwner(postfix);
          view.setGroup(root);
          view.setPermissions(PosixFilePermissions.fromString("rwx------"));
        }
      }
    }
  }

  private static String masterCf(int port) {
    // Debian's master.cf with chroot off everywhere, only the services a relay or a Maildir
    // delivery needs (tlsmgr for smtpd_tls_* instances), and the postlog service that writes
    // maillog_file.
    return """
        # service type  private unpriv  chroot  wakeup  maxproc command
        127.0.0.1:%d inet n - n - - smtpd
        pickup    unix  n       -       n       60      1       pickup
        cleanup   unix  n       -       n       -       0       cleanup
        qmgr      unix  n       -       n       300     1       qmgr
        rewrite   unix  -       -       n       -       -       trivial-rewrite
        bounce    unix  -       -       n       -       0       bounce
        defer     unix  -       -       n       -       0       bounce
        trace     unix  -       -       n       -       0       bounce
        verify    unix  -       -       n       -       1       verify
        flush     unix  n       -       n       1000?   0       flush
        proxymap  unix  -       -       n       -       -       proxymap
        proxywrite unix -       -       n       -       1       proxymap
        smtp      unix  -       -       n       -       -       smtp
        relay     unix  -       -       n       -       -       smtp
        showq     unix  n       -       n       -       -       showq
        error     unix  -       -       n       -       -       error
        retry     unix  -       -       n       -       -       error
        discard   unix  -       -       n       -       -       discard
        virtual   unix  -       n       n       -       -       virtual
        anvil     unix  -       -       n       -       1       anvil
        scache    unix  -       -       n       -       1       scache
        tlsmgr    unix  -       -       n       1000?   1       tlsmgr
        postlog   unix-dgram n  -       n       -       1       postlogd
        """
        .formatted(port);
  }

  private static Processes.Result postfixUnderScript(Path dir, String command) throws IOException {
    String line = "'" + POSTFIX + "' -c '" + dir.resolve("etc") + "' " + command;
    return Processes.run(
        List.of(SCRIPT.toString(), "-eqc", line, "/dev/null"), Duration.ofSeconds(60));
  }

  private void awaitGreeting(Duration timeout) throws IOException {
    StringBuilder lastError = new StringBuilder();
    boolean up =
        Processes.await(
            timeout,
            () -> {
              if (!startFg.isAlive()) {
                return true;
              }
              try (Socket s = new Socket(InetAddress.getLoopbackAddress(), smtpPort)) {
                s.setSoTimeout(5000);
                var in =
                    new BufferedReader(
                        new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                String greeting = in.readLine();
                s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                return greeting != null && greeting.startsWith("220");
              } catch (IOException e) {
                lastError.setLength(0);
                lastError.append(e);
                return false;
              }
            });
    if (!startFg.isAlive()) {
      throw new AssertionError(
          "postfix start-fg exited with "
              + startFg.exitValue()
              + "; postfix check says:\n"
              + postfixUnderScript(dir, "check").output()
              + Files.readString(dir.resolve("start-fg.out"), StandardCharsets.UTF_8)
              + "\nlog:\n"
              + log());
    }
    if (!up) {
      throw new AssertionError(
          "Postfix did not greet on port "
              + smtpPort
              + " within "
              + timeout
              + " ("
              + lastError
              + ")\nlog:\n"
              + log());
    }
  }

  /** The smtpd port on 127.0.0.1. */
  public int smtpPort() {
    return smtpPort;
  }

  /** The instance's directory: {@code etc}, {@code queue}, {@code data}, {@code mail}, logs. */
  public Path dir() {
    return dir;
  }

  /** The Maildir every recipient is delivered to (when not relaying). */
  public Path maildir() {
    return dir.resolve(VIRTUAL_MAILDIR);
  }

  /** The messages delivered so far, oldest first ({@code new/} of the Maildir). */
  public List<Path> delivered() throws IOException {
    Path fresh = maildir().resolve("new");
    if (!Files.isDirectory(fresh)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(fresh)) {
      return files
          .sorted(
              Comparator.comparing(
                      (Path f) -> {
                        try {
                          return Files.getLastModifiedTime(f);
                        } catch (IOException e) {
                          throw new UncheckedIOException(e);
                        }
                      })
                  .thenComparing(Path::toString))
          .toList();
    }
  }

  /**
   * Waits until {@code count} messages have been delivered and returns them; fails with the mail
   * log if they do not come within {@code timeout}.
   */
  public List<Path> awaitDelivered(int count, Duration timeout) throws IOException {
    boolean done =
        Processes.await(
            timeout,
            () -> {
              try {
                return delivered().size() >= count;
              } catch (IOException e) {
                return false;
              }
            });
    List<Path> got = delivered();
    if (!done) {
      throw new AssertionError(
          "expected "
              + count
              + " delivered message(s) within "
              + timeout
              + ", got "
              + got.size()
              + "\nlog:\n"
              + log());
    }
    return got;
  }

  /** The messages still in the queue, as {@code postqueue -p} lists them. */
  public String queue() throws IOException {
    return Processes.run(
            List.of("/usr/sbin/postqueue", "-c", dir.resolve("etc").toString(), "-p"),
            Duration.ofSeconds(30))
        .output();
  }

  /** Asks the queue manager to retry deferred mail now ({@code postqueue -f}). */
  public void flush() throws IOException {
    Processes.Result r =
        Processes.run(
            List.of("/usr/sbin/postqueue", "-c", dir.resolve("etc").toString(), "-f"),
            Duration.ofSeconds(30));
    if (r.exit() != 0) {
      throw new AssertionError("postqueue -f failed: " + r.output());
    }
  }

  /** The instance's mail log so far (its {@code maillog_file}). */
  public String log() {
    try {
      Path log = dir.resolve("maillog");
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log yet)";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** The master daemon's PID, from its pid file; -1 before it wrote one. */
  public long masterPid() throws IOException {
    Path pid = dir.resolve("queue/pid/master.pid");
    return Files.exists(pid) ? Long.parseLong(Files.readString(pid).trim()) : -1;
  }

  /** {@code postfix stop}, then the start-fg process and all its children by PID. */
  @Override
  public void close() {
    try {
      postfixUnderScript(dir, "stop");
    } catch (IOException | AssertionError e) {
      // Stopped by PID below all the same.
    }
    List<ProcessHandle> left = new ArrayList<>();
    left.add(startFg.toHandle());
    try {
      long master = masterPid();
      if (master > 0) {
        ProcessHandle.of(master).ifPresent(left::add);
      }
    } catch (IOException | NumberFormatException e) {
      // no pid file: start-fg's children are found through it
    }
    left.forEach(h -> Processes.stop(h, Duration.ofSeconds(5)));
  }
}
