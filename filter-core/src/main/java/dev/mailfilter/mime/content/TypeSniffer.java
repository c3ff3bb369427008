package dev.mailfilter.mime.content;

import static dev.mailfilter.mime.content.ZipReader.u32;

import java.util.Locale;
import java.util.Objects;

/**
 * Names the type of an attachment from its first bytes, whatever its name or declared type says:
 * the WHATWG MIME Sniffing signatures plus what file(1) knows about executables, archives and
 * Office containers. Looks at a bounded prefix (ZIP and OLE2 directories are read through their own
 * bounded readers); never throws on bad content.
 */
public final class TypeSniffer {
  /** Bytes examined for text, HTML and script signatures. */
  public static final int PREFIX = 4_096;

  /** ZIP entries examined to tell Office, Java and Android archives from plain ZIPs. */
  static final int ZIP_ENTRIES = 2_000;

  public static final String OCTET_STREAM = "application/octet-stream";
  public static final String TEXT_PLAIN = "text/plain";
  public static final String EXECUTABLE_PE = "application/x-msdownload";
  public static final String ZIP = "application/zip";
  public static final String OLE2 = "application/x-ole-storage";

  private TypeSniffer() {}

  /**
   * The sniffed MIME type of {@code b[off, off + len)}: a specific type when a signature matches,
   * else {@code text/plain} for bytes without binary control characters, else {@code
   * application/octet-stream}.
   *
   * @throws IndexOutOfBoundsException if the range is not inside {@code b}
   */
  public static String sniff(byte[] b, int off, int len) {
    Objects.requireNonNull(b, "b");
    Objects.checkFromIndexSize(off, len, b.length);
    String type = magic(b, off, len);
    if (type != null) {
      return type;
    }
    return isBinary(b, off, Math.min(len, PREFIX)) ? OCTET_STREAM : TEXT_PLAIN;
  }

  /** True for the types of programs and scripts a mail reader's user can run by opening them. */
  public static boolean isExecutable(String mimeType) {
    return switch (mimeType) {
      case EXECUTABLE_PE,
          "application/x-executable",
          "application/x-mach-binary",
          "application/java-vm",
          "application/java-archive",
          "application/x-msi",
          "application/x-ms-shortcut",
          "application/vnd.ms-htmlhelp",
          "text/x-shellscript",
          "text/x-python",
          "text/x-perl",
          "application/vnd.android.package-archive" ->
          true;
      default -> false;
    };
  }

