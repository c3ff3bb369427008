package dev.mailfilter.milter;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Stage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.SymbolDef;
import java.util.List;
import java.util.function.Consumer;

/** Filters for tests: the default checks plus a probe at one stage. */
final class Probes {
  private Probes() {}

  /**
   * The default checks, the configuration from {@code yaml}, and {@code probe} at {@code stage}.
   */
  static MailFilter filter(String yaml, Stage stage, Consumer<CheckContext> probe) {
    return MailFilter.builder()
        .config(FilterConfig.builder().yaml(yaml).build())
        .addCheck(
            new Check() {
              @Override
              public String name() {
                return "probe";
              }

              @Override
              public Stage stage() {
                return stage;
              }

              @Override
              public List<SymbolDef> symbols() {
                return List.of(SymbolDef.of("PROBE", 0, "test probe"));
              }

              @Override
              public void run(CheckContext ctx) {
                probe.accept(ctx);
              }
            })
        .build();
  }
}
