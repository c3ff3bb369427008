package dev.mailfilter.sa;

/**
 * Bounds the time regular expressions may take on one message. A Perl pattern that backtracks
 * catastrophically on some text would otherwise hold the stage's thread forever: a check that
 * computes on the calling thread cannot be interrupted. The wrapped text counts the characters the
 * matcher reads and looks at the clock every {@value #CHECK_EVERY} of them; past the deadline it
 * throws {@link TimeUp}, which ends the check (the engine then reports it as failed).
 */
final class Guard {
  private static final int CHECK_EVERY = 1 << 16;

  /** Thrown out of a match when the deadline has passed. */
  static final class TimeUp extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TimeUp() {
      super("SpamAssassin rules ran past the check's deadline", null, false, false);
    }
  }

  private final long deadlineNanos;
  private int reads;

  private Guard(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
  }

  /** A guard whose deadline is {@code nanos} from now. */
  static Guard within(long nanos) {
    return new Guard(System.nanoTime() + nanos);
  }

  /** A guard that never fires (for tests and tools). */
  static Guard none() {
    return new Guard(Long.MAX_VALUE);
  }

  CharSequence wrap(String text) {
    return deadlineNanos == Long.MAX_VALUE ? text : new Text(text);
  }

  private void tick() {
    if (++reads >= CHECK_EVERY) {
      reads = 0;
      if (System.nanoTime() - deadlineNanos > 0) {
        throw new TimeUp();
      }
    }
  }

  private final class Text implements CharSequence {
    private final String s;

    Text(String s) {
      this.s = s;
    }

    @Override
    public int length() {
      return s.length();
    }

    @Override
    public char charAt(int index) {
      tick();
      return s.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return s.substring(start, end);
    }

    @Override
    public String toString() {
      return s;
    }
  }
}
