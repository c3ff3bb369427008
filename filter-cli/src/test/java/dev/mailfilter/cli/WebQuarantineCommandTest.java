package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testkit.FreePort;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mailfilter web --config FILE} with {@code smtp.quarantine}: the quarantine pages too. */
class WebQuarantineCommandTest {
  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  private Path config(boolean makeDir) throws Exception {
    Path q = dir.resolve("q");
    if (makeDir) {
      Files.createDirectories(q);
    }
    Path c = dir.resolve("c.yaml");
    Files.writeString(c, "smtp:\n  quarantine:\n    dir: \"" + q + "\"\n");
    return c;
  }

  @Test
  void servesTheQuarantineAndTheDigestLinksWhenTheFileHasAQuarantine() throws Exception {
    int port = FreePort.tcp();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger status = new AtomicInteger(-1);
    List<String> args =
        List.of(
            "--listen",
            "127.0.0.1:" + port,
            "--store",
            dir.resolve("store").toString(),
            "--config",
            config(true).toString());
    Thread t =
        Thread.ofVirtual()
            .start(
                () ->
                    status.set(
                        WebCommand.run(
                            args,
                            new PrintStream(out, true, UTF_8),
                            new PrintStream(err, true, UTF_8),
                            stop)));
    HttpResponse<String> login = null;
    Instant deadline = Instant.now().plusSeconds(20);
    while (login == null && Instant.now().isBefore(deadline) && t.isAlive()) {
      try {
        login = send(port, "/login", null, null);
      } catch (ConnectException e) {
        Thread.onSpinWait();
      }
    }
    assertThat(login).as(err.toString(UTF_8)).isNotNull();
    String key =
        out.toString(UTF_8).lines().filter(l -> l.startsWith("mfk_")).findFirst().orElseThrow();
    Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(login.body());
    assertThat(csrf.find()).isTrue();
    HttpResponse<String> in =
        send(
            port,
            "/login",
            cookie(login),
            "_csrf=" + csrf.group(1) + "&key=" + URLEncoder.encode(key, UTF_8));
    assertThat(in.statusCode()).isEqualTo(303);
    HttpResponse<String> page = send(port, "/quarantine", cookie(in), null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("No messages held");
    // The digest's link page needs no login; a made-up token is refused.
    HttpResponse<String> link = send(port, "/quarantine/link?t=made.up", null, null);
    assertThat(link.statusCode()).isEqualTo(400);
    assertThat(link.body()).contains("This link is not valid.");
    assertThat(dir.resolve("q/digest/digest.key")).exists();
    stop.countDown();
    t.join(Duration.ofSeconds(20));
    assertThat(status.get()).as(err.toString(UTF_8)).isZero();
  }

  @Test
  void aQuarantineDirectoryThatDoesNotExistIsAnError() throws Exception {
    CommandTestSupport.Result r =
        CommandTestSupport.run(
            "web",
            "--listen",
            "127.0.0.1:0",
            "--store",
            dir.resolve("store").toString(),
            "--config",
            config(false).toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("no quarantine directory");
  }

  private static String cookie(HttpResponse<String> r) {
    String c = r.headers().firstValue("Set-Cookie").orElseThrow();
    return c.substring(0, c.indexOf(';'));
  }

  private HttpResponse<String> send(int port, String path, String cookie, String form)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    if (form != null) {
      b.header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(form));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
