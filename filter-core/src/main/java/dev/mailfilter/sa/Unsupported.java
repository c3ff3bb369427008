package dev.mailfilter.sa;

/**
 * Why a rule, a regular expression or an expression cannot be loaded. Checked and internal: the
 * loader turns it into an entry of {@link RuleSet#unsupported()}, so nothing that could not be
 * translated is silently treated as not hitting.
 */
final class Unsupported extends Exception {
  private static final long serialVersionUID = 1L;

  Unsupported(String reason) {
    super(reason, null, false, false);
  }

  /** The reason, one short phrase. */
  String reason() {
    return getMessage();
  }
}
