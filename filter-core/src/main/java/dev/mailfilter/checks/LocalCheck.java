package dev.mailfilter.checks;

import dev.mailfilter.api.Stage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.SymbolDef;
import java.util.List;

/**
 * The common part of the local content checks: a name, a stage, declared symbols. A check that
 * reads only the header fields runs at {@link Stage#HEADERS}, so that a milter can refuse before
 * the body is sent; one that reads the body runs at {@link Stage#DATA}.
 */
abstract class LocalCheck implements Check {
  private final String name;
  private final Stage stage;
  private final List<SymbolDef> symbols;

  LocalCheck(String name, Stage stage, List<SymbolDef> symbols) {
    this.name = name;
    this.stage = stage;
    this.symbols = List.copyOf(symbols);
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Stage stage() {
    return stage;
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
