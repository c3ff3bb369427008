package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mailfilter.api.Reply;
import dev.mailfilter.tenant.Route;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The outbound leg: one SMTP client conversation that hands one accepted transaction to its route's
 * server, before the gateway answers its own client. No pooling yet: a connection per message.
 *
 * <p>The outcome is the reply the gateway gives its client: {@code 250} only after the downstream
 * server said 250 to the end of data; otherwise the downstream reply (with an enhanced code of our
 * own when it had none), or a {@code 451 4.4.x} when the server could not be reached or broke the
 * protocol. Per-recipient failures at RCPT cannot be answered one by one any more (our RCPT replies
 * are gone), so the message is not sent and the worst failure is the answer: a temporary one if any
 * was temporary (the client retries every recipient), else the first permanent one.
 */
final class Relay {
  private static final Pattern ENHANCED = Pattern.compile("([245]\\.\\d{1,3}\\.\\d{1,3}) (.*)");

  /** A recipient as relayed: the address for RCPT TO and its parameters. */
  record Recipient(String address, RcptParameters parameters) {}

  /** What is relayed: the envelope and the message, already edited and unstuffed. */
  record Transaction(
      String from, MailParameters parameters, List<Recipient> recipients, byte[] message) {}

  /** How long the relay leg may wait: to connect, for a reply, for the reply to the final dot. */
  record Timeouts(Duration connect, Duration reply, Duration endOfData) {
    /** RFC 5321 section 4.5.3.2's client timeouts; 30 s to connect. */
    static final Timeouts DEFAULT =
        new Timeouts(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(10));
  }

  private final String heloName;
  private final Timeouts timeouts;

  Relay(String heloName, Timeouts timeouts) {
    this.heloName = heloName;
    this.timeouts = timeouts;
  }

