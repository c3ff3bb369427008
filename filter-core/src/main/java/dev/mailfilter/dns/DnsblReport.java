package dev.mailfilter.dns;

import java.time.Duration;
import java.util.List;

/**
 * The answers of every list checked at one stage, and the symbols they produce.
 *
 * @param answers one per list and subject
 * @param hits the symbols (listings with the list's weight, failures with score 0)
 * @param elapsed wall time for the whole stage (the lookups run in parallel)
 */
public record DnsblReport(List<ListAnswer> answers, List<DnsblHit> hits, Duration elapsed) {
  /** Copies the lists. */
  public DnsblReport {
    answers = List.copyOf(answers);
    hits = List.copyOf(hits);
  }
}
