package dev.mailfilter.auth;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fuzzes the SPF record and macro parsers and the macro expansion: any text parses or is a
 * permerror, and whatever parses expands without an exception.
 */
class SpfRecordFuzzTest {
  private static final MacroString.Values VALUES =
      letter ->
          switch (letter) {
            case 'i' -> "192.0.2.3";
            case 'v' -> "in-addr";
            case 't' -> "1700000000";
            default -> "strong-bad@email.example.com";
          };

  @FuzzTest(maxDuration = "30s")
  void anyRecordParsesOrIsAPermError(FuzzedDataProvider data) {
    String explanation = data.consumeString(200);
    String text = data.consumeRemainingAsString();
    List<MacroString> macros = new ArrayList<>();
    try {
      if (SpfRecord.isSpf(text)) {
        SpfRecord r = SpfRecord.parse(text);
        r.redirect().ifPresent(macros::add);
        r.exp().ifPresent(macros::add);
        for (SpfRecord.Directive d : r.directives()) {
          domainOf(d.mechanism()).ifPresent(macros::add);
        }
      }
    } catch (SpfException e) {
      permerror(e, text);
    }
    try {
      macros.add(MacroString.parse(explanation, true));
    } catch (SpfException e) {
      permerror(e, explanation);
    }
    for (MacroString m : macros) {
      try {
        m.expandDomain(VALUES);
      } catch (SpfException e) {
        throw new AssertionError("expanding " + m + " with fixed values failed", e);
      }
    }
  }

  private static Optional<MacroString> domainOf(SpfRecord.Mechanism m) {
    return switch (m) {
      case SpfRecord.Include i -> Optional.of(i.domain());
      case SpfRecord.Exists e -> Optional.of(e.domain());
      case SpfRecord.A a -> a.domain();
      case SpfRecord.Mx mx -> mx.domain();
      case SpfRecord.Ptr p -> p.domain();
      case SpfRecord.All all -> Optional.empty();
      case SpfRecord.Ip ip -> Optional.empty();
    };
  }

  private static void permerror(SpfException e, String text) {
    if (e.code() != SpfResult.Code.PERMERROR) {
      throw new AssertionError(e.code() + " parsing \"" + text + "\"", e);
    }
  }
}