  /** Delivers the transaction to the route; never throws for network trouble. */
  Reply deliver(Route route, Transaction t) {
    if (route.mx()) {
      // Looking up MX records needs the core's resolver, not yet shared with the gateway.
      return Reply.of(451, "4.3.5", "Route by MX lookup is not supported yet: " + route.host());
    }
    switch (route.tls()) {
      case ENCRYPT, VERIFY -> {
        return Reply.of(451, "4.7.5", "TLS to the route's server is not supported yet");
      }
      case NONE, MAY -> {}
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(route.host(), route.port()), millis(timeouts.connect()));
      s.setTcpNoDelay(true);
      s.setSoTimeout(millis(timeouts.reply()));
      Conversation c =
          new Conversation(
              new BufferedInputStream(s.getInputStream()),
              new BufferedOutputStream(s.getOutputStream(), 64 * 1024));
      Reply r = c.run(s, t);
      return r;
    } catch (java.net.SocketTimeoutException e) {
      return Reply.of(451, "4.4.2", "Downstream server timed out: " + route.host());
    } catch (IOException e) {
      return Reply.of(451, "4.4.1", "Downstream server not reachable: " + route.host());
    } catch (ProtocolException e) {
      return Reply.of(451, "4.4.2", "Downstream server broke the protocol: " + e.getMessage());
    }
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }

  /** The server sent something that is no SMTP reply. */
  private static final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
      super(message);
    }
  }

  private final class Conversation {
    private final InputStream in;
    private final OutputStream out;
    private final Set<String> extensions = new HashSet<>();

    Conversation(InputStream in, OutputStream out) {
      this.in = in;
      this.out = out;
    }

    Reply run(Socket s, Transaction t) throws IOException, ProtocolException {
      Reply greeting = read();
      if (greeting.code() != 220) {
        return temporary(greeting);
      }
      Reply ehlo = command("EHLO " + heloName);
      if (ehlo.code() == 250) {
        for (String line : ehlo.lines().subList(1, ehlo.lines().size())) {
          extensions.add(line.split(" ", 2)[0].toUpperCase(Locale.ROOT));
        }
      } else {
        Reply helo = command("HELO " + heloName);
        if (helo.code() != 250) {
          return temporary(helo);
        }
      }
      if (t.parameters().smtpUtf8() && !extensions.contains("SMTPUTF8")) {
        quit();
        return Reply.of(550, "5.6.7", "Downstream server does not support SMTPUTF8");
      }
      Reply mail = command("MAIL FROM:<" + t.from() + ">" + mailParameters(t.parameters()));
      if (mail.code() != 250) {
        quit();
        return withEnhanced(mail);
      }
      Reply worst = null;
      for (Recipient r : t.recipients()) {
        Reply rcpt = command("RCPT TO:<" + r.address() + ">" + rcptParameters(r.parameters()));
        if (rcpt.code() / 100 != 2) {
          if (worst == null || (rcpt.isTemporary() && !worst.isTemporary())) {
            worst = rcpt;
          }
        }
      }
      if (worst != null) {
        quit();
        return withEnhanced(worst);
      }
      Reply data = command("DATA");
      if (data.code() != 354) {
        quit();
        return withEnhanced(data);
      }
      writeStuffed(t.message());
      out.write(".\r\n".getBytes(UTF_8));
      out.flush();
      s.setSoTimeout(millis(timeouts.endOfData()));
      Reply end = read();
      s.setSoTimeout(millis(timeouts.reply()));
      quit();
      return end.code() == 250 ? end : withEnhanced(end);
    }

    private String mailParameters(MailParameters p) {
      StringBuilder sb = new StringBuilder();
      for (Map.Entry<String, String> e : p.all().entrySet()) {
        boolean pass =
            switch (e.getKey()) {
              case "SIZE" -> extensions.contains("SIZE");
              case "BODY" -> extensions.contains("8BITMIME") || e.getValue().equals("7BIT");
              case "SMTPUTF8" -> true; // checked above
              case "RET", "ENVID" -> extensions.contains("DSN");
              default -> false; // AUTH= is between the client and us
            };
        if (pass) {
          sb.append(' ').append(e.getKey());
          if (!e.getValue().isEmpty()) {
            sb.append('=').append(e.getValue());
          }
        }
      }
      return sb.toString();
    }

    private String rcptParameters(RcptParameters p) {
      if (!extensions.contains("DSN")) {
        return "";
      }
      StringBuilder sb = new StringBuilder();
      for (Map.Entry<String, String> e : p.all().entrySet()) {
        sb.append(' ').append(e.getKey());
        if (!e.getValue().isEmpty()) {
          sb.append('=').append(e.getValue());
        }
      }
      return sb.toString();
    }

    // RFC 5321 section 4.5.2: a line that starts with a dot gets one more. Line ends go out as
    // CRLF only, so that no bare CR or LF the client sent can end our DATA at a lax server.
    private void writeStuffed(byte[] m) throws IOException {
      boolean lineStart = true;
      int n = m.length;
      for (int i = 0; i < n; i++) {
        byte b = m[i];
        if (lineStart && b == '.') {
          out.write('.');
        }
        if (b == '\r') {
          out.write('\r');
          out.write('\n');
          if (i + 1 < n && m[i + 1] == '\n') {
            i++;
          }
          lineStart = true;
        } else if (b == '\n') {
          out.write('\r');
          out.write('\n');
          lineStart = true;
        } else {
          out.write(b);
          lineStart = false;
        }
      }
      if (!lineStart) {
        out.write('\r');
        out.write('\n');
      }
    }

    private Reply command(String line) throws IOException, ProtocolException {
      out.write((line + "\r\n").getBytes(UTF_8));
      out.flush();
      return read();
    }

    private void quit() {
      try {
        command("QUIT");
      } catch (IOException | ProtocolException e) {
        // The transaction's outcome is known; how the server says goodbye does not matter.
      }
    }

    // A reply: lines "ddd-text" then "ddd text", the same code on each (RFC 5321 section 4.2.1).
    private Reply read() throws IOException, ProtocolException {
      List<String> lines = new ArrayList<>();
      int code = -1;
      String enhanced = null;
      while (true) {
        String line = readLine();
        if (line.length() < 3
            || !Character.isDigit(line.charAt(0))
            || !Character.isDigit(line.charAt(1))
            || !Character.isDigit(line.charAt(2))
            || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
          throw new ProtocolException("not a reply line: " + abbreviate(line));
        }
        int c = Integer.parseInt(line.substring(0, 3));
        if (c < 200 || c > 599 || (code >= 0 && c != code)) {
          throw new ProtocolException("bad reply code: " + abbreviate(line));
        }
        code = c;
        String text = line.length() > 4 ? line.substring(4) : "";
        Matcher m = ENHANCED.matcher(text);
        if (m.matches() && m.group(1).charAt(0) - '0' == code / 100) {
          enhanced = enhanced == null ? m.group(1) : enhanced;
          text = m.group(2);
        }
        lines.add(text);
        if (line.length() == 3 || line.charAt(3) == ' ') {
          return new Reply(code, enhanced == null ? "" : enhanced, lines);
        }
        if (lines.size() > 100) {
          throw new ProtocolException("reply of more than 100 lines");
        }
      }
    }

    private String readLine() throws IOException, ProtocolException {
      ByteArrayOutputStream line = new ByteArrayOutputStream(128);
      while (true) {
        int b = in.read();
        if (b < 0) {
          throw new ProtocolException("connection closed");
        }
        if (b == '\n') {
          byte[] bytes = line.toByteArray();
          int len = bytes.length;
          if (len > 0 && bytes[len - 1] == '\r') {
            len--;
          }
          String s = new String(bytes, 0, len, UTF_8);
          // No CR may stay in a reply line we pass on.
          return s.replace('\r', ' ');
        }
        if (line.size() > 2048) {
          throw new ProtocolException("reply line longer than 2048 octets");
        }
        line.write(b);
      }
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  /** A failure before the transaction: always temporary towards our client. */
  private static Reply temporary(Reply downstream) {
    return new Reply(
        451, "4.4.0", List.of("Downstream server refused us: " + downstream.lines().getFirst()));
  }

  /** The downstream reply with an enhanced code of ours when it had none. */
  static Reply withEnhanced(Reply r) {
    if (!r.enhanced().isEmpty()) {
      return r;
    }
    return new Reply(r.code(), (r.code() / 100) + ".0.0", r.lines());
  }
}
