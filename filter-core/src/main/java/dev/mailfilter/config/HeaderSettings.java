package dev.mailfilter.config;

import java.util.Objects;
import java.util.Optional;

/**
 * Names of the result headers and how they are written, so that a brand can rename them. An empty
 * name turns that header off.
 *
 * @param flag {@code X-Spam-Flag: YES} on spam
 * @param score {@code X-Spam-Score: 7.10}
 * @param status {@code X-Spam-Status: Yes, score=7.1 required=6.0 tests=A,B}
 * @param symbols the symbol list with scores and options
 * @param onHam whether score, status and symbols go on ham too (SpamAssassin does so)
 * @param removeExisting whether incoming fields of these names are removed first (they are
 *     forgeable by the sender)
 * @param subjectTag the prefix of the subject for {@code rewrite_subject}
 */
public record HeaderSettings(
    Optional<String> flag,
    Optional<String> score,
    Optional<String> status,
    Optional<String> symbols,
    boolean onHam,
    boolean removeExisting,
    String subjectTag) {
  public HeaderSettings {
    Objects.requireNonNull(flag, "flag");
    Objects.requireNonNull(score, "score");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(symbols, "symbols");
    Objects.requireNonNull(subjectTag, "subjectTag");
  }
}
