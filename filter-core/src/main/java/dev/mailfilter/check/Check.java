package dev.mailfilter.check;

import java.io.IOException;
import java.util.List;

/**
 * One test applied to a connection, transaction or message. A check names its stage and the symbols
 * it may emit; at run time it adds symbols through its {@link CheckContext}, and the engine scores
 * them from the configuration.
 *
 * <p>Checks are shared by all sessions and run concurrently on virtual threads, so they must be
 * thread-safe (usually immutable). Blocking I/O is fine: the engine bounds every stage by a
 * deadline ({@link CheckContext#deadline()}), and a check that throws or overruns becomes a {@code
 * CHECK_FAILED_<NAME>} or {@code CHECK_TIMEOUT_<NAME>} symbol while the other checks go on. Checks
 * that hold resources (sockets, files) may implement {@link AutoCloseable}; {@code
 * MailFilter.close()} closes them.
 */
public interface Check {
  /**
   * The check's name: its configuration section {@code checks.<name>}, lower case letters, digits
   * and underscores.
   */
  String name();

  /** The stage this check runs at. */
  Stage stage();

  /** Every symbol this check may emit, with default scores. Emitting another one is an error. */
  List<SymbolDef> symbols();

  /**
   * Examines what the context offers and adds symbols. Interrupted when the stage's deadline
   * passes: blocking calls should honour interruption or the deadline.
   *
   * @throws IOException when a network or file lookup fails; the engine reports it as a symbol
   * @throws InterruptedException when interrupted at the deadline
   */
  void run(CheckContext ctx) throws IOException, InterruptedException;
}
