package dev.mailfilter.av;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.mailfilter.av.ScanResult.FailureKind;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The client against a real clamd started by the test, and against servers that misbehave. */
class ClamdClientTest {
  @TempDir static Path dir;
  private static ClamdServer clamd;

  @BeforeAll
  static void startClamd() throws Exception {
    clamd = ClamdServer.start(dir, "25M");
  }

  @AfterAll
  static void stopClamd() throws Exception {
    if (clamd != null) {
      clamd.close();
    }
  }

  static byte[] mimeWithAttachment(byte[] attachment, String filename) {
    String b64 =
        Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(attachment);
    String msg =
        "From: sender@example.com\r\n"
            + "To: rcpt@example.net\r\n"
            + "Subject: report\r\n"
            + "Message-ID: <t1@example.com>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
            + "\r\n"
            + "--b1\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\n"
            + "\r\n"
            + "Please find the file attached.\r\n"
            + "--b1\r\n"
            + "Content-Type: application/octet-stream; name=\""
            + filename
            + "\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "Content-Disposition: attachment; filename=\""
            + filename
            + "\"\r\n"
            + "\r\n"
            + b64
            + "\r\n--b1--\r\n";
    return msg.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] infectedMail() throws IOException {
    return mimeWithAttachment(ClamdServer.eicar(), "invoice.com");
  }

  static byte[] cleanMail() {
    return mimeWithAttachment(
        "just a harmless text file\n".repeat(100).getBytes(StandardCharsets.US_ASCII), "notes.txt");
  }

  private static ClamdSettings.Builder settings(ClamdAddress address) {
    return ClamdSettings.builder()
        .address(address)
        .connectTimeout(Duration.ofMillis(500))
        .readTimeout(Duration.ofSeconds(5));
  }

  @ParameterizedTest(name = "pool {0}")
  @ValueSource(ints = {0, 2})
  void findsEicarAttachmentOverTcp(int pool) throws Exception {
    try (ClamdClient client =
        ClamdClient.create(settings(clamd.tcpAddress()).poolSize(pool).build())) {
      ScanResult r = client.scan(infectedMail());
      assertThat(r).isInstanceOf(ScanResult.Infected.class);
      assertThat(((ScanResult.Infected) r).signature()).startsWith("Test.EICAR.");
    }
  }

  @ParameterizedTest(name = "pool {0}")
  @ValueSource(ints = {0, 2})
  void findsEicarAttachmentOverUnixSocket(int pool) throws Exception {
    try (ClamdClient client =
        ClamdClient.create(settings(clamd.unixAddress()).poolSize(pool).build())) {
      ScanResult r = client.scan(infectedMail());
      assertThat(r).isInstanceOf(ScanResult.Infected.class);
      assertThat(((ScanResult.Infected) r).signature()).startsWith("Test.EICAR.");
    }
  }

  @Test
  void findsTheBareFileByItsMd5Signature() throws Exception {
    try (ClamdClient client = ClamdClient.create(settings(clamd.tcpAddress()).build())) {
      // The .ndb body signature also matches the bare file; either name proves detection.
      assertThat(client.scan(ClamdServer.eicar()))
          .isIn(
              ScanResult.infected(ClamdServer.HDB_NAME + ".UNOFFICIAL"),
              ScanResult.infected(ClamdServer.NDB_NAME + ".UNOFFICIAL"));
    }
  }

  @ParameterizedTest(name = "pool {0}")
  @ValueSource(ints = {0, 1})
  void cleanMailPasses(int pool) throws Exception {
    try (ClamdClient client =
        ClamdClient.create(settings(clamd.tcpAddress()).poolSize(pool).build())) {
      assertThat(client.scan(cleanMail())).isEqualTo(ScanResult.clean());
      assertThat(client.scan(new byte[0])).isEqualTo(ScanResult.clean());
    }
  }

  @Test
  void smallChunksFrameTheSameStream() throws Exception {
    try (ClamdClient client =
        ClamdClient.create(settings(clamd.tcpAddress()).poolSize(1).build(), 7)) {
      assertThat(client.scan(infectedMail())).isInstanceOf(ScanResult.Infected.class);
      assertThat(client.scan(cleanMail())).isEqualTo(ScanResult.clean());
    }
  }

