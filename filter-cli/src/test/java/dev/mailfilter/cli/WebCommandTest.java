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

/** {@code mailfilter web}: serves the pages over the admin API's store and keys, until stopped. */
class WebCommandTest {
  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @Test
  void servesTheLoginAndThePanelWithTheOperatorKeyItPrints() throws Exception {
    int port = FreePort.tcp();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger status = new AtomicInteger(-1);
    List<String> args =
        List.of("--listen", "127.0.0.1:" + port, "--store", dir.resolve("store").toString());
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
    assertThat(login.statusCode()).isEqualTo(200);
    assertThat(login.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("default-src 'self'");
    String key =
        out.toString(UTF_8).lines().filter(l -> l.startsWith("mfk_")).findFirst().orElseThrow();
    String cookie = cookie(login);
    Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(login.body());
    assertThat(csrf.find()).isTrue();
    HttpResponse<String> in =
        send(
            port,
            "/login",
            cookie,
            "_csrf=" + csrf.group(1) + "&key=" + URLEncoder.encode(key, UTF_8));
    assertThat(in.statusCode()).isEqualTo(303);
    HttpResponse<String> panel = send(port, "/tenants", cookie(in), null);
    assertThat(panel.statusCode()).isEqualTo(200);
    assertThat(panel.body()).contains("All resellers and customers");
    stop.countDown();
    t.join(Duration.ofSeconds(20));
    assertThat(status.get()).as(err.toString(UTF_8)).isZero();
  }

  @Test
  void withoutAStoreItExits2() {
    CommandTestSupport.Result r = CommandTestSupport.run("web", "--listen", "127.0.0.1:0");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("no tenant store");
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
