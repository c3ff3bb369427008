package dev.mailfilter.mime.content;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Judges attachment file names the way a mail gateway does: the extensions Outlook and Exchange
 * block, double extensions that dress a program as a document ({@code invoice.pdf.exe}, {@code
 * invoice.pdf .exe}), and bidi-override tricks ({@code invoice\u202Efdp.exe} displays as
 * "invoiceexe.pdf").
 */
public final class FileNames {
  private FileNames() {}

  /**
   * What a file name says about its attachment.
   *
   * @param name the name as given
   * @param extension the extension Windows would act on, lower case, without the dot; "" if none.
   *     Invisible and bidi-control characters are removed and trailing dots and spaces dropped
   *     first, as Windows does
   * @param dangerous the extension runs code when opened (Outlook's blocked list and friends)
   * @param doubleExtension a decoy document or media extension sits right before a dangerous one
   * @param paddedExtension the final extension is pushed out of view by a run of spaces or
   *     underscores
   * @param usesBidiControl the name contains a right-to-left override or another bidi control that
   *     reorders what the reader sees
   * @param macroEnabledOffice a macro-enabled Office extension (docm, xlsm, pptm...)
   * @param archive an archive or disk-image extension whose content needs a look of its own
   */
  public record Classification(
      String name,
      String extension,
      boolean dangerous,
      boolean doubleExtension,
      boolean paddedExtension,
      boolean usesBidiControl,
      boolean macroEnabledOffice,
      boolean archive) {
    public Classification {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(extension, "extension");
    }
  }

  /** Extensions that run code or change the system when opened (Outlook level 1 and more). */
  static final Set<String> DANGEROUS =
      Set.of(
          "ade",
          "adp",
          "app",
          "application",
          "appref-ms",
          "appx",
          "appxbundle",
          "asp",
          "aspx",
          "asx",
          "bas",
          "bat",
          "bgi",
          "cab",
          "cer",
          "chm",
          "cmd",
          "cnt",
          "com",
          "cpl",
          "crt",
          "csh",
          "der",
          "diagcab",
          "dll",
          "exe",
          "fxp",
          "gadget",
          "grp",
          "hlp",
          "hpj",
          "hta",
          "htc",
          "inf",
          "ins",
          "iso",
          "img",
          "isp",
          "its",
          "jar",
          "jnlp",
          "js",
          "jse",
          "ksh",
          "library-ms",
          "lnk",
          "mad",
          "maf",
          "mag",
          "mam",
          "maq",
          "mar",
          "mas",
          "mat",
          "mau",
          "mav",
          "maw",
          "mcf",
          "mda",
          "mdb",
          "mde",
          "mdt",
          "mdw",
          "mdz",
          "msc",
          "msh",
          "msh1",
          "msh2",
          "mshxml",
          "msh1xml",
          "msh2xml",
          "msi",
          "msix",
          "msixbundle",
          "msp",
          "mst",
          "msu",
          "one",
          "ops",
          "osd",
          "pcd",
          "pif",
          "pl",
          "plg",
          "prf",
          "prg",
          "printerexport",
          "ps1",
          "ps1xml",
          "ps2",
          "ps2xml",
          "psc1",
          "psc2",
          "psd1",
          "psdm1",
          "psm1",
          "pst",
          "py",
          "pyc",
          "pyo",
          "pyw",
          "pyz",
          "pyzw",
          "reg",
          "scf",
          "scr",
          "sct",
          "search-ms",
          "settingcontent-ms",
          "shb",
          "shs",
          "sys",
          "theme",
          "tmp",
          "url",
          "vb",
          "vbe",
          "vbp",
          "vbs",
          "vhd",
          "vhdx",
          "vsmacros",
          "vsw",
          "webpnp",
          "website",
          "ws",
          "wsb",
          "wsc",
          "wsf",
          "wsh",
          "xbap",
          "xll",
          "xnk");

  /** Extensions a reader trusts, used as the decoy in a double extension. */
  static final Set<String> DECOYS =
      Set.of(
          "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "rtf", "txt", "csv", "odt", "ods",
          "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "mp3", "mp4", "avi", "mov", "wav",
          "htm", "html", "zip", "rar", "7z", "eml", "msg", "xml", "json");

  static final Set<String> MACRO_OFFICE =
      Set.of(
          "docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm", "ppam", "ppsm", "sldm");

  static final Set<String> ARCHIVES =
      Set.of(
          "zip", "rar", "7z", "gz", "tgz", "bz2", "tbz", "xz", "txz", "zst", "tar", "cab", "ace",
          "arj", "lzh", "lha", "z", "iso", "img", "vhd", "vhdx", "dmg", "jar", "r00", "r01");

  /**
   * Classifies {@code filename} (a bare name or a path; only the last component counts). Never
   * throws for any string.
   */
  public static Classification classify(String filename) {
    Objects.requireNonNull(filename, "filename");
    boolean bidi = false;
    StringBuilder clean = new StringBuilder(Math.min(filename.length(), 1024));
    int start = Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1;
    for (int k = start; k < filename.length(); ) {
      int cp = filename.codePointAt(k);
      k += Character.charCount(cp);
      if (isBidi(cp)) {
        bidi = true;
      } else if (!HtmlText.isInvisible(cp) && cp >= 0x20 && clean.length() < 4096) {
        clean.appendCodePoint(cp);
      }
    }
    // Windows ignores trailing dots and spaces: "evil.exe. " runs as evil.exe.
    int end = clean.length();
    while (end > 0 && (clean.charAt(end - 1) == '.' || clean.charAt(end - 1) == ' ')) {
      end--;
    }
    String base = clean.substring(0, end);
    int dot = base.lastIndexOf('.');
    String ext = dot < 0 ? "" : base.substring(dot + 1).strip().toLowerCase(Locale.ROOT);
    boolean dangerous = DANGEROUS.contains(ext);
    boolean doubleExt = false;
    boolean padded = false;
    if (dot > 0) {
      String stem = base.substring(0, dot);
      int pad = stem.length();
      while (pad > 0 && isPadding(stem.charAt(pad - 1))) {
        pad--;
      }
      padded = stem.length() - pad >= 3;
      String inner = stem.substring(0, pad);
      int innerDot = inner.lastIndexOf('.');
      if (innerDot >= 0) {
        String decoy = inner.substring(innerDot + 1).strip().toLowerCase(Locale.ROOT);
        doubleExt = dangerous && (DECOYS.contains(decoy) || MACRO_OFFICE.contains(decoy));
      }
    }
    return new Classification(
        filename,
        ext,
        dangerous,
        doubleExt,
        padded,
        bidi,
        MACRO_OFFICE.contains(ext),
        ARCHIVES.contains(ext));
  }

  private static boolean isPadding(char c) {
    return c == ' ' || c == '_' || c == '\u00A0' || c == '\t' || c == '\u3000';
  }

  private static boolean isBidi(int cp) {
    return cp == 0x200E
        || cp == 0x200F
        || cp == 0x061C
        || (cp >= 0x202A && cp <= 0x202E)
        || (cp >= 0x2066 && cp <= 0x2069);
  }
}
