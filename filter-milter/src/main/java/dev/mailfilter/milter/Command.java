package dev.mailfilter.milter;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SequencedMap;

/**
 * A command from the MTA to the milter, decoded from one packet.
 *
 * <p>Strings are decoded as ISO-8859-1, one char per byte, so that a value round-trips byte for
 * byte whatever its real charset (SMTPUTF8 addresses, raw 8-bit headers); the layer that hands
 * values to the checks decodes them further.
 */
sealed interface Command {
  /** The command as a packet, as the MTA sends it. */
  Packet toPacket();

  /**
   * Decodes one packet.
   *
   * @throws MilterProtocolException if the code is not a milter command or the data does not match
   *     the command's layout; the message names the command
   */
  static Command decode(Packet packet) throws MilterProtocolException {
    char code = packet.code();
    Fields f = new Fields(name(code), packet.data(), ISO_8859_1);
    Command command =
        switch (code) {
          case Milter.SMFIC_OPTNEG ->
              new OptNeg(f.int32("version"), f.int32("actions"), f.int32("protocol"));
          case Milter.SMFIC_MACRO -> {
            char stage = f.byte1("stage");
            SequencedMap<String, String> macros = new LinkedHashMap<>();
            while (f.hasMore()) {
              String name = f.string("macro name");
              macros.put(name, f.string("value of macro " + name));
            }
            yield new Macro(stage, macros);
          }
          case Milter.SMFIC_CONNECT -> {
            String hostname = f.string("hostname");
            char family = f.byte1("address family");
            Family fam = Family.of(family);
            if (fam == null) {
              throw f.error("unknown address family '" + family + "' (0x" + hex(family) + ")");
            }
            if (fam == Family.UNKNOWN) {
              yield new Connect(hostname, fam, 0, "");
            }
            int port = f.uint16("port");
            yield new Connect(hostname, fam, port, f.string("address"));
          }
          case Milter.SMFIC_HELO -> new Helo(f.string("HELO name"));
          case Milter.SMFIC_MAIL -> new Mail(args(f, "sender"));
          case Milter.SMFIC_RCPT -> new Rcpt(args(f, "recipient"));
          case Milter.SMFIC_DATA -> new Data();
          case Milter.SMFIC_HEADER -> {
            String name = f.string("header name");
            yield new Header(name, f.string("value of header " + name));
          }
          case Milter.SMFIC_EOH -> new Eoh();
          case Milter.SMFIC_BODY -> {
            yield new Body(packet.data());
          }
          case Milter.SMFIC_BODYEOB -> new BodyEob();
          case Milter.SMFIC_ABORT -> new Abort();
          case Milter.SMFIC_QUIT -> new Quit();
          case Milter.SMFIC_QUIT_NC -> new QuitNc();
          case Milter.SMFIC_UNKNOWN -> new Unknown(f.string("SMTP command"));
          default ->
              throw new MilterProtocolException(
                  "unknown milter command '" + code + "' (0x" + hex(code) + ")");
        };
    if (!(command instanceof Body) && !(command instanceof OptNeg)) {
      f.end();
    }
    return command;
  }

  private static List<String> args(Fields f, String what) throws MilterProtocolException {
    List<String> args = new ArrayList<>();
    args.add(f.string(what));
    while (f.hasMore()) {
      args.add(f.string("ESMTP argument"));
    }
    return args;
  }

  /** The {@code mfdef.h} name of a command code, for messages. */
  static String name(char code) {
    return switch (code) {
      case Milter.SMFIC_ABORT -> "SMFIC_ABORT";
      case Milter.SMFIC_BODY -> "SMFIC_BODY";
      case Milter.SMFIC_CONNECT -> "SMFIC_CONNECT";
      case Milter.SMFIC_MACRO -> "SMFIC_MACRO";
      case Milter.SMFIC_BODYEOB -> "SMFIC_BODYEOB";
      case Milter.SMFIC_HELO -> "SMFIC_HELO";
      case Milter.SMFIC_QUIT_NC -> "SMFIC_QUIT_NC";
      case Milter.SMFIC_HEADER -> "SMFIC_HEADER";
      case Milter.SMFIC_MAIL -> "SMFIC_MAIL";
      case Milter.SMFIC_EOH -> "SMFIC_EOH";
      case Milter.SMFIC_OPTNEG -> "SMFIC_OPTNEG";
      case Milter.SMFIC_QUIT -> "SMFIC_QUIT";
      case Milter.SMFIC_RCPT -> "SMFIC_RCPT";
      case Milter.SMFIC_DATA -> "SMFIC_DATA";
      case Milter.SMFIC_UNKNOWN -> "SMFIC_UNKNOWN";
      default -> "command '" + code + "'";
    };
  }

