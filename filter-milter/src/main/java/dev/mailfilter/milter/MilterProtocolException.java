package dev.mailfilter.milter;

import java.io.IOException;
import java.io.Serial;

/**
 * The peer sent bytes that are not a well-formed milter packet: a length out of bounds, a
 * connection closed mid-packet, an unknown command or a command whose data is malformed. The
 * connection cannot be trusted past it and should be closed.
 */
final class MilterProtocolException extends IOException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * @param message what was wrong, with the command name and the offending value
   */
  public MilterProtocolException(String message) {
    super(message);
  }
}
