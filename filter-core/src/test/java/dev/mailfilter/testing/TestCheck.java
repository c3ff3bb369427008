package dev.mailfilter.testing;

import dev.mailfilter.api.Stage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.SymbolDef;
import java.io.IOException;
import java.util.List;

/** A check made of a name, a stage, its symbols and a body, for tests of the engine. */
public record TestCheck(String name, Stage stage, List<SymbolDef> symbols, Body body)
    implements Check {
  /** What a test check does when run. */
  public interface Body {
    void run(CheckContext ctx) throws IOException, InterruptedException;
  }

  @Override
  public void run(CheckContext ctx) throws IOException, InterruptedException {
    body.run(ctx);
  }

  /** A check that adds one fixed symbol, with the recipient as option at RCPT. */
  public static Check fixed(String name, Stage stage, String symbol, double score) {
    return new TestCheck(
        name,
        stage,
        List.of(SymbolDef.of(symbol, score, "test symbol")),
        ctx -> ctx.addSymbol(symbol, ctx.recipient().orElse("-")));
  }
}
