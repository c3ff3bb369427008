package dev.mailfilter.milter;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A reply or modification request from the milter to the MTA.
 *
 * <p>Strings are encoded as UTF-8: header values we add are ASCII (RFC 2047 encoded where needed),
 * and UTF-8 is what an SMTPUTF8 MTA passes through.
 */
sealed interface Response {
  /** The response as a packet. */
  Packet toPacket();

  /** The response as it goes on the wire, length prefix included. */
  default byte[] encode() {
    return toPacket().toBytes();
  }

  /** Go on to the next stage. */
  Response CONTINUE = new Simple(Milter.SMFIR_CONTINUE);

  /** Accept the message (or, before MAIL, the connection) without further milter calls. */
  Response ACCEPT = new Simple(Milter.SMFIR_ACCEPT);

  /** Reject with the MTA's default 5xx. */
  Response REJECT = new Simple(Milter.SMFIR_REJECT);

  /** Reject with the MTA's default 4xx. */
  Response TEMPFAIL = new Simple(Milter.SMFIR_TEMPFAIL);

  /** Accept and silently drop the message. */
  Response DISCARD = new Simple(Milter.SMFIR_DISCARD);

  /** Still working: resets the MTA's timeout for the current command (version 6). */
  Response PROGRESS = new Simple(Milter.SMFIR_PROGRESS);

  /** Send no more body chunks (needs {@code SMFIP_SKIP}). */
  Response SKIP = new Simple(Milter.SMFIR_SKIP);

  /**
   * Decodes a response packet, as an MTA (or a test) reads it.
   *
   * @throws MilterProtocolException if the code is not one of these responses or the data is
   *     malformed
   */
  static Response decode(Packet packet) throws MilterProtocolException {
    char code = packet.code();
    Fields f = new Fields(name(code), packet.data(), UTF_8);
    Response response =
        switch (code) {
          case Milter.SMFIR_CONTINUE,
              Milter.SMFIR_ACCEPT,
              Milter.SMFIR_REJECT,
              Milter.SMFIR_TEMPFAIL,
              Milter.SMFIR_DISCARD,
              Milter.SMFIR_PROGRESS,
              Milter.SMFIR_SKIP ->
              new Simple(code);
          case Milter.SMFIR_QUARANTINE -> {
            String reason = f.string("reason");
            yield checked(f, () -> new Quarantine(reason));
          }
          case Milter.SMFIR_REPLYCODE -> {
            String text = f.string("reply text");
            try {
              yield ReplyCode.parse(text);
            } catch (IllegalArgumentException e) {
              throw f.error(e.getMessage());
            }
          }
          case Milter.SMFIR_ADDHEADER -> {
            String name = f.string("header name");
            yield checked(f, () -> new AddHeader(name, f.string("header value")));
          }
          case Milter.SMFIR_INSHEADER -> {
            int index = f.int32("index");
            String name = f.string("header name");
            String value = f.string("header value");
            yield checked(f, () -> new InsHeader(index, name, value));
          }
          case Milter.SMFIR_CHGHEADER -> {
            int index = f.int32("index");
            String name = f.string("header name");
            String value = f.string("header value");
            yield checked(f, () -> new ChgHeader(index, name, value));
          }
          case Milter.SMFIR_CONN_FAIL -> throw f.error("not a reply this codec sends");
          case 'O' -> {
            int version = f.int32("version");
            int actions = f.int32("actions");
            int protocol = f.int32("protocol");
            SortedMap<Integer, String> macros = new TreeMap<>();
            while (f.hasMore()) {
              int stage = f.int32("macro stage");
              macros.put(stage, f.string("macro list of stage " + stage));
            }
            yield checked(f, () -> new OptNegReply(version, actions, protocol, macros));
          }
          default ->
              throw new MilterProtocolException(
                  "unknown milter reply '" + code + "' (0x" + Integer.toHexString(code) + ")");
        };
    f.end();
    return response;
  }

