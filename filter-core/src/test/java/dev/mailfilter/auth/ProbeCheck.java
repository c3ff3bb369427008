package dev.mailfilter.auth;

import dev.mailfilter.api.Stage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.SymbolDef;
import java.util.List;
import java.util.function.Consumer;

/**
 * A check that only looks: it emits nothing and runs {@code body} at {@code stage}, for the tests
 * that read what the authentication checks keep for their peers, or plant it.
 *
 * @param name its configuration name
 * @param stage when it runs
 * @param blocking whether the filter runs it off the calling thread
 * @param body what it does
 */
record ProbeCheck(String name, Stage stage, boolean blocking, Consumer<CheckContext> body)
    implements Check {
  @Override
  public List<SymbolDef> symbols() {
    return List.of();
  }

  @Override
  public void run(CheckContext ctx) {
    body.accept(ctx);
  }
}
