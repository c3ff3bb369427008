package dev.mailfilter.mime.content;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Finds VBA macros and embedded objects in Office documents without running or fully parsing them:
 * OOXML (a {@code vbaProject.bin} part, an XLM macro sheet, or a macro-enabled content type), OLE2
 * compound files (a {@code VBA}, {@code _VBA_PROJECT_CUR}, {@code _VBA_PROJECT} or {@code Macros}
 * entry in the directory), and RTF ({@code \object}, {@code \objdata} and friends). Work is bounded
 * by the readers' entry caps and a 1 MiB budget for {@code [Content_Types].xml}.
 */
public final class OfficeMacros {
  /** Directory entries read from a ZIP or OLE2 container. */
  static final int MAX_ENTRIES = 10_000;

  /** Bytes of {@code [Content_Types].xml} inflated to look for macro content types. */
  static final int MAX_CONTENT_TYPES = 1 << 20;

  private OfficeMacros() {}

  /** The container the bytes were recognised as. */
  public enum Container {
    OOXML,
    OLE2,
    RTF,
    /** Not an Office container this detector reads. */
    NONE
  }

  /**
   * The verdict and what it rests on.
   *
   * @param container what the bytes are
   * @param hasMacros VBA or XLM macros are present
   * @param hasEmbeddedObjects OLE objects, ActiveX controls or RTF objects are embedded
   * @param damaged the container's structures were out of range; the answer is best effort
   * @param evidence human-readable findings ("zip entry word/vbaProject.bin", "OLE2 storage
   *     Macros", "RTF control word \objdata"), at most 20
   */
  public record Result(
      Container container,
      boolean hasMacros,
      boolean hasEmbeddedObjects,
      boolean damaged,
      List<String> evidence) {
    public Result {
      Objects.requireNonNull(container, "container");
      evidence = List.copyOf(evidence);
    }
  }

  /**
   * Looks for macros in {@code b[off, off + len)}. Never throws on bad content.
   *
   * @throws IndexOutOfBoundsException if the range is not inside {@code b}
   */
  public static Result detect(byte[] b, int off, int len) {
    Objects.requireNonNull(b, "b");
    Objects.checkFromIndexSize(off, len, b.length);
    if (ZipReader.isZip(b, off, len)) {
      return ooxml(b, off, len);
    }
    if (Ole2.isOle2(b, off, len)) {
      return ole2(b, off, len);
    }
    if (len >= 5 && new String(b, off, 5, StandardCharsets.ISO_8859_1).equals("{\\rtf")) {
      return rtf(b, off, len);
    }
    return new Result(Container.NONE, false, false, false, List.of());
  }

  private static Result ooxml(byte[] b, int off, int len) {
    ZipReader.Listing listing = ZipReader.read(b, off, len, MAX_ENTRIES);
    List<String> evidence = new ArrayList<>();
    boolean macros = false;
    boolean objects = false;
    for (ZipReader.Entry e : listing.entries()) {
      String n = e.name().toLowerCase(Locale.ROOT);
      if (n.endsWith("vbaproject.bin")) {
        macros = true;
        note(evidence, "zip entry " + e.name());
      } else if (n.startsWith("xl/macrosheets/")) {
        macros = true;
        note(evidence, "zip entry " + e.name() + " (XLM macro sheet)");
      } else if (n.contains("/embeddings/") || n.contains("/activex/")) {
        objects = true;
        note(evidence, "zip entry " + e.name());
      } else if (n.equals("[content_types].xml") && e.dataOffset() >= 0 && !e.encrypted()) {
        String types = contentTypes(b, off + len, e);
        int at = types.toLowerCase(Locale.ROOT).indexOf("macroenabled");
        if (at >= 0) {
          macros = true;
          int start = types.lastIndexOf('"', at);
          int end = types.indexOf('"', at);
          String type =
              start >= 0 && end > start ? types.substring(start + 1, end) : "macroEnabled";
          note(evidence, "content type " + type);
        }
      }
    }
    return new Result(Container.OOXML, macros, objects, listing.damaged(), evidence);
  }

  private static String contentTypes(byte[] b, int end, ZipReader.Entry e) {
    long comp = e.compressedSize();
    if (comp < 0 || comp > end - e.dataOffset()) {
      return "";
    }
    if (e.method() == 0) {
      int n = (int) Math.min(comp, MAX_CONTENT_TYPES);
      return new String(b, e.dataOffset(), n, StandardCharsets.UTF_8);
    }
    if (e.method() != 8) {
      return "";
    }
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(b, e.dataOffset(), (int) comp);
      byte[] out = new byte[(int) Math.min(MAX_CONTENT_TYPES, Math.max(1024, comp * 8))];
      int n = 0;
      while (n < out.length && !inflater.finished()) {
        int got = inflater.inflate(out, n, out.length - n);
        if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        n += got;
        if (n == out.length && out.length < MAX_CONTENT_TYPES) {
          out = java.util.Arrays.copyOf(out, Math.min(MAX_CONTENT_TYPES, out.length * 2));
        }
      }
      return new String(out, 0, n, StandardCharsets.UTF_8);
    } catch (DataFormatException ex) {
      return "";
    } finally {
      inflater.end();
    }
  }

  private static Result ole2(byte[] b, int off, int len) {
    Ole2.Directory dir = Ole2.read(b, off, len, MAX_ENTRIES);
    List<String> evidence = new ArrayList<>();
    boolean macros = false;
    boolean objects = false;
    for (Ole2.Entry e : dir.entries()) {
      String kind = e.type() == Ole2.STREAM ? "stream " : "storage ";
      // Compound-file names compare case-insensitively.
      switch (e.name().toUpperCase(Locale.ROOT)) {
        case "VBA", "_VBA_PROJECT_CUR", "_VBA_PROJECT", "MACROS" -> {
          macros = true;
          note(evidence, "OLE2 " + kind + e.name());
        }
        case "OBJECTPOOL", "\u0001OLE10NATIVE", "\u0001OLE" -> {
          objects = true;
          note(evidence, "OLE2 " + kind + e.name().replace("\u0001", "\\x01"));
        }
        default -> {}
      }
    }
    return new Result(Container.OLE2, macros, objects, dir.damaged(), evidence);
  }

  private static final List<String> RTF_OBJECT_WORDS =
      List.of("object", "objdata", "objocx", "objemb", "objlink", "objautlink", "objupdate");

  private static Result rtf(byte[] b, int off, int len) {
    List<String> evidence = new ArrayList<>();
    boolean objects = false;
    int end = off + len;
    for (int p = off; p < end; p++) {
      if (b[p] != '\\') {
        continue;
      }
      int q = p + 1;
      while (q < end && q - p <= 32 && b[q] >= 'a' && b[q] <= 'z') {
        q++;
      }
      if (q - p > 1) {
        String word = new String(b, p + 1, q - p - 1, StandardCharsets.US_ASCII);
        if (RTF_OBJECT_WORDS.contains(word)) {
          objects = true;
          if (!evidence.contains("RTF control word \\" + word)) {
            note(evidence, "RTF control word \\" + word);
          }
        }
      }
      p = q - 1;
    }
    return new Result(Container.RTF, false, objects, false, evidence);
  }

  private static void note(List<String> evidence, String what) {
    if (evidence.size() < 20) {
      evidence.add(what);
    }
  }
}
