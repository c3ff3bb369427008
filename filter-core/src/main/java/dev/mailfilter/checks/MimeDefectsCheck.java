package dev.mailfilter.checks;

import dev.mailfilter.api.Stage;
import dev.mailfilter.mime.Defect;
import dev.mailfilter.mime.DefectType;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Broken MIME is a spam signal (bulk mailers and hand-rolled spam tools get it wrong, mail user
 * agents rarely do): every defect type the parser reports becomes a symbol {@code MIME_<TYPE>},
 * with the first few defects' details as options.
 */
public final class MimeDefectsCheck implements Check {
  private static final int MAX_OPTIONS = 3;
  private static final List<SymbolDef> SYMBOLS = symbolDefs();

  private MimeDefectsCheck() {}

  /** Factory for {@code checks.mime_defects}; scores are set per symbol under {@code scores}. */
  public static MimeDefectsCheck create(CheckSetup setup) {
    return new MimeDefectsCheck();
  }

  @Override
  public String name() {
    return "mime_defects";
  }

  @Override
  public Stage stage() {
    return Stage.DATA;
  }

  @Override
  public List<SymbolDef> symbols() {
    return SYMBOLS;
  }

  @Override
  public void run(CheckContext ctx) {
    ParsedMessage m = ctx.message();
    Map<DefectType, List<String>> found = new EnumMap<>(DefectType.class);
    for (Defect d : m.defects()) {
      List<String> details = found.computeIfAbsent(d.type(), t -> new ArrayList<>());
      if (details.size() < MAX_OPTIONS) {
        details.add(d.offset() >= 0 ? d.detail() + " @" + d.offset() : d.detail());
      }
    }
    for (Map.Entry<DefectType, List<String>> e : found.entrySet()) {
      ctx.addSymbol(symbolName(e.getKey()), e.getValue().toArray(String[]::new));
    }
  }

  /** {@code MIME_} and the defect type's name. */
  public static String symbolName(DefectType type) {
    return "MIME_" + type.name();
  }

  /**
   * Default scores: high for structure only broken tools produce, low for what honest software and
   * storage also produce. {@code BARE_LF} is 0 because mail stored in Unix files has LF line ends
   * throughout.
   */
  static double defaultScore(DefectType type) {
    return switch (type) {
      case BARE_LF, BASE64_PADDING, LIMIT_MESSAGE_SIZE -> 0.0;
      case LINE_TOO_LONG, INVALID_PARAMETER, UNKNOWN_CHARSET, MALFORMED_TEXT -> 0.3;
      case EIGHT_BIT_HEADER,
          CLOSE_BOUNDARY_MISSING,
          UNTERMINATED_ENCODED_WORD,
          INVALID_ENCODED_WORD,
          INVALID_QUOTED_PRINTABLE,
          BARE_CR ->
          0.5;
      case MALFORMED_HEADER,
          DUPLICATE_HEADER,
          INVALID_CONTENT_TYPE,
          UNKNOWN_TRANSFER_ENCODING,
          MALFORMED_ADDRESS,
          MULTIPART_WITHOUT_PARTS,
          TRANSFER_ENCODING_ON_COMPOSITE,
          INVALID_BASE64,
          NUL_BYTE,
          MISSING_HEADER_BODY_SEPARATOR ->
          1.0;
      case MISSING_BOUNDARY_PARAMETER, START_BOUNDARY_NOT_FOUND -> 1.5;
      case LIMIT_DEPTH, LIMIT_PARTS, LIMIT_HEADER_COUNT, LIMIT_HEADER_SIZE, LIMIT_LINE_LENGTH ->
          2.0;
    };
  }

  private static List<SymbolDef> symbolDefs() {
    List<SymbolDef> out = new ArrayList<>();
    for (DefectType t : DefectType.values()) {
      out.add(
          SymbolDef.of(
              symbolName(t),
              defaultScore(t),
              "MIME defect " + t.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')));
    }
    return List.copyOf(out);
  }

  /** Computes only (local work bounded by the message): runs on the stage's calling thread. */
  @Override
  public boolean blocking() {
    return false;
  }
}
