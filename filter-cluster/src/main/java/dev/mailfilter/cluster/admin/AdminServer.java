package dev.mailfilter.cluster.admin;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.mailfilter.smtp.SmtpTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The admin API's HTTP server: the tenant tree as JSON resources, API keys per principal, every
 * request authorised against the tree (docs/cluster.md, "Admin API"). The JDK's HTTP server, one
 * virtual thread per request.
 */
public final class AdminServer implements AutoCloseable {
  /** The default largest request body: far above any one object's settings. */
  public static final long DEFAULT_MAX_BODY = 256 * 1024;

  private final HttpServer server;
  private final ExecutorService executor;

  private AdminServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The bound address (its port when port 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Stops accepting, lets requests in flight finish for up to a second, then stops. */
  @Override
  public void close() {
    server.stop((int) Duration.ofSeconds(1).toSeconds());
    executor.close();
  }

  /** The OpenAPI description served at {@code /openapi.json}. */
  static byte[] openApi() {
    try (InputStream in = AdminServer.class.getResourceAsStream("openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Builds and starts an {@link AdminServer}. */
  public static final class Builder {
    private Optional<SmtpTls> tls = Optional.empty();
    private boolean allowPlainHttp;
    private InetSocketAddress listen =
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 8025);
    private ApiKeys keys;
    private AdminApi api;
    private long maxBody = DEFAULT_MAX_BODY;
    private HttpFront.Observer observer = (method, template, status) -> {};

    private Builder() {}

    /** Where to listen; port 0 for any free port. Default 127.0.0.1:8025. */
    public Builder listen(InetSocketAddress listen) {
      this.listen = Objects.requireNonNull(listen, "listen");
      return this;
    }

    /** The API keys that authenticate requests. */
    public Builder keys(ApiKeys keys) {
      this.keys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /** The resources served. */
    public Builder api(AdminApi api) {
      this.api = Objects.requireNonNull(api, "api");
      return this;
    }

    /** The largest request body accepted; a larger one is a 413. */
    public Builder maxBody(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxBody must be at least 1024 bytes, got " + bytes);
      }
      this.maxBody = bytes;
      return this;
    }

    /** Tests: told every routed answer's route and status. */
    Builder observer(HttpFront.Observer observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /** Serves HTTPS with this certificate and key (as the gateway's {@code smtp.tls}). */
    public Builder tls(SmtpTls tls) {
      this.tls = Optional.of(tls);
      return this;
    }

    /**
     * Allows plain HTTP on an address other than loopback (behind a TLS proxy on the same network,
     * say); without it such a server refuses to start.
     */
    public Builder allowPlainHttp(boolean allow) {
      this.allowPlainHttp = allow;
      return this;
    }

    /**
     * Binds and starts the server.
     *
     * @throws IllegalStateException for plain HTTP on an address other than loopback, unless
     *     {@linkplain #allowPlainHttp allowed}: API keys would cross the network in clear
     */
    public AdminServer start() throws IOException {
      Objects.requireNonNull(keys, "keys");
      Objects.requireNonNull(api, "api");
      if (tls.isEmpty() && !allowPlainHttp && !AdminSettings.loopback(listen)) {
        throw new IllegalStateException(
            "the admin API on "
                + listen
                + " without TLS would send API keys in clear: configure admin.tls (certificate,"
                + " key), listen on loopback, or set admin.allow_plain_http: true");
      }
      HttpServer server;
      if (tls.isPresent()) {
        HttpsServer https = HttpsServer.create(listen, 64);
        https.setHttpsConfigurator(
            new HttpsConfigurator(tls.get().serverContext()) {
              @Override
              public void configure(HttpsParameters params) {
                javax.net.ssl.SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setProtocols(SmtpTls.protocols());
                params.setSSLParameters(p);
              }
            });
        server = https;
      } else {
        server = HttpServer.create(listen, 64);
      }
      ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
      server.setExecutor(executor);
      server.createContext(
          "/", new HttpFront(api.router(keys), keys, maxBody, openApi(), observer));
      server.start();
      return new AdminServer(server, executor);
    }
  }
}
