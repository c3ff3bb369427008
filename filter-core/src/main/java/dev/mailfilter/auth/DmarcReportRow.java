package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One message's row for a DMARC aggregate report (RFC 9990 section 3.1: {@code record} with its
 * {@code row}, {@code identifiers} and {@code auth_results}, and the {@code policy_published} of
 * the policy domain). Only messages with a DMARC record ({@code pass} or {@code fail}) give a row.
 *
 * @param time when the message was evaluated
 * @param sourceIp the SMTP client's address, as text
 * @param headerFrom the Author Domain
 * @param envelopeFrom the MAIL FROM domain (empty for the null sender)
 * @param envelopeTo the first recipient's domain
 * @param policyDomain the domain whose record applied
 * @param published the applied record's policy: {@code p}, {@code sp}, {@code np}, {@code adkim},
 *     {@code aspf}, {@code t} as RFC 9990 writes them
 * @param disposition {@code none}, {@code quarantine} or {@code reject}: what was applied
 * @param dkimAligned {@code pass} or {@code fail}: the DMARC-aligned DKIM result
 * @param spfAligned {@code pass} or {@code fail}: the DMARC-aligned SPF result
 * @param overrideReason RFC 9990's {@code PolicyOverrideType} when the disposition is not the
 *     requested policy ({@code trusted_forwarder}, {@code policy_test_mode}, {@code local_policy})
 * @param dkim the DKIM results, {@code domain=result}
 * @param spfDomain the domain SPF evaluated
 * @param spfResult its result keyword
 */
public record DmarcReportRow(
    Instant time,
    String sourceIp,
    String headerFrom,
    String envelopeFrom,
    String envelopeTo,
    String policyDomain,
    Published published,
    String disposition,
    String dkimAligned,
    String spfAligned,
    Optional<String> overrideReason,
    List<String> dkim,
    String spfDomain,
    String spfResult) {

  /** Validates and copies. */
  public DmarcReportRow {
    requireNonNull(time, "time");
    requireNonNull(sourceIp, "sourceIp");
    requireNonNull(headerFrom, "headerFrom");
    requireNonNull(envelopeFrom, "envelopeFrom");
    requireNonNull(envelopeTo, "envelopeTo");
    requireNonNull(policyDomain, "policyDomain");
    requireNonNull(published, "published");
    requireNonNull(disposition, "disposition");
    requireNonNull(dkimAligned, "dkimAligned");
    requireNonNull(spfAligned, "spfAligned");
    requireNonNull(overrideReason, "overrideReason");
    dkim = List.copyOf(dkim);
    requireNonNull(spfDomain, "spfDomain");
    requireNonNull(spfResult, "spfResult");
  }

  /**
   * The published policy as a report states it.
   *
   * @param p the {@code p} keyword
   * @param sp the {@code sp} keyword, or {@code p}'s when absent
   * @param np the {@code np} keyword, or {@code sp}'s when absent
   * @param adkim {@code r} or {@code s}
   * @param aspf {@code r} or {@code s}
   * @param testing {@code y} or {@code n}
   */
  public record Published(
      String p, String sp, String np, String adkim, String aspf, String testing) {
    /** Validates. */
    public Published {
      requireNonNull(p, "p");
      requireNonNull(sp, "sp");
      requireNonNull(np, "np");
      requireNonNull(adkim, "adkim");
      requireNonNull(aspf, "aspf");
      requireNonNull(testing, "testing");
    }

    /** What {@code r} publishes. */
    public static Published of(DmarcRecord r) {
      String sp = r.sp().orElse(r.p()).keyword();
      return new Published(
          r.p().keyword(),
          sp,
          r.np().map(DmarcRecord.Policy::keyword).orElse(sp),
          r.adkim() == DmarcRecord.Alignment.STRICT ? "s" : "r",
          r.aspf() == DmarcRecord.Alignment.STRICT ? "s" : "r",
          r.testing() ? "y" : "n");
    }
  }

  /** The row as one tab-separated line (no line break), the store's file format. */
  public String toLine() {
    List<String> f = new ArrayList<>();
    f.add(time.toString());
    f.add(sourceIp);
    f.add(headerFrom);
    f.add(envelopeFrom);
    f.add(envelopeTo);
    f.add(policyDomain);
    f.add(published.p());
    f.add(published.sp());
    f.add(published.np());
    f.add(published.adkim());
    f.add(published.aspf());
    f.add(published.testing());
    f.add(disposition);
    f.add(dkimAligned);
    f.add(spfAligned);
    f.add(overrideReason.orElse(""));
    f.add(String.join(",", dkim));
    f.add(spfDomain);
    f.add(spfResult);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < f.size(); i++) {
      if (i > 0) {
        sb.append('\t');
      }
      // Values come from DNS and headers: no field may break the line or the columns.
      for (char c : f.get(i).toCharArray()) {
        sb.append(c < 0x20 || c == 0x7f ? '?' : c);
      }
    }
    return sb.toString();
  }

  /**
   * Reads a line written by {@link #toLine()}.
   *
   * @throws IllegalArgumentException naming the line when it has not the 19 fields
   */
  public static DmarcReportRow fromLine(String line) {
    String[] f = line.split("\t", -1);
    if (f.length != 19) {
      throw new IllegalArgumentException(
          "not a DMARC report row (" + f.length + " fields): " + line);
    }
    return new DmarcReportRow(
        Instant.parse(f[0]),
        f[1],
        f[2],
        f[3],
        f[4],
        f[5],
        new Published(f[6], f[7], f[8], f[9], f[10], f[11]),
        f[12],
        f[13],
        f[14],
        f[15].isEmpty() ? Optional.empty() : Optional.of(f[15]),
        f[16].isEmpty() ? List.of() : List.of(f[16].split(",")),
        f[17],
        f[18]);
  }
}