  @Test
  void pooledSessionsServeConcurrentScansCorrectly() throws Exception {
    byte[] infected = infectedMail();
    byte[] clean = cleanMail();
    try (ClamdClient client =
            ClamdClient.create(settings(clamd.unixAddress()).poolSize(2).build());
        ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        boolean bad = i % 3 == 0;
        results.add(
            pool.submit(
                () -> {
                  ScanResult r = client.scan(bad ? infected : clean);
                  return bad ? r instanceof ScanResult.Infected : r instanceof ScanResult.Clean;
                }));
      }
      for (Future<Boolean> f : results) {
        assertThat(f.get()).isTrue();
      }
    }
  }

  @Test
  void pingAndVersionAnswer() {
    try (ClamdClient client = ClamdClient.create(settings(clamd.unixAddress()).build())) {
      assertThat(client.ping()).isTrue();
      assertThat(client.version()).hasValueSatisfying(v -> assertThat(v).startsWith("ClamAV "));
    }
  }

  @Test
  void stoppedClamdGivesUnavailableWithoutHanging(@TempDir Path own) throws Exception {
    ClamdServer server = ClamdServer.start(own, "25M");
    try (ClamdClient tcp = ClamdClient.create(settings(server.tcpAddress()).poolSize(2).build());
        ClamdClient unix = ClamdClient.create(settings(server.unixAddress()).build())) {
      assertThat(tcp.scan(cleanMail())).isEqualTo(ScanResult.clean());
      server.close();
      // The pooled session is dead: the client notices, retries once, and cannot connect.
      assertTimeoutPreemptively(
          Duration.ofSeconds(5),
          () -> {
            assertThat(tcp.scan(cleanMail()))
                .isInstanceOfSatisfying(
                    ScanResult.Failed.class,
                    f -> assertThat(f.kind()).isEqualTo(FailureKind.UNAVAILABLE));
            assertThat(unix.scan(cleanMail()))
                .isInstanceOfSatisfying(
                    ScanResult.Failed.class,
                    f -> assertThat(f.kind()).isEqualTo(FailureKind.UNAVAILABLE));
            assertThat(tcp.ping()).isFalse();
          });
    } finally {
      server.close();
    }
  }

  @Test
  void connectTimeoutBoundsAnUnansweredConnect() throws Exception {
    // A listener whose accept queue is full: Linux drops further SYNs, so connect never completes.
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<java.nio.channels.SocketChannel> fillers = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open();
          ch.configureBlocking(false);
          ch.connect(full.getLocalSocketAddress());
          fillers.add(ch);
        }
        ClamdSettings s =
            settings(ClamdAddress.tcp("127.0.0.1", full.getLocalPort()))
                .connectTimeout(Duration.ofMillis(300))
                .build();
        try (ClamdClient client = ClamdClient.create(s)) {
          ScanResult r =
              assertTimeoutPreemptively(Duration.ofSeconds(5), () -> client.scan(cleanMail()));
          assertThat(r)
              .isInstanceOfSatisfying(
                  ScanResult.Failed.class,
                  f -> {
                    assertThat(f.kind()).isEqualTo(FailureKind.UNAVAILABLE);
                    assertThat(f.reason()).contains("timed out after PT0.3S");
                  });
        }
      } finally {
        for (var ch : fillers) {
          ch.close();
        }
      }
    }
  }

  @Test
  void overClamdsStreamMaxLengthGivesSizeLimit(@TempDir Path own) throws Exception {
    try (ClamdServer small = ClamdServer.start(own, "10K")) {
      byte[] big = mimeWithAttachment(new byte[200_000], "zeros.bin");
      for (ClamdAddress address : List.of(small.tcpAddress(), small.unixAddress())) {
        for (int pool : new int[] {0, 1}) {
          // Misconfigured on purpose: we allow more than clamd does, so clamd has to refuse.
          try (ClamdClient client =
              ClamdClient.create(
                  settings(address).poolSize(pool).maxStreamLength(1 << 20).build())) {
            ScanResult r =
                assertTimeoutPreemptively(Duration.ofSeconds(10), () -> client.scan(big));
            assertThat(r)
                .as("%s pool %s", address, pool)
                .isInstanceOfSatisfying(
                    ScanResult.Failed.class,
                    f -> {
                      assertThat(f.kind()).as(f.reason()).isEqualTo(FailureKind.SIZE_LIMIT);
                      assertThat(f.reason()).contains("size limit exceeded");
                    });
            // And the client still works for mail under the limit afterwards.
            assertThat(client.scan(infectedMail())).isInstanceOf(ScanResult.Infected.class);
          }
        }
      }
    }
  }

  @Test
  void overOurMaxStreamLengthIsNotSent() throws Exception {
    // A port nobody listens on: the result must come from the length check, before any connect.
    ClamdSettings s =
        settings(ClamdAddress.tcp("127.0.0.1", ClamdServer.freePort()))
            .maxStreamLength(100)
            .build();
    try (ClamdClient client = ClamdClient.create(s)) {
      assertThat(client.scan(new byte[101]))
          .isInstanceOfSatisfying(
              ScanResult.Failed.class,
              f -> {
                assertThat(f.kind()).isEqualTo(FailureKind.SIZE_LIMIT);
                assertThat(f.reason()).contains("101 bytes").contains("not sent");
              });
    }
  }

  /** A one-connection-at-a-time fake clamd that reads the request and then does {@code answer}. */
  private static final class FakeClamd implements AutoCloseable {
    interface Behaviour {
      void serve(Socket s) throws IOException;
    }

    final ServerSocket server;
    final Thread thread;

    FakeClamd(Behaviour behaviour) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      thread =
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (!server.isClosed()) {
                      try (Socket s = server.accept()) {
                        behaviour.serve(s);
                      } catch (IOException e) {
                        // The test closed the server or the client gave up: nothing to do.
                      }
                    }
                  });
    }

    ClamdAddress address() {
      return ClamdAddress.tcp("127.0.0.1", server.getLocalPort());
    }

    @Override
    public void close() throws IOException {
      server.close();
      try {
        thread.join(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Reads until the INSTREAM terminator (4 zero bytes after a chunk boundary). */
    static void readRequest(Socket s) throws IOException {
      InputStream in = s.getInputStream();
      byte[] cmd = new byte[ClamdCodec.INSTREAM.length];
      in.readNBytes(cmd, 0, cmd.length);
      while (true) {
        byte[] len = in.readNBytes(4);
        if (len.length < 4) {
          return;
        }
        int n = java.nio.ByteBuffer.wrap(len).getInt();
        if (n == 0) {
          return;
        }
        in.readNBytes(n);
      }
    }
  }

  private static void assertFailure(ClamdAddress address, FailureKind kind, int pool) {
    try (ClamdClient client =
        ClamdClient.create(
            settings(address).readTimeout(Duration.ofSeconds(2)).poolSize(pool).build())) {
      ScanResult r =
          assertTimeoutPreemptively(Duration.ofSeconds(5), () -> client.scan(cleanMail()));
      assertThat(r)
          .isInstanceOfSatisfying(
              ScanResult.Failed.class, f -> assertThat(f.kind()).isEqualTo(kind));
    }
  }

  @Test
  void silentServerTimesOut() throws Exception {
    try (FakeClamd fake =
        new FakeClamd(
            s -> {
              FakeClamd.readRequest(s);
              s.getInputStream().read(); // until the client gives up and closes
            })) {
      assertFailure(fake.address(), FailureKind.TIMEOUT, 0);
    }
  }

  @Test
  void serverThatStopsReadingTimesOut() throws Exception {
    java.util.concurrent.CountDownLatch testOver = new java.util.concurrent.CountDownLatch(1);
    try (FakeClamd fake =
        new FakeClamd(
            s -> {
              s.getInputStream().readNBytes(100);
              try {
                testOver.await(); // holds the connection open without reading more
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            })) {
      // 8 MB cannot fit in the socket buffers: the write itself must time out.
      try (ClamdClient client =
          ClamdClient.create(
              settings(fake.address()).readTimeout(Duration.ofMillis(300)).build())) {
        ScanResult r =
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> client.scan(new byte[8 << 20]));
        assertThat(r)
            .isInstanceOfSatisfying(
                ScanResult.Failed.class,
                f -> {
                  assertThat(f.kind()).isEqualTo(FailureKind.TIMEOUT);
                  assertThat(f.reason()).contains("stopped reading");
                });
      } finally {
        testOver.countDown();
      }
    }
  }

  @Test
  void timeLimitCutsAScanShorterThanTheReadTimeout() throws Exception {
    java.util.concurrent.CountDownLatch testOver = new java.util.concurrent.CountDownLatch(1);
    try (FakeClamd fake =
            new FakeClamd(
                s -> {
                  FakeClamd.readRequest(s);
                  try {
                    testOver.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
        ClamdClient client =
            ClamdClient.create(settings(fake.address()).readTimeout(Duration.ofHours(1)).build())) {
      ScanResult r =
          assertTimeoutPreemptively(
              Duration.ofSeconds(5),
              () -> client.scan(java.nio.ByteBuffer.wrap(cleanMail()), Duration.ofMillis(200)));
      assertThat(r)
          .isInstanceOfSatisfying(
              ScanResult.Failed.class, f -> assertThat(f.kind()).isEqualTo(FailureKind.TIMEOUT));
      assertThat(client.scan(java.nio.ByteBuffer.wrap(cleanMail()), Duration.ZERO))
          .isInstanceOfSatisfying(
              ScanResult.Failed.class, f -> assertThat(f.kind()).isEqualTo(FailureKind.TIMEOUT));
    } finally {
      testOver.countDown();
    }
  }

  @Test
  void garbageReplyIsAProtocolFailure() throws Exception {
    try (FakeClamd fake =
        new FakeClamd(
            s -> {
              FakeClamd.readRequest(s);
              s.getOutputStream()
                  .write("HTTP/1.1 400 Bad Request\r\n\0".getBytes(StandardCharsets.US_ASCII));
            })) {
      assertFailure(fake.address(), FailureKind.PROTOCOL, 0);
    }
  }

  @Test
  void replyWithoutSessionIdIsAProtocolFailure() throws Exception {
    try (FakeClamd fake =
        new FakeClamd(
            s -> {
              s.getInputStream().readNBytes(ClamdCodec.IDSESSION.length);
              FakeClamd.readRequest(s);
              s.getOutputStream().write("stream: OK\0".getBytes(StandardCharsets.US_ASCII));
              s.getInputStream().read();
            })) {
      assertFailure(fake.address(), FailureKind.PROTOCOL, 1);
    }
  }

  @Test
  void endlessReplyIsCutAtTheLimit() throws Exception {
    byte[] junk = new byte[64 * 1024];
    Arrays.fill(junk, (byte) 'A');
    try (FakeClamd fake =
        new FakeClamd(
            s -> {
              FakeClamd.readRequest(s);
              s.getOutputStream().write(junk);
            })) {
      assertFailure(fake.address(), FailureKind.PROTOCOL, 0);
    }
  }

  @Test
  void halfAReplyThenCloseIsAProtocolFailure() throws Exception {
    try (FakeClamd fake =
        new FakeClamd(
            s -> {
              FakeClamd.readRequest(s);
              s.getOutputStream().write("stream: O".getBytes(StandardCharsets.US_ASCII));
            })) {
      assertFailure(fake.address(), FailureKind.PROTOCOL, 0);
    }
  }

  @Test
  void closeWithoutReplyIsAConnectionFailure() throws Exception {
    try (FakeClamd fake = new FakeClamd(FakeClamd::readRequest)) {
      assertFailure(fake.address(), FailureKind.CONNECTION, 0);
    }
  }

  @Test
  void errorReplyIsAServerError() throws Exception {
    try (FakeClamd fake =
        new FakeClamd(
            s -> {
              FakeClamd.readRequest(s);
              s.getOutputStream()
                  .write("Can't allocate memory ERROR\0".getBytes(StandardCharsets.US_ASCII));
            })) {
      assertFailure(fake.address(), FailureKind.SERVER_ERROR, 0);
    }
  }

  @Test
  void missingUnixSocketIsUnavailable(@TempDir Path own) {
    assertFailure(ClamdAddress.unix(own.resolve("no-such.sock")), FailureKind.UNAVAILABLE, 0);
  }
}
