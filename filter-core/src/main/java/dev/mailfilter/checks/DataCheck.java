package dev.mailfilter.checks;

import dev.mailfilter.api.Stage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.SymbolDef;
import java.util.List;

/** The common part of the local content checks: a name, the DATA stage, declared symbols. */
abstract class DataCheck implements Check {
  private final String name;
  private final List<SymbolDef> symbols;

  DataCheck(String name, List<SymbolDef> symbols) {
    this.name = name;
    this.symbols = List.copyOf(symbols);
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Stage stage() {
    return Stage.DATA;
  }

  @Override
  public final List<SymbolDef> symbols() {
    return symbols;
  }

  /** Computes only (local work bounded by the message): runs on the stage's calling thread. */
  @Override
  public final boolean blocking() {
    return false;
  }
}