  private static String hex(char c) {
    return Integer.toHexString(c);
  }

  private static Packet packet(char code, Bytes data) {
    return new Packet(code, data.toByteArray());
  }

  private static Bytes bytes() {
    return new Bytes(ISO_8859_1);
  }

  private static String noNul(String s, String what) {
    Objects.requireNonNull(s, what);
    if (s.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(what + " must not contain NUL: " + s);
    }
    return s;
  }

  /**
   * Option negotiation, the first command of a connection: what the MTA offers.
   *
   * <p>The data may run past the three masks (libmilter ignores the rest); it is not kept.
   *
   * @param version the highest protocol version the MTA speaks
   * @param actions the {@code SMFIF_*} actions the MTA allows
   * @param protocol the {@code SMFIP_*} steps the MTA can leave out or not wait for
   */
  record OptNeg(int version, int actions, int protocol) implements Command {
    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIC_OPTNEG, bytes().int32(version).int32(actions).int32(protocol));
    }
  }

  /**
   * Macro values for the command that follows.
   *
   * @param stage the code of the command they belong to, e.g. {@link Milter#SMFIC_CONNECT}
   * @param macros name to value in the order sent; names as sent ({@code j}, {@code {daemon_name}})
   */
  record Macro(char stage, Map<String, String> macros) implements Command {
    /** Copies the map, keeping its order. */
    public Macro {
      SequencedMap<String, String> copy = new LinkedHashMap<>();
      macros.forEach((k, v) -> copy.put(noNul(k, "macro name"), noNul(v, "macro value")));
      macros = Collections.unmodifiableMap(copy);
    }

    @Override
    public Packet toPacket() {
      Bytes data = bytes().byte1(stage);
      macros.forEach((k, v) -> data.string(k).string(v));
      return packet(Milter.SMFIC_MACRO, data);
    }
  }

  /** The address family of an SMTP client in {@link Connect}. */
  enum Family {
    /** IPv4: {@link Milter#SMFIA_INET}. */
    INET(Milter.SMFIA_INET),
    /** IPv6: {@link Milter#SMFIA_INET6}. */
    INET6(Milter.SMFIA_INET6),
    /** A Unix-domain socket: {@link Milter#SMFIA_UNIX}. */
    UNIX(Milter.SMFIA_UNIX),
    /** Not known, e.g. mail submitted locally: {@link Milter#SMFIA_UNKNOWN}. */
    UNKNOWN(Milter.SMFIA_UNKNOWN);

    private final char code;

    Family(char code) {
      this.code = code;
    }

    /** The byte on the wire. */
    public char code() {
      return code;
    }

    static Family of(char code) {
      for (Family f : values()) {
        if (f.code == code) {
          return f;
        }
      }
      return null;
    }
  }

  /**
   * The SMTP client connected.
   *
   * @param hostname the client's name as the MTA resolved it, or {@code [address]}
   * @param family the address family
   * @param port the client port; 0 for {@link Family#UNKNOWN}
   * @param address the address text (or socket path); empty for {@link Family#UNKNOWN}
   */
  record Connect(String hostname, Family family, int port, String address) implements Command {
    /** Checks the fields fit the wire format. */
    public Connect {
      noNul(hostname, "hostname");
      Objects.requireNonNull(family, "family");
      noNul(address, "address");
      if (port < 0 || port > 0xffff) {
        throw new IllegalArgumentException("port must be 0..65535, got " + port);
      }
      if (family == Family.UNKNOWN && (port != 0 || !address.isEmpty())) {
        throw new IllegalArgumentException("an unknown family has no port or address");
      }
    }

    @Override
    public Packet toPacket() {
      Bytes data = bytes().string(hostname).byte1(family.code());
      if (family != Family.UNKNOWN) {
        data.uint16(port).string(address);
      }
      return packet(Milter.SMFIC_CONNECT, data);
    }
  }

  /**
   * HELO or EHLO.
   *
   * @param name the name the client gave
   */
  record Helo(String name) implements Command {
    /** Checks for NUL. */
    public Helo {
      noNul(name, "HELO name");
    }

    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIC_HELO, bytes().string(name));
    }
  }

  /**
   * MAIL FROM.
   *
   * @param args the sender in angle brackets, then any ESMTP parameters; never empty
   */
  record Mail(List<String> args) implements Command {
    /** Copies the list; at least the sender. */
    public Mail {
      args = argList(args, "MAIL");
    }

    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIC_MAIL, argBytes(args));
    }
  }

  /**
   * RCPT TO.
   *
   * @param args the recipient in angle brackets, then any ESMTP parameters; never empty
   */
  record Rcpt(List<String> args) implements Command {
    /** Copies the list; at least the recipient. */
    public Rcpt {
      args = argList(args, "RCPT");
    }

    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIC_RCPT, argBytes(args));
    }
  }

  private static List<String> argList(List<String> args, String what) {
    if (args.isEmpty()) {
      throw new IllegalArgumentException(what + " needs at least one argument");
    }
    args.forEach(a -> noNul(a, what + " argument"));
    return List.copyOf(args);
  }

  private static Bytes argBytes(List<String> args) {
    Bytes data = bytes();
    args.forEach(data::string);
    return data;
  }

  /** The DATA command (protocol version 4 and later). */
  record Data() implements Command {
    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIC_DATA, bytes());
    }
  }

  /**
   * One header field.
   *
   * @param name the field name
   * @param value the value, without the one space after the colon unless {@code SMFIP_HDR_LEADSPC}
   *     was negotiated; continuation lines joined by LF as Postfix sends them
   */
  record Header(String name, String value) implements Command {
    /** Checks for NUL. */
    public Header {
      noNul(name, "header name");
      noNul(value, "header value");
    }

    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIC_HEADER, bytes().string(name).string(value));
    }
  }

  /** End of the header section. */
  record Eoh() implements Command {
    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIC_EOH, bytes());
    }
  }

  /**
   * A chunk of the message body, at most 65,535 bytes from Postfix, with CRLF line ends.
   *
   * @param chunk the bytes; owned by the record, not copied on access
   */
  record Body(byte[] chunk) implements Command {
    /** Checks for null. */
    public Body {
      Objects.requireNonNull(chunk, "chunk");
    }

    @Override
    public Packet toPacket() {
      return new Packet(Milter.SMFIC_BODY, chunk);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Body b && Arrays.equals(b.chunk, chunk);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(chunk);
    }

    @Override
    public String toString() {
      return chunk.length > 64
          ? "Body[" + chunk.length + " bytes]"
          : "Body[" + HexFormat.of().formatHex(chunk) + "]";
    }
  }

  /** End of the message: the milter gives its verdict and modifications now. */
  record BodyEob() implements Command {
    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIC_BODYEOB, bytes());
    }
  }

  /** The transaction ends (RSET, a rejection, a new MAIL); the connection stays. */
  record Abort() implements Command {
    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIC_ABORT, bytes());
    }
  }

  /** The MTA closes the milter connection. */
  record Quit() implements Command {
    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIC_QUIT, bytes());
    }
  }

  /** The SMTP session ends but the milter connection is reused for another one (version 6). */
  record QuitNc() implements Command {
    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIC_QUIT_NC, bytes());
    }
  }

  /**
   * An SMTP command the MTA does not know.
   *
   * @param line the command line as the client sent it
   */
  record Unknown(String line) implements Command {
    /** Checks for NUL. */
    public Unknown {
      noNul(line, "SMTP command");
    }

    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIC_UNKNOWN, bytes().string(line));
    }
  }
}
