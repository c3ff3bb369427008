package dev.mailfilter.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A minimal SMTP client on a raw socket, for what swaks cannot do: several transactions in one
 * session, and messages sent byte for byte as given (bare LF becomes CRLF, lines starting with a
 * dot are doubled, nothing else changes).
 */
public final class SmtpClient implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final Reply greeting;

  /** One server reply: its code and its text lines, without the code and separator. */
  public record Reply(int code, List<String> lines) {
    /** The lines joined with a space, e.g. {@code 5.7.1 Message refused}. */
    public String text() {
      return String.join(" ", lines);
    }

    @Override
    public String toString() {
      return code + " " + text();
    }
  }

  private SmtpClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
    this.greeting = read();
  }

  /** Connects to 127.0.0.1:port and reads the greeting, with {@code timeout} on every read. */
  public static SmtpClient connect(int port, Duration timeout) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    try {
      s.setSoTimeout((int) timeout.toMillis());
      // As MTAs do: without it the final dot, written after the message, waits under Nagle for
      // the server's delayed ACK (about 40 ms), and tests that time a message would measure that.
      s.setTcpNoDelay(true);
      return new SmtpClient(s);
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  /** The server's greeting. */
  public Reply greeting() {
    return greeting;
  }

  /** Sends one command line (CRLF added) and reads its reply. */
  public Reply send(String command) throws IOException {
    if (command.indexOf('\r') >= 0 || command.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("one command line, without CR or LF: " + command);
    }
    out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    return read();
  }

  /**
   * Sends DATA and, after a 354, {@code message} (lines ending in LF or CRLF) and the final dot;
   * returns the reply to the message, or the refusal of DATA itself.
   */
  public Reply data(byte[] message) throws IOException {
    Reply go = send("DATA");
    if (go.code() != 354) {
      return go;
    }
    byte[] wire = wireForm(message);
    byte[] all = Arrays.copyOf(wire, wire.length + 3);
    all[wire.length] = '.';
    all[wire.length + 1] = '\r';
    all[wire.length + 2] = '\n';
    out.write(all); // one write: the message and its final dot in as few segments as possible
    out.flush();
    return read();
  }

  /**
   * Writes {@code bytes} as they are, e.g. part of a message's {@linkplain #wireForm wire form}
   * after a 354, so that a test can act while the server holds half a message.
   */
  public void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Ends the data with the final dot line and reads the reply to the message. */
  public Reply endData() throws IOException {
    out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return read();
  }

  /** The DATA form of a message: CRLF line ends, leading dots doubled, a final CRLF. */
  public static byte[] wireForm(byte[] message) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(message.length + message.length / 20 + 2);
    boolean lineStart = true;
    for (int i = 0; i < message.length; i++) {
      byte c = message[i];
      if (lineStart && c == '.') {
        b.write('.');
      }
      if (c == '\r' && i + 1 < message.length && message[i + 1] == '\n') {
        continue;
      }
      if (c == '\n') {
        b.write('\r');
      }
      b.write(c);
      lineStart = c == '\n';
    }
    if (!lineStart) {
      b.write('\r');
      b.write('\n');
    }
    return b.toByteArray();
  }

  private Reply read() throws IOException {
    List<String> lines = new ArrayList<>();
    while (true) {
      String line = readLine();
      if (line.length() < 3) {
        throw new IOException("not an SMTP reply line: " + line);
      }
      int code = Integer.parseInt(line.substring(0, 3));
      lines.add(line.length() > 4 ? line.substring(4) : "");
      if (line.length() == 3 || line.charAt(3) == ' ') {
        return new Reply(code, List.copyOf(lines));
      }
    }
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new EOFException("the server closed the connection; read so far: " + line);
      }
      if (c != '\r') {
        line.write(c);
      }
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  /** Sends QUIT (ignoring a connection the server already closed) and closes the socket. */
  @Override
  public void close() throws IOException {
    try {
      if (!socket.isClosed()) {
        send("QUIT");
      }
    } catch (IOException alreadyGone) {
      // the server may have closed first, e.g. after a 421
    } finally {
      socket.close();
    }
  }
}