  private static String magic(byte[] b, int off, int len) {
    if (starts(b, off, len, "MZ") && isPe(b, off, len)) {
      return EXECUTABLE_PE;
    }
    if (starts(b, off, len, 0x7F, 'E', 'L', 'F')) {
      return "application/x-executable";
    }
    if (len >= 4) {
      int be = be32(b, off);
      if (be == 0xFEEDFACE || be == 0xFEEDFACF || be == 0xCEFAEDFE || be == 0xCFFAEDFE) {
        return "application/x-mach-binary";
      }
      if (be == 0xCAFEBABE && len >= 8) {
        // Shared by Java classes and fat Mach-O binaries: a class has a major version >= 45 where
        // a fat binary has its (small) architecture count.
        return be32(b, off + 4) >= 45 ? "application/java-vm" : "application/x-mach-binary";
      }
    }
    if (starts(b, off, len, "#!")) {
      return script(b, off, len);
    }
    if (starts(b, off, len, "%PDF-") || indexOf(b, off, Math.min(len, 1024), "%PDF-") >= 0) {
      return "application/pdf"; // readers accept junk before the header; so do attackers
    }
    if (ZipReader.isZip(b, off, len)) {
      return zip(b, off, len);
    }
    if (Ole2.isOle2(b, off, len)) {
      return ole2(b, off, len);
    }
    if (starts(b, off, len, "Rar!", 0x1A, 0x07)) {
      return "application/vnd.rar";
    }
    if (starts(b, off, len, '7', 'z', 0xBC, 0xAF, 0x27, 0x1C)) {
      return "application/x-7z-compressed";
    }
    if (starts(b, off, len, 0x1F, 0x8B, 0x08)) {
      return "application/gzip";
    }
    if (starts(b, off, len, "BZh") && len > 3 && b[off + 3] >= '1' && b[off + 3] <= '9') {
      return "application/x-bzip2";
    }
    if (starts(b, off, len, 0xFD, '7', 'z', 'X', 'Z', 0x00)) {
      return "application/x-xz";
    }
    if (starts(b, off, len, 0x28, 0xB5, 0x2F, 0xFD)) {
      return "application/zstd";
    }
    if (starts(b, off, len, "MSCF", 0, 0, 0, 0)) {
      return "application/vnd.ms-cab-compressed";
    }
    if (starts(b, off, len, "ITSF", 3, 0, 0, 0)) {
      return "application/vnd.ms-htmlhelp";
    }
    for (int at : new int[] {0x8001, 0x8801, 0x9001}) {
      if (len >= at + 5 && starts(b, off + at, 5, "CD001")) {
        return "application/x-iso9660-image";
      }
    }
    if (len >= 262 && starts(b, off + 257, 5, "ustar")) {
      return "application/x-tar";
    }
    if (starts(b, off, len, "conectix") || starts(b, off, len, "vhdxfile")) {
      return "application/x-vhd";
    }
    if (starts(
        b, off, len, 0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0,
        0x46)) {
      return "application/x-ms-shortcut";
    }
    if (starts(
        b, off, len, 0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D, 0xAE, 0xB1, 0x53, 0x78, 0xD0,
        0x29, 0x96, 0xD3)) {
      return "application/onenote";
    }
    if (starts(b, off, len, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return "image/png";
    }
    if (starts(b, off, len, "GIF87a") || starts(b, off, len, "GIF89a")) {
      return "image/gif";
    }
    if (starts(b, off, len, 0xFF, 0xD8, 0xFF)) {
      return "image/jpeg";
    }
    if (starts(b, off, len, "RIFF") && len >= 12) {
      if (starts(b, off + 8, 4, "WEBP")) {
        return "image/webp";
      }
      if (starts(b, off + 8, 4, "WAVE")) {
        return "audio/wav";
      }
      if (starts(b, off + 8, 4, "AVI ")) {
        return "video/avi";
      }
    }
    if (starts(b, off, len, 'I', 'I', '*', 0) || starts(b, off, len, 'M', 'M', 0, '*')) {
      return "image/tiff";
    }
    if (starts(b, off, len, 0, 0, 1, 0) || starts(b, off, len, 0, 0, 2, 0)) {
      return "image/x-icon";
    }
    if (starts(b, off, len, "BM") && len >= 14 && u32(b, off + 10) > 0 && !isText(b, off, len)) {
      return "image/bmp";
    }
    if (len >= 12 && starts(b, off + 4, 4, "ftyp")) {
      return "video/mp4";
    }
    if (starts(b, off, len, "ID3") || starts(b, off, len, "OggS") || starts(b, off, len, "fLaC")) {
      return starts(b, off, len, "OggS") ? "application/ogg" : "audio/mpeg";
    }
    if (starts(b, off, len, "{\\rtf")) {
      return "text/rtf";
    }
    return markup(b, off, len);
  }

  /** HTML and XML by the WHATWG rules: leading whitespace, then a tag-terminated pattern. */
  private static String markup(byte[] b, int off, int len) {
    int end = off + Math.min(len, PREFIX);
    int p = off;
    if (starts(b, p, end - p, 0xEF, 0xBB, 0xBF)) {
      p += 3;
    }
    while (p < end
        && (b[p] == ' ' || b[p] == '\t' || b[p] == '\n' || b[p] == '\r' || b[p] == '\f')) {
      p++;
    }
    if (p >= end || b[p] != '<') {
      if (starts(b, off, len, "REGEDIT4") || starts(b, off, len, "Windows Registry Editor")) {
        return "text/x-ms-regedit";
      }
      return null;
    }
    if (startsIgnoreCase(b, p, end, "<?xml")) {
      return indexOfIgnoreCase(b, p, end, "<svg") >= 0 ? "image/svg+xml" : "text/xml";
    }
    if (tagged(b, p, end, "<svg")) {
      return "image/svg+xml";
    }
    for (String tag : HTML_TAGS) {
      if (tagged(b, p, end, tag)) {
        return "text/html";
      }
    }
    if (startsIgnoreCase(b, p, end, "<!--")) {
      return "text/html";
    }
    return null;
  }

  private static final String[] HTML_TAGS = {
    "<!DOCTYPE HTML",
    "<HTML",
    "<HEAD",
    "<SCRIPT",
    "<IFRAME",
    "<H1",
    "<DIV",
    "<FONT",
    "<TABLE",
    "<A",
    "<STYLE",
    "<TITLE",
    "<B",
    "<BODY",
    "<BR",
    "<P",
    "<META",
    "<CENTER",
    "<SPAN",
    "<IMG",
    "<FORM",
    "<HTA:APPLICATION",
    "<JOB",
    "<PACKAGE"
  };

  private static boolean tagged(byte[] b, int p, int end, String tag) {
    if (!startsIgnoreCase(b, p, end, tag)) {
      return false;
    }
    int after = p + tag.length();
    return after < end
        && (b[after] == ' '
            || b[after] == '>'
            || b[after] == '\t'
            || b[after] == '\n'
            || b[after] == '\r'
            || b[after] == '\f');
  }

  private static String script(byte[] b, int off, int len) {
    int end = off + Math.min(len, 256);
    int eol = off;
    while (eol < end && b[eol] != '\n') {
      eol++;
    }
    String line =
        new String(b, off, eol - off, java.nio.charset.StandardCharsets.ISO_8859_1)
            .toLowerCase(Locale.ROOT);
    if (line.contains("python")) {
      return "text/x-python";
    }
    if (line.contains("perl")) {
      return "text/x-perl";
    }
    return "text/x-shellscript";
  }

  private static boolean isPe(byte[] b, int off, int len) {
    if (len >= 0x40) {
      long peAt = u32(b, off + 0x3C) & 0xFFFFFFFFL;
      if (peAt + 4 <= len && starts(b, (int) (off + peAt), 4, 'P', 'E', 0, 0)) {
        return true;
      }
    }
    // A truncated or DOS-only executable: MZ followed by binary header bytes, not "MZ..." text.
    return isBinary(b, off, Math.min(len, 64));
  }

  private static String zip(byte[] b, int off, int len) {
    ZipReader.Listing listing = ZipReader.read(b, off, len, ZIP_ENTRIES);
    boolean contentTypes = false;
    boolean word = false;
    boolean excel = false;
    boolean powerpoint = false;
    boolean macros = false;
    boolean manifest = false;
    boolean android = false;
    for (ZipReader.Entry e : listing.entries()) {
      String n = e.name();
      contentTypes |= n.equals("[Content_Types].xml");
      word |= n.startsWith("word/");
      excel |= n.startsWith("xl/");
      powerpoint |= n.startsWith("ppt/");
      macros |= n.toLowerCase(Locale.ROOT).endsWith("vbaproject.bin");
      manifest |= n.equals("META-INF/MANIFEST.MF");
      android |= n.equals("AndroidManifest.xml") || n.equals("classes.dex");
      if (n.equals("mimetype") && e.method() == 0 && e.dataOffset() >= 0) {
        int size = (int) Math.min(Math.min(e.size(), 128), off + len - e.dataOffset());
        String declared =
            new String(
                    b,
                    e.dataOffset(),
                    Math.max(0, size),
                    java.nio.charset.StandardCharsets.US_ASCII)
                .strip();
        if (declared.startsWith("application/") && declared.matches("[a-z0-9.+/-]{1,100}")) {
          return declared; // OpenDocument and EPUB name their own type
        }
      }
    }
    if (contentTypes || word || excel || powerpoint) {
      if (word) {
        return macros
            ? "application/vnd.ms-word.document.macroEnabled.12"
            : "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
      }
      if (excel) {
        return macros
            ? "application/vnd.ms-excel.sheet.macroEnabled.12"
            : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
      }
      if (powerpoint) {
        return macros
            ? "application/vnd.ms-powerpoint.presentation.macroEnabled.12"
            : "application/vnd.openxmlformats-officedocument.presentationml.presentation";
      }
    }
    if (android) {
      return "application/vnd.android.package-archive";
    }
    if (manifest) {
      return "application/java-archive";
    }
    return ZIP;
  }

  private static String ole2(byte[] b, int off, int len) {
    Ole2.Directory dir = Ole2.read(b, off, len, 4_096);
    switch (dir.rootClsid()) {
      case "{000C1084-0000-0000-C000-000000000046}", "{000C1086-0000-0000-C000-000000000046}" -> {
        return "application/x-msi";
      }
      case "{00020906-0000-0000-C000-000000000046}", "{00020900-0000-0000-C000-000000000046}" -> {
        return "application/msword";
      }
      case "{00020820-0000-0000-C000-000000000046}", "{00020810-0000-0000-C000-000000000046}" -> {
        return "application/vnd.ms-excel";
      }
      case "{64818D10-4F9B-11CF-86EA-00AA00B929E8}" -> {
        return "application/vnd.ms-powerpoint";
      }
      default -> {}
    }
    for (Ole2.Entry e : dir.entries()) {
      switch (e.name()) {
        case "WordDocument" -> {
          return "application/msword";
        }
        case "Workbook", "Book" -> {
          return "application/vnd.ms-excel";
        }
        case "PowerPoint Document" -> {
          return "application/vnd.ms-powerpoint";
        }
        default -> {
          if (e.name().startsWith("__substg1.0_")) {
            return "application/vnd.ms-outlook";
          }
        }
      }
    }
    return OLE2;
  }

  /** WHATWG "binary data byte": C0 controls other than TAB, LF, FF, CR and ESC. */
  static boolean isBinary(byte[] b, int off, int len) {
    for (int k = off; k < off + len; k++) {
      int c = b[k] & 0xFF;
      if (c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1A) || (c >= 0x1C && c <= 0x1F)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isText(byte[] b, int off, int len) {
    return !isBinary(b, off, Math.min(len, 64));
  }

  private static int be32(byte[] b, int p) {
    return (b[p] & 0xFF) << 24
        | (b[p + 1] & 0xFF) << 16
        | (b[p + 2] & 0xFF) << 8
        | (b[p + 3] & 0xFF);
  }

  private static boolean starts(byte[] b, int off, int len, String ascii) {
    if (len < ascii.length()) {
      return false;
    }
    for (int k = 0; k < ascii.length(); k++) {
      if (b[off + k] != (byte) ascii.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static boolean starts(byte[] b, int off, int len, String ascii, int... more) {
    if (len < ascii.length() + more.length || !starts(b, off, len, ascii)) {
      return false;
    }
    for (int k = 0; k < more.length; k++) {
      if ((b[off + ascii.length() + k] & 0xFF) != more[k]) {
        return false;
      }
    }
    return true;
  }

  private static boolean starts(byte[] b, int off, int len, int... bytes) {
    if (len < bytes.length) {
      return false;
    }
    for (int k = 0; k < bytes.length; k++) {
      if ((b[off + k] & 0xFF) != bytes[k]) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsIgnoreCase(byte[] b, int p, int end, String ascii) {
    if (end - p < ascii.length()) {
      return false;
    }
    for (int k = 0; k < ascii.length(); k++) {
      int c = b[p + k] & 0xFF;
      if (c >= 'a' && c <= 'z') {
        c -= 32;
      }
      int want = ascii.charAt(k);
      if (want >= 'a' && want <= 'z') {
        want -= 32;
      }
      if (c != want) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] b, int off, int len, String ascii) {
    for (int p = off; p + ascii.length() <= off + len; p++) {
      if (starts(b, p, ascii.length(), ascii)) {
        return p;
      }
    }
    return -1;
  }

  private static int indexOfIgnoreCase(byte[] b, int p, int end, String ascii) {
    for (int q = p; q + ascii.length() <= end; q++) {
      if (startsIgnoreCase(b, q, end, ascii)) {
        return q;
      }
    }
    return -1;
  }
}
