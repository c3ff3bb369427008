package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The manifest of a backup, its last tar entry ({@code MANIFEST}): the format version, when and
 * where it was made, and each entry's kind, name, size, SHA-256 and source; its own last line is
 * the SHA-256 of everything before it, so a damaged manifest is found as surely as a damaged entry.
 *
 * <p>Text, one record a line, fields separated by a tab; a field's {@code %}, tab, CR, LF and other
 * control characters are written {@code %XX} (UTF-8 bytes), so any path round-trips:
 *
 * <pre>
 * mailfilter-backup	1
 * created	2026-12-08T00:40:00Z
 * host	mx1.example.net
 * entry	model	model/model.bin	1048620	3f4c...	/var/lib/mailfilter/model.bin
 * sha256	9a0b...
 * </pre>
 *
 * @param version the format version ({@link #VERSION} is written)
 * @param created when the backup started
 * @param host the node it was made on
 * @param entries every other tar entry, in archive order
 */
record BackupManifest(int version, Instant created, String host, List<Entry> entries) {
  /** The format written now; a reader refuses a later one. */
  static final int VERSION = 1;

  /** The manifest's own entry name, the archive's last. */
  static final String NAME = "MANIFEST";

  private static final String MAGIC = "mailfilter-backup";
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  /** What an entry is: where a restore puts it. */
  enum Kind {
    /** The configuration file, restored to {@code --config FILE}. */
    CONFIG,
    /** A file the configuration names (score files, site rules, keys), restored to its path. */
    CONFIG_FILE,
    /** The learning model file ({@code model.path}). */
    MODEL,
    /** A quarantine entry's {@code .meta} or {@code .eml} file ({@code smtp.quarantine.dir}). */
    QUARANTINE,
    /** Persisted statistics: DMARC aggregate-report rows ({@code checks.dmarc.report_dir}). */
    STATS,
    /** The tenant tree, from the tenant store's snapshot. */
    TENANTS;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    static Kind ofLabel(String s) {
      for (Kind k : values()) {
        if (k.label().equals(s)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown entry kind '" + s + "'");
    }
  }

  /**
   * One entry.
   *
   * @param kind what it is
   * @param name its tar entry name
   * @param size its length in bytes
   * @param sha256 its SHA-256, 64 lowercase hex digits
   * @param source where it came from (a path as the configuration names it), empty when nothing
   */
  record Entry(Kind kind, String name, long size, String sha256, String source) {
    Entry {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(source, "source");
      if (!Tar.validName(name) || name.equals(NAME)) {
        throw new IllegalArgumentException("not a backup entry name: '" + name + "'");
      }
      if (size < 0 || size > Tar.MAX_SIZE) {
        throw new IllegalArgumentException(name + ": size out of range: " + size);
      }
      if (!HEX64.matcher(sha256).matches()) {
        throw new IllegalArgumentException(name + ": not a SHA-256: '" + sha256 + "'");
      }
    }
  }

  BackupManifest {
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(host, "host");
    entries = List.copyOf(entries);
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1: " + version);
    }
    Set<String> names = new HashSet<>();
    for (Entry e : entries) {
      if (!names.add(e.name())) {
        throw new IllegalArgumentException("entry '" + e.name() + "' listed twice");
      }
    }
  }

  /** The manifest as bytes, its checksum line last. */
  byte[] encode() {
    StringBuilder b = new StringBuilder();
    b.append(MAGIC).append('\t').append(version).append('\n');
    b.append("created\t").append(created).append('\n');
    b.append("host\t").append(escape(host)).append('\n');
    for (Entry e : entries) {
      b.append("entry\t")
          .append(e.kind().label())
          .append('\t')
          .append(e.name())
          .append('\t')
          .append(e.size())
          .append('\t')
          .append(e.sha256())
          .append('\t')
          .append(escape(e.source()))
          .append('\n');
    }
    byte[] body = b.toString().getBytes(UTF_8);
    byte[] tail = ("sha256\t" + sha256Hex(body) + "\n").getBytes(UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + tail.length);
    out.writeBytes(body);
    out.writeBytes(tail);
    return out.toByteArray();
  }

  /**
   * Parses and checks a manifest.
   *
   * @throws IllegalArgumentException naming the line and what is wrong with it
   */
  static BackupManifest decode(byte[] bytes) {
    int end = bytes.length;
    if (end == 0 || bytes[end - 1] != '\n') {
      throw new IllegalArgumentException("manifest: does not end with a line end (truncated)");
    }
    int lastStart = lastLineStart(bytes, end - 1);
    String last = new String(bytes, lastStart, end - 1 - lastStart, UTF_8);
    if (!last.startsWith("sha256\t")) {
      throw new IllegalArgumentException("manifest: no checksum line at its end");
    }
    String expected = last.substring("sha256\t".length());
    String actual = sha256Hex(java.util.Arrays.copyOf(bytes, lastStart));
    if (!expected.equals(actual)) {
      throw new IllegalArgumentException("manifest: checksum mismatch (damaged)");
    }
    String text = new String(bytes, 0, lastStart, UTF_8);
    List<String> lines = text.lines().toList();
    if (lines.size() < 3) {
      throw new IllegalArgumentException("manifest: too short");
    }
    String[] head = lines.get(0).split("\t", -1);
    if (head.length != 2 || !head[0].equals(MAGIC)) {
      throw new IllegalArgumentException("manifest: line 1 is not '" + MAGIC + "<TAB>VERSION'");
    }
    int version;
    try {
      version = Integer.parseInt(head[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("manifest: line 1: bad version '" + head[1] + "'", e);
    }
    if (version < 1 || version > VERSION) {
      throw new IllegalArgumentException(
          "manifest: format version "
              + version
              + ", this mailfilter reads versions 1 to "
              + VERSION);
    }
    Instant created;
    try {
      created = Instant.parse(field(lines, 1, "created"));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("manifest: line 2: bad created time", e);
    }
    String host = unescape(field(lines, 2, "host"));
    List<Entry> entries = new ArrayList<>();
    for (int i = 3; i < lines.size(); i++) {
      String[] f = lines.get(i).split("\t", -1);
      if (f.length != 6 || !f[0].equals("entry")) {
        throw new IllegalArgumentException("manifest: line " + (i + 1) + ": not an entry line");
      }
      try {
        entries.add(
            new Entry(Kind.ofLabel(f[1]), f[2], Long.parseLong(f[3]), f[4], unescape(f[5])));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("manifest: line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    try {
      return new BackupManifest(version, created, host, entries);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("manifest: " + e.getMessage(), e);
    }
  }

  private static int lastLineStart(byte[] b, int end) {
    int i = end;
    while (i > 0 && b[i - 1] != '\n') {
      i--;
    }
    return i;
  }

  private static String field(List<String> lines, int i, String key) {
    String[] f = lines.get(i).split("\t", -1);
    if (f.length != 2 || !f[0].equals(key)) {
      throw new IllegalArgumentException(
          "manifest: line " + (i + 1) + " is not '" + key + "<TAB>VALUE'");
    }
    return f[1];
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' || c < 0x20 || c == 0x7f) {
        b.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  static String unescape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '%') {
        b.append(c);
        continue;
      }
      if (i + 2 >= s.length()) {
        throw new IllegalArgumentException("bad escape at the end of '" + s + "'");
      }
      try {
        b.append((char) HexFormat.fromHexDigits(s, i + 1, i + 3));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("bad escape '" + s.substring(i, i + 3) + "'", e);
      }
      i += 2;
    }
    return b.toString();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  static String sha256Hex(byte[] b) {
    return HexFormat.of().formatHex(sha256().digest(b));
  }
}
