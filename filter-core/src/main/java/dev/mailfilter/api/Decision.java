package dev.mailfilter.api;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of one session stage before the end of data: go on, or refuse now with a reply.
 * Adapters switch over it exhaustively.
 */
public sealed interface Decision {
  /** The stage passed; the adapter answers with its usual positive reply. */
  static Decision proceed() {
    return Continue.INSTANCE;
  }

  /** Whether this decision refuses the client. */
  default boolean refused() {
    return this instanceof Refuse;
  }

  /** Go on with the transaction. */
  enum Continue implements Decision {
    /** The only value. */
    INSTANCE
  }

  /**
   * Refuse the stage now.
   *
   * @param action why: {@link Action#REJECT}, {@link Action#TEMPFAIL}, {@link Action#SOFT_REJECT}
   *     or {@link Action#GREYLIST}
   * @param reply what to answer the client
   * @param symbols the symbols that led to the refusal
   */
  record Refuse(Action action, Reply reply, List<Symbol> symbols) implements Decision {
    public Refuse {
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(reply, "reply");
      if (!action.refusesClient()) {
        throw new IllegalArgumentException("not a refusing action: " + action);
      }
      if (reply.code() < 400) {
        throw new IllegalArgumentException("a refusal needs a 4xx or 5xx reply: " + reply.code());
      }
      symbols = List.copyOf(symbols);
    }
  }
}
