package dev.mailfilter.smtp;

import dev.mailfilter.api.Reply;
import java.util.Optional;

/**
 * How a DATA content read ended, with the facts counted on the way. The codec refuses only what is
 * its business ({@link #refusal()}: oversize, bare line ends under {@link BareLineEnd#REJECT});
 * everything else is for the filter to decide.
 *
 * @param ended true when CRLF.CRLF was read; false when the connection closed first (nothing is to
 *     be answered then, and the transaction is void)
 * @param size the content octets after dot-unstuffing and normalisation, all of them, including
 *     those past the size limit that were not delivered
 * @param bareLf bare LFs seen (an LF not after a CR)
 * @param bareCr bare CRs seen (a CR not followed by an LF)
 * @param longLines lines longer than {@link SmtpLimits#textLineLength()}
 * @param refusal the codec's reply when the message must be refused whatever the filter says
 */
record DataResult(
    boolean ended, long size, long bareLf, long bareCr, long longLines, Optional<Reply> refusal) {
  public DataResult {
    if (refusal == null) {
      throw new NullPointerException("refusal");
    }
  }

  /** Whether the content held a bare LF or bare CR. */
  public boolean hasBareLineEnds() {
    return bareLf > 0 || bareCr > 0;
  }

  /** Whether the content passed the codec: ended properly and not refused. */
  public boolean acceptable() {
    return ended && refusal.isEmpty();
  }
}