  /** The {@code mfdef.h} name of a reply code, for messages. */
  private static String name(char code) {
    return switch (code) {
      case Milter.SMFIR_CONTINUE -> "SMFIR_CONTINUE";
      case Milter.SMFIR_ACCEPT -> "SMFIR_ACCEPT";
      case Milter.SMFIR_REJECT -> "SMFIR_REJECT";
      case Milter.SMFIR_TEMPFAIL -> "SMFIR_TEMPFAIL";
      case Milter.SMFIR_DISCARD -> "SMFIR_DISCARD";
      case Milter.SMFIR_PROGRESS -> "SMFIR_PROGRESS";
      case Milter.SMFIR_SKIP -> "SMFIR_SKIP";
      case Milter.SMFIR_QUARANTINE -> "SMFIR_QUARANTINE";
      case Milter.SMFIR_REPLYCODE -> "SMFIR_REPLYCODE";
      case Milter.SMFIR_ADDHEADER -> "SMFIR_ADDHEADER";
      case Milter.SMFIR_INSHEADER -> "SMFIR_INSHEADER";
      case Milter.SMFIR_CHGHEADER -> "SMFIR_CHGHEADER";
      case Milter.SMFIR_CONN_FAIL -> "SMFIR_CONN_FAIL";
      case 'O' -> "SMFIC_OPTNEG reply";
      default -> "reply '" + code + "'";
    };
  }

  /** A constructor check failing on decoded data is a protocol error, not a programming error. */
  private static Response checked(Fields f, DecodeStep step) throws MilterProtocolException {
    try {
      return step.get();
    } catch (IllegalArgumentException e) {
      throw f.error(e.getMessage());
    }
  }

  /** A decoding step that may read more fields. */
  interface DecodeStep {
    Response get() throws MilterProtocolException;
  }

  private static Packet packet(char code, Bytes data) {
    return new Packet(code, data.toByteArray());
  }

  private static Bytes bytes() {
    return new Bytes(UTF_8);
  }

  /**
   * A response with no data: continue, accept, reject, tempfail, discard, progress, skip. Use the
   * constants on {@link Response}.
   *
   * @param code the reply byte
   */
  record Simple(char code) implements Response {
    /** Checks the code is one of the responses without data. */
    public Simple {
      switch (code) {
        case Milter.SMFIR_CONTINUE,
            Milter.SMFIR_ACCEPT,
            Milter.SMFIR_REJECT,
            Milter.SMFIR_TEMPFAIL,
            Milter.SMFIR_DISCARD,
            Milter.SMFIR_PROGRESS,
            Milter.SMFIR_SKIP -> {}
        default -> throw new IllegalArgumentException("not a reply without data: '" + code + "'");
      }
    }

    @Override
    public Packet toPacket() {
      return new Packet(code, new byte[0]);
    }

    @Override
    public String toString() {
      return name(code);
    }
  }

