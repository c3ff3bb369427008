package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/** A raw SMTP client for tests: writes exactly what it is given, reads whole replies. */
final class Client implements AutoCloseable {
  private Socket socket;
  private InputStream in;
  private OutputStream out;

  Client(InetSocketAddress server) throws IOException {
    socket = new Socket();
    socket.connect(server, 5000);
    socket.setSoTimeout(20_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** A client over a socket connected elsewhere (from another local address, say). */
  Client(Socket connected) throws IOException {
    socket = connected;
    socket.setSoTimeout(20_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /**
   * Starts TLS over this connection (after the server's 220 to STARTTLS) with {@code protocols}
   * only, trusting the certificates {@code factory} trusts, and reads on over TLS.
   */
  javax.net.ssl.SSLSession startTls(javax.net.ssl.SSLSocketFactory factory, String... protocols)
      throws IOException {
    javax.net.ssl.SSLSocket ssl =
        (javax.net.ssl.SSLSocket) factory.createSocket(socket, "localhost", socket.getPort(), true);
    ssl.setUseClientMode(true);
    ssl.setEnabledProtocols(protocols);
    ssl.startHandshake();
    socket = ssl;
    in = ssl.getInputStream();
    out = ssl.getOutputStream();
    return ssl.getSession();
  }

  /** Writes the bytes in one write. */
  Client send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Writes the text in one write. */
  Client send(String text) throws IOException {
    out.write(text.getBytes(UTF_8));
    out.flush();
    return this;
  }

  /** Reads one reply, all its lines joined with CRLF, without the last CRLF; null at the end. */
  String reply() throws IOException {
    StringBuilder all = new StringBuilder();
    while (true) {
      String line = line();
      if (line == null) {
        return all.isEmpty() ? null : all.toString();
      }
      if (!all.isEmpty()) {
        all.append("\r\n");
      }
      all.append(line);
      if (line.length() < 4 || line.charAt(3) == ' ') {
        return all.toString();
      }
    }
  }

  /** Reads {@code n} replies, the last line of each. */
  List<String> replies(int n) throws IOException {
    List<String> r = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String reply = reply();
      r.add(reply == null ? null : reply.substring(reply.lastIndexOf('\n') + 1));
    }
    return r;
  }

  /** Whether the server has closed the connection (reads to the end). */
  boolean closedByServer() throws IOException {
    return in.read() < 0;
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        String s = b.toString(UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
