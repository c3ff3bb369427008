package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mailfilter.api.Reply;
import dev.mailfilter.tenant.Route;
import dev.mailfilter.tenant.TlsPolicy;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Asks a route's server whether it takes a recipient, as Postfix's {@code verify(8)} probes do:
 * EHLO (HELO if refused), {@code MAIL FROM:<>}, {@code RCPT TO:<address>}, QUIT, and no message.
 * The null sender is what a bounce uses, so a server that takes the probe takes the bounce too.
 *
 * <p>Only a reply to RCPT decides: 2xx accepts, 5xx refuses. Anything else (no connection, a
 * timeout, a refused greeting, EHLO or MAIL, a 4xx, a reply that is not SMTP) leaves the recipient
 * unverified, for the caller to answer with a temporary failure. Thread-safe: a connection per
 * probe.
 */
final class Callout {
  /**
   * Time limits of a probe. A probe holds up our client's RCPT, so they are shorter than the
   * relay's: {@code connect} to connect, {@code reply} for each reply.
   */
  record Timeouts(Duration connect, Duration reply) {
    static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30));

    Timeouts {
      Objects.requireNonNull(connect, "connect");
      Objects.requireNonNull(reply, "reply");
    }
  }

  /** What the route's server said about a recipient. */
  sealed interface Result {
    /** RCPT was answered 2xx. */
    record Accepted() implements Result {}

    /** RCPT was answered 5xx: the reply. */
    record Refused(Reply reply) implements Result {}

    /** No answer either way, and why. */
    record Failed(String reason) implements Result {}
  }

  private final String hostName;
  private final Timeouts timeouts;

  Callout(String hostName, Timeouts timeouts) {
    this.hostName = Objects.requireNonNull(hostName, "hostName");
    this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
  }

  /** Probes the route's server for one recipient. Never throws for what the network does. */
  Result probe(Route route, String address) {
    if (route.mx()) {
      // The relay leg does not deliver to MX routes yet either; mail for them is not taken.
      return new Result.Failed("callouts to MX routes (" + route + ") are not supported yet");
    }
    if (route.tls() == TlsPolicy.ENCRYPT || route.tls() == TlsPolicy.VERIFY) {
      // The route forbids plain text; a probe in plain text would show the address.
      return new Result.Failed("callouts over TLS (" + route + ") are not supported yet");
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(route.host(), route.port()), millis(timeouts.connect()));
      s.setSoTimeout(millis(timeouts.reply()));
      s.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      Reply greeting = read(in);
      if (greeting.code() != 220) {
        return failed("greeting", greeting);
      }
      Reply ehlo = command(in, out, "EHLO " + hostName);
      if (ehlo.code() != 250) {
        Reply helo = command(in, out, "HELO " + hostName);
        if (helo.code() != 250) {
          return failed("HELO", helo);
        }
      }
      Reply mail = command(in, out, "MAIL FROM:<>");
      if (mail.code() != 250) {
        return failed("MAIL FROM:<>", mail);
      }
      Reply rcpt = command(in, out, "RCPT TO:<" + address + ">");
      try {
        command(in, out, "QUIT");
      } catch (IOException | BadReply e) {
        // The answer is known; how the server says goodbye does not matter.
      }
      if (rcpt.code() / 100 == 2) {
        return new Result.Accepted();
      }
      if (rcpt.code() / 100 == 5) {
        return new Result.Refused(rcpt);
      }
      return failed("RCPT TO", rcpt);
    } catch (SocketTimeoutException e) {
      return new Result.Failed(route + " did not answer in time");
    } catch (IOException e) {
      return new Result.Failed(route + " unreachable: " + e.getMessage());
    } catch (BadReply e) {
      return new Result.Failed(route + " " + e.getMessage());
    }
  }

  private static Result failed(String stage, Reply r) {
    return new Result.Failed("refused " + stage + ": " + r.toWire().strip());
  }

  private static Reply command(InputStream in, OutputStream out, String line)
      throws IOException, BadReply {
    out.write((line + "\r\n").getBytes(UTF_8));
    out.flush();
    return read(in);
  }

  /** A reply that is not one: the conversation cannot go on. */
  private static final class BadReply extends Exception {
    private static final long serialVersionUID = 1L;

    BadReply(String message) {
      super(message, null, false, false);
    }
  }

  // RFC 5321 section 4.2.1: "ddd-text" lines, then "ddd text", one code throughout.
  private static Reply read(InputStream in) throws IOException, BadReply {
    List<String> lines = new ArrayList<>();
    int code = -1;
    while (true) {
      String line = readLine(in);
      if (line.length() < 3
          || !Character.isDigit(line.charAt(0))
          || !Character.isDigit(line.charAt(1))
          || !Character.isDigit(line.charAt(2))
          || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
        throw new BadReply("sent a line that is not a reply");
      }
      int c = Integer.parseInt(line.substring(0, 3));
      if (c < 200 || c > 599 || (code >= 0 && c != code)) {
        throw new BadReply("sent a bad reply code " + line.substring(0, 3));
      }
      code = c;
      lines.add(line.length() > 4 ? line.substring(4) : "");
      if (line.length() == 3 || line.charAt(3) == ' ') {
        // The text is kept whole (enhanced code included): it goes into our reply's text.
        return new Reply(code, "", lines);
      }
      if (lines.size() > 100) {
        throw new BadReply("sent a reply of more than 100 lines");
      }
    }
  }

  private static String readLine(InputStream in) throws IOException, BadReply {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new BadReply("closed the connection");
      }
      if (b == '\n') {
        String s = line.toString(UTF_8);
        return (s.endsWith("\r") ? s.substring(0, s.length() - 1) : s).replace('\r', ' ');
      }
      if (line.size() > 2048) {
        throw new BadReply("sent a reply line longer than 2048 octets");
      }
      line.write(b);
    }
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }
}
