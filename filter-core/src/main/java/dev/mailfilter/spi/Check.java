package dev.mailfilter.spi;

import dev.mailfilter.api.Stage;
import java.io.IOException;
import java.util.List;

/**
 * One test applied to a connection, transaction or message. A check names its stage and the symbols
 * it may emit; at run time it adds symbols through its {@link CheckContext}, and the engine scores
 * them from the configuration.
 *
 * <p>Checks are shared by all sessions and run concurrently (on virtual threads, or on the calling
 * thread when they never {@linkplain #blocking() block}), so they must be thread-safe (usually
 * immutable). Blocking I/O is fine: the engine bounds every stage by a deadline ({@link
 * CheckContext#deadline()}), and a check that throws or overruns becomes a {@code
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

  /**
   * Called once by each {@code MailFilter} built with this check enabled, before its first session,
   * so that slow preparation (reading a model file) can start in the background and overlap the
   * rest of start-up. Parsing a configuration creates its checks but does not prepare them. Must
   * return quickly; it throws only when the check cannot work at all (a required file missing or
   * damaged: {@code ConfigException} naming the key), and the filter is then not built. The default
   * does nothing.
   */
  default void prepare() {}

  /**
   * Whether this check may block: wait on the network, a server, a lock or another thread. A check
   * that may block runs on a virtual thread of its own, in parallel with the stage's other checks,
   * and the stage stops waiting for it at its deadline. A check that never blocks (it only
   * computes, its work bounded by the message and the configured limits, as every built-in local
   * check) runs on the thread that called the stage, after the blocking checks were started: a
   * thread per check cost more than most local checks take. It is still isolated: what it throws
   * becomes {@code CHECK_FAILED_<NAME>}, and if it returns after its deadline it becomes {@code
   * CHECK_TIMEOUT_<NAME>} and its reports from after the deadline are dropped; the other checks run
   * either way. Only its return cannot be forced, but no thread could force that of a check that
   * computes (virtual threads are not pre-empted either).
   *
   * @return true (the default) unless the check is known never to block
   */
  default boolean blocking() {
    return true;
  }
}
