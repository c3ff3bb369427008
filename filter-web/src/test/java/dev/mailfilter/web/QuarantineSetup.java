package dev.mailfilter.web;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpServer;
import dev.mailfilter.smtp.Quarantine;
import dev.mailfilter.testkit.SmtpSink;
import dev.mailfilter.web.quarantine.DigestLinkPage;
import dev.mailfilter.web.quarantine.DigestTokens;
import dev.mailfilter.web.quarantine.HoldingGateway;
import dev.mailfilter.web.quarantine.QuarantinePage;
import dev.mailfilter.web.quarantine.UsedTokens;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The quarantine pages over a real store: a gateway on the fixture's tree holds GTUBE mail for
 * bakery.example (boss, clerk) and rival.example (eve), relaying releases to Postfix's smtp-sink; a
 * web server with {@link QuarantinePage} and {@link DigestLinkPage} over the same directory; and a
 * tiny HTTP server standing in for a spammer's image host, counting fetches.
 */
final class QuarantineSetup implements AutoCloseable {
  static final String SPAM_FROM = "spammer@bad.example";

  final SmtpSink sink;
  final HoldingGateway gateway;
  final Quarantine quarantine;
  final WebFixture web;
  final DigestTokens tokens;
  final TestClock tokenClock = new TestClock();
  final HttpServer images;
  final AtomicInteger imageFetches = new AtomicInteger();
  private final List<AutoCloseable> closing = new ArrayList<>();

  QuarantineSetup(Path dir) throws IOException {
    // smtp-sink run as root works as nobody, who must reach its dump directory inside ours.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    sink = SmtpSink.start(dir.resolve("sink"), 10);
    closing.add(sink);
    String route =
        "        route: {host: 127.0.0.1, port: "
            + sink.port()
            + ", tls: none}\n"
            + "        action_overrides: {reject: quarantine}\n";
    gateway =
        HoldingGateway.start(
            dir.resolve("q"),
            "tenants:\n  resellers:\n    acme:\n      customers:\n        bakery:\n"
                + "          domains:\n            bakery.example:\n"
                + route.replace("        ", "              ")
                + "              users: {boss: {}, clerk: {}}\n"
                + "    other:\n      customers:\n        rival:\n          domains:\n"
                + "            rival.example:\n"
                + route.replace("        ", "              ")
                + "              users: {eve: {}}\n");
    closing.add(gateway);
    quarantine = gateway.open();
    byte[] key = new byte[32];
    new Random(7).nextBytes(key);
    tokens =
        DigestTokens.create(key, UsedTokens.directory(dir.resolve("used"), tokenClock), tokenClock);
    Deferred page = new Deferred("/quarantine", false);
    Deferred link = new Deferred("/quarantine/link", true);
    web = WebFixture.start(dir.resolve("web"), List.of(page, link));
    closing.add(web);
    page.target = QuarantinePage.of(quarantine, web.store);
    link.target = DigestLinkPage.of(quarantine, web.store, tokens);
    images = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    images.createContext(
        "/",
        ex -> {
          imageFetches.incrementAndGet();
          // A 1x1 GIF.
          byte[] gif =
              java.util.Base64.getDecoder()
                  .decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
          ex.getResponseHeaders().set("Content-Type", "image/gif");
          ex.sendResponseHeaders(200, gif.length);
          ex.getResponseBody().write(gif);
          ex.close();
        });
    images.start();
    closing.add(() -> images.stop(0));
  }

  /** An HTML message with a script and a remote image, and another script in its subject. */
  String holdHtml(String rcpt) throws IOException {
    String pixel = "http://127.0.0.1:" + images.getAddress().getPort() + "/pixel.gif";
    return gateway.hold(
        SPAM_FROM,
        List.of(rcpt),
        "From: Spammer <"
            + SPAM_FROM
            + ">\r\nSubject: <script>alert(1)</script> Cheap pills\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8",
        "<html><body><h1 id=\"offer\">Offer</h1>"
            + "<script>parent.document.body.setAttribute('data-pwned','1');"
            + "document.title='pwned'</script>"
            + "<img id=\"pixel\" src=\""
            + pixel
            + "\" alt=\"pixel\" onerror=\"parent.document.body.setAttribute('data-pwned','2')\">"
            + "<p>Only today.</p></body></html>");
  }

  /** A plain message. */
  String holdText(String from, String rcpt, String subject) throws IOException {
    return gateway.hold(from, List.of(rcpt), "From: <" + from + ">\r\nSubject: " + subject, "text");
  }

  /** The messages smtp-sink accepted, each as text with CRLF line ends. */
  List<String> delivered() throws IOException {
    List<String> out = new ArrayList<>();
    for (Path p : sink.dumps()) {
      out.add(Files.readString(p, UTF_8));
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    for (AutoCloseable c : closing.reversed()) {
      try {
        c.close();
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException("closing " + c, e);
      }
    }
  }

  /** A page registered before its target exists (the target needs the fixture's store). */
  static final class Deferred implements WebPage {
    private final String path;
    private final boolean anonymous;
    volatile WebPage target;

    Deferred(String path, boolean anonymous) {
      this.path = path;
      this.anonymous = anonymous;
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public String title() {
      return target == null ? "Quarantine" : target.title();
    }

    @Override
    public boolean inNav() {
      return !anonymous;
    }

    @Override
    public boolean anonymous() {
      return anonymous;
    }

    @Override
    public boolean csrfExempt() {
      return anonymous;
    }

    @Override
    public WebResponse handle(WebRequest request) throws IOException {
      return target.handle(request);
    }
  }
}
