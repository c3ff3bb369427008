package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mailfilter.api.Reply;
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
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One SMTP client connection of the relay leg: the socket, the server's extensions, and the
 * commands of a transaction. It may carry several transactions when pooled ({@link RelayPool}). Not
 * thread-safe: one transaction at a time.
 */
final class RelayConnection implements AutoCloseable {
  private static final Pattern ENHANCED = Pattern.compile("([245]\\.\\d{1,3}\\.\\d{1,3}) (.*)");

  /** The server sent something that is no SMTP reply. */
  static final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
      super(message);
    }
  }

  private final String name;
  private final Relay.Timeouts timeouts;
  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private final Set<String> extensions = new HashSet<>();
  private boolean tls;
  private int transactions;
  private boolean messageStarted;
  private long idleSince;

  private RelayConnection(String name, Socket socket, Relay.Timeouts timeouts) throws IOException {
    this.name = name;
    this.timeouts = timeouts;
    this.socket = socket;
    streams();
  }

  /**
   * Connects to {@code address}; {@code name} is the server's host name (for logs, and for the
   * certificate check after STARTTLS).
   */
  static RelayConnection connect(InetSocketAddress address, String name, Relay.Timeouts timeouts)
      throws IOException {
    Socket s = new Socket();
    try {
      s.connect(address, millis(timeouts.connect()));
      s.setTcpNoDelay(true);
      s.setSoTimeout(millis(timeouts.reply()));
      return new RelayConnection(name, s, timeouts);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private void streams() throws IOException {
    in = new BufferedInputStream(socket.getInputStream());
    out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
  }

  /** The server's host name, or the route's host for a direct route. */
  String name() {
    return name;
  }

  /** Whether the conversation runs over TLS. */
  boolean tls() {
    return tls;
  }

  /** Transactions that ended in a 250 to the final dot on this connection. */
  int transactions() {
    return transactions;
  }

  /** Whether any byte of the current transaction's message went out. */
  boolean messageStarted() {
    return messageStarted;
  }

  long idleSince() {
    return idleSince;
  }

  void idleFrom(long nanos) {
    idleSince = nanos;
  }

  boolean offers(String extension) {
    return extensions.contains(extension);
  }

  /** EHLO, or HELO when EHLO is refused; the extensions of a 250 to EHLO are remembered. */
  Reply hello(String heloName) throws IOException, ProtocolException {
    extensions.clear();
    Reply ehlo = command("EHLO " + heloName);
    if (ehlo.code() == 250) {
      for (String line : ehlo.lines().subList(1, ehlo.lines().size())) {
        extensions.add(line.split(" ", 2)[0].toUpperCase(Locale.ROOT));
      }
      return ehlo;
    }
    return command("HELO " + heloName);
  }

  /**
   * The TLS handshake after the server's 220 to STARTTLS (RFC 3207), TLS 1.2 or 1.3 only; with
   * {@code verify}, the trust managers of {@code factory} check the chain and this connection's
   * name is checked against the certificate (RFC 6125, as HTTPS does: subjectAltName, wildcards in
   * the leftmost label only).
   */
  void startTls(SSLSocketFactory factory, boolean verify) throws IOException {
    // The server says nothing between its 220 and the handshake, so nothing is left buffered.
    SSLSocket ssl =
        (SSLSocket) factory.createSocket(socket, name, socket.getPort(), /* autoClose= */ true);
    SSLParameters p = ssl.getSSLParameters();
    p.setProtocols(SmtpTls.PROTOCOLS);
    if (verify) {
      p.setEndpointIdentificationAlgorithm("HTTPS");
    }
    if (!com.google.common.net.InetAddresses.isInetAddress(name)) {
      try {
        p.setServerNames(List.of(new SNIHostName(name)));
      } catch (IllegalArgumentException e) {
        // Not a name SNI can carry: the handshake goes without it.
      }
    }
    ssl.setSSLParameters(p);
    ssl.setUseClientMode(true);
    ssl.startHandshake();
    socket = ssl;
    tls = true;
    streams();
  }

  /**
   * One transaction; the reply is what the gateway answers its client, a 250 only when the server
   * said 250 to the final dot. The connection stays open either way.
   */
  Reply transact(Relay.Transaction t) throws IOException, ProtocolException {
    messageStarted = false;
    if (t.parameters().smtpUtf8() && !extensions.contains("SMTPUTF8")) {
      return Reply.of(550, "5.6.7", "Downstream server does not support SMTPUTF8");
    }
    Reply mail = command("MAIL FROM:<" + t.from() + ">" + mailParameters(t.parameters()));
    if (mail.code() != 250) {
      return mail;
    }
    Reply worst = null;
    for (Relay.Recipient r : t.recipients()) {
      Reply rcpt = command("RCPT TO:<" + r.address() + ">" + rcptParameters(r.parameters()));
      if (rcpt.code() / 100 != 2) {
        if (worst == null || (rcpt.isTemporary() && !worst.isTemporary())) {
          worst = rcpt;
        }
      }
    }
    if (worst != null) {
      return worst;
    }
    Reply data = command("DATA");
    if (data.code() != 354) {
      return data;
    }
    messageStarted = true;
    writeStuffed(t.message());
    out.write(".\r\n".getBytes(UTF_8));
    out.flush();
    socket.setSoTimeout(millis(timeouts.endOfData()));
    Reply end = read();
    socket.setSoTimeout(millis(timeouts.reply()));
    if (end.code() == 250) {
      transactions++;
    }
    return end;
  }

  private String mailParameters(MailParameters p) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : p.all().entrySet()) {
      boolean pass =
          switch (e.getKey()) {
            case "SIZE" -> extensions.contains("SIZE");
            case "BODY" -> extensions.contains("8BITMIME") || e.getValue().equals("7BIT");
            case "SMTPUTF8" -> true; // checked in transact
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

  Reply command(String line) throws IOException, ProtocolException {
    out.write((line + "\r\n").getBytes(UTF_8));
    out.flush();
    return read();
  }

  /** QUIT, waiting briefly for the reply, then close; the outcome is known already. */
  void quitAndClose() {
    try {
      socket.setSoTimeout(1000);
      command("QUIT");
    } catch (IOException | ProtocolException e) {
      // How the server says goodbye does not matter.
    }
    close();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing left to do with it
    }
  }

  // A reply: lines "ddd-text" then "ddd text", the same code on each (RFC 5321 section 4.2.1).
  Reply read() throws IOException, ProtocolException {
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

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }
}