  /**
   * Hold the message in the MTA's quarantine (Postfix: the hold queue). Needs {@code
   * SMFIF_QUARANTINE}.
   *
   * @param reason why, for the MTA's log; not empty
   */
  record Quarantine(String reason) implements Response {
    /** Checks the reason is one non-empty line. */
    public Quarantine {
      oneLine(reason, "quarantine reason");
      if (reason.isEmpty()) {
        throw new IllegalArgumentException("quarantine reason must not be empty");
      }
    }

    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIR_QUARANTINE, bytes().string(reason));
    }
  }

  /**
   * Reject or tempfail with our own SMTP reply, as libmilter's {@code smfi_setmlreply} builds it.
   *
   * @param code the SMTP reply code, 4xx or 5xx
   * @param status the RFC 3463 enhanced status code, whose class matches {@code code}, e.g. {@code
   *     5.7.1}
   * @param lines the text, one entry per reply line (1 to 32 lines, libmilter's limit)
   */
  record ReplyCode(int code, String status, List<String> lines) implements Response {
    private static final Pattern STATUS = Pattern.compile("[245]\\.[0-9]{1,3}\\.[0-9]{1,3}");
    private static final Pattern LINE =
        Pattern.compile("([0-9]{3})([ -])([245]\\.[0-9]{1,3}\\.[0-9]{1,3})(?: (.*))?");

    /** Checks the code, the status class and the lines. */
    public ReplyCode {
      if (code < 400 || code > 599) {
        throw new IllegalArgumentException("reply code must be 4xx or 5xx, got " + code);
      }
      Objects.requireNonNull(status, "status");
      if (!STATUS.matcher(status).matches()) {
        throw new IllegalArgumentException("not an enhanced status code: " + status);
      }
      if (status.charAt(0) - '0' != code / 100) {
        throw new IllegalArgumentException(
            "enhanced status " + status + " does not match reply code " + code);
      }
      if (lines.isEmpty() || lines.size() > 32) {
        throw new IllegalArgumentException("a reply has 1 to 32 lines, got " + lines.size());
      }
      lines.forEach(l -> oneLine(l, "reply line"));
      lines = List.copyOf(lines);
    }

    /** A one-line reply. */
    public static ReplyCode of(int code, String status, String text) {
      return new ReplyCode(code, status, List.of(text));
    }

    /**
     * The reply text as sent: lines joined by CRLF, every line but the last with {@code -} after
     * the code (RFC 5321 4.2.1), and {@code %} doubled as libmilter does, because Sendmail uses the
     * text as a format string and Postfix reads {@code %%} as {@code %} and drops a lone {@code %}.
     */
    public String text() {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < lines.size(); i++) {
        if (i > 0) {
          text.append("\r\n");
        }
        text.append(code).append(i == lines.size() - 1 ? ' ' : '-').append(status).append(' ');
        text.append(lines.get(i).replace("%", "%%"));
      }
      return text.toString();
    }

    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIR_REPLYCODE, bytes().string(text()));
    }

    /**
     * Undoes the doubling as Postfix's {@code milter8.c} does: {@code %} makes the next character
     * literal, so {@code %%} reads as {@code %} and a lone {@code %} disappears.
     */
    private static String unescapePercent(String line) {
      StringBuilder out = new StringBuilder(line.length());
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (c == '%') {
          if (++i == line.length()) {
            break;
          }
          c = line.charAt(i);
        }
        out.append(c);
      }
      return out.toString();
    }

    /**
     * Parses what {@link #text()} makes, reading {@code %} as Postfix does; unlike Postfix it
     * insists on an enhanced status code.
     */
    static ReplyCode parse(String text) {
      String[] raw = text.split("\r\n", -1);
      List<String> lines = new ArrayList<>();
      int code = 0;
      String status = null;
      for (int i = 0; i < raw.length; i++) {
        var m = LINE.matcher(raw[i]);
        if (!m.matches()) {
          throw new IllegalArgumentException("not a reply line with an enhanced status: " + raw[i]);
        }
        boolean last = i == raw.length - 1;
        if (m.group(2).equals(last ? "-" : " ")) {
          throw new IllegalArgumentException("wrong continuation mark in reply line: " + raw[i]);
        }
        if (i == 0) {
          code = Integer.parseInt(m.group(1));
          status = m.group(3);
        } else if (Integer.parseInt(m.group(1)) != code || !m.group(3).equals(status)) {
          throw new IllegalArgumentException("reply lines disagree on the code: " + text);
        }
        lines.add(unescapePercent(m.group(4) == null ? "" : m.group(4)));
      }
      return new ReplyCode(code, status, lines);
    }
  }

  /**
   * Add a header at the end of the header section. Needs {@code SMFIF_ADDHDRS}.
   *
   * @param name the field name
   * @param value the value; the MTA adds one space after the colon unless the value starts with one
   *     and {@code SMFIP_HDR_LEADSPC} was negotiated
   */
  record AddHeader(String name, String value) implements Response {
    /** Checks the name and value. */
    public AddHeader {
      headerName(name);
      headerValue(value);
    }

    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIR_ADDHEADER, bytes().string(name).string(value));
    }
  }

  /**
   * Insert a header at a position among all headers (0 = at the top, where {@code
   * Authentication-Results} belongs). Needs {@code SMFIF_ADDHDRS}, version 6.
   *
   * @param index the number of headers that stay above the new one
   * @param name the field name
   * @param value the value
   */
  record InsHeader(int index, String name, String value) implements Response {
    /** Checks the index, name and value. */
    public InsHeader {
      if (index < 0) {
        throw new IllegalArgumentException("header index must be 0 or more, got " + index);
      }
      headerName(name);
      headerValue(value);
    }

    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIR_INSHEADER, bytes().int32(index).string(name).string(value));
    }
  }

  /**
   * Change or delete the index-th header of a name. Needs {@code SMFIF_CHGHDRS}.
   *
   * @param index which header of that name, counted from 1 among headers of that name only
   * @param name the field name
   * @param value the new value; empty deletes the header
   */
  record ChgHeader(int index, String name, String value) implements Response {
    /** Checks the index, name and value. */
    public ChgHeader {
      if (index < 1) {
        throw new IllegalArgumentException(
            "header index counts from 1 among headers of the name, got " + index);
      }
      headerName(name);
      headerValue(value);
    }

    /** Delete the index-th header of a name. */
    public static ChgHeader delete(int index, String name) {
      return new ChgHeader(index, name, "");
    }

    @Override
    public Packet toPacket() {
      return packet(Milter.SMFIR_CHGHEADER, bytes().int32(index).string(name).string(value));
    }
  }

  /**
   * The answer to {@link Command.OptNeg}: the agreed version and masks, and optionally, per stage,
   * the macros the milter wants (Postfix 2.6+, with {@code SMFIF_SETSYMLIST}).
   *
   * @param version the protocol version
   * @param actions the {@code SMFIF_*} actions the milter may use
   * @param protocol the {@code SMFIP_*} steps to leave out or not wait for
   * @param macros {@code SMFIM_*} stage to a space-separated list of macro names, e.g. {@code
   *     "{auth_authen} {tls_version}"}
   */
  record OptNegReply(int version, int actions, int protocol, Map<Integer, String> macros)
      implements Response {
    /** Checks the stages and lists; the map is kept sorted by stage. */
    public OptNegReply {
      SortedMap<Integer, String> copy = new TreeMap<>();
      macros.forEach(
          (stage, list) -> {
            if (stage < Milter.SMFIM_CONNECT || stage > Milter.SMFIM_EOH) {
              throw new IllegalArgumentException("macro stage must be 0..6, got " + stage);
            }
            oneLine(list, "macro list");
            copy.put(stage, list);
          });
      macros = Collections.unmodifiableSortedMap(copy);
    }

    @Override
    public Packet toPacket() {
      Bytes data = bytes().int32(version).int32(actions).int32(protocol);
      macros.forEach((stage, list) -> data.int32(stage).string(list));
      return packet(Milter.SMFIC_OPTNEG, data);
    }
  }

  private static void oneLine(String s, String what) {
    Objects.requireNonNull(s, what);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\0' || c == '\r' || c == '\n') {
        throw new IllegalArgumentException(
            what + " must be one line without NUL, CR or LF: " + s.replace("\0", "\\0"));
      }
    }
  }

  private static void headerName(String name) {
    Objects.requireNonNull(name, "header name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("header name must not be empty");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 33 || c > 126 || c == ':') {
        throw new IllegalArgumentException(
            "header name must be printable ASCII without ':' (RFC 5322 2.2): " + name);
      }
    }
  }

  // Folding is allowed (LF then space or tab, as Postfix sends continuation lines); a bare line
  // break would let a value smuggle in a header of its own.
  private static void headerValue(String value) {
    Objects.requireNonNull(value, "header value");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\0') {
        throw new IllegalArgumentException("header value must not contain NUL");
      }
      if (c == '\r' && i + 1 < value.length() && value.charAt(i + 1) == '\n') {
        continue;
      }
      if (c == '\r'
          || (c == '\n'
              && (i + 1 == value.length()
                  || (value.charAt(i + 1) != ' ' && value.charAt(i + 1) != '\t')))) {
        throw new IllegalArgumentException(
            "header value has a line break not followed by a space or tab: "
                + value.replace("\r", "\\r").replace("\n", "\\n"));
      }
    }
  }
}
