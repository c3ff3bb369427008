package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a DMARC aggregate report (RFC 9990, namespace {@code urn:ietf:params:xml:ns:dmarc-2.0})
 * for one policy domain from the rows a {@link DmarcReportStore} kept: identical rows (same source,
 * identifiers, results and disposition) become one {@code record} with their count. Sending the
 * report is not done here.
 */
public final class DmarcAggregateReport {
  private DmarcAggregateReport() {}

  /**
   * Who reports, and for which period.
   *
   * @param orgName the reporting organization
   * @param email its contact address
   * @param reportId a unique id of this report
   * @param begin the start of the period
   * @param end the end of the period
   * @param discoveryMethod {@code treewalk} (RFC 9989) or {@code psl} (RFC 7489)
   */
  public record Metadata(
      String orgName,
      String email,
      String reportId,
      Instant begin,
      Instant end,
      String discoveryMethod) {
    /** Validates. */
    public Metadata {
      requireNonNull(orgName, "orgName");
      requireNonNull(email, "email");
      requireNonNull(reportId, "reportId");
      requireNonNull(begin, "begin");
      requireNonNull(end, "end");
      requireNonNull(discoveryMethod, "discoveryMethod");
    }
  }

  /**
   * The report of {@code policyDomain}: its rows among {@code rows} within the period; the
   * published policy is the latest row's.
   *
   * @return empty when no row is the domain's
   */
  public static Optional<String> xml(
      Metadata meta, String policyDomain, List<DmarcReportRow> rows) {
    Map<String, Group> groups = new LinkedHashMap<>();
    DmarcReportRow latest = null;
    for (DmarcReportRow r : rows) {
      if (!r.policyDomain().equals(policyDomain)
          || r.time().isBefore(meta.begin())
          || !r.time().isBefore(meta.end())) {
        continue;
      }
      if (latest == null || !r.time().isBefore(latest.time())) {
        latest = r;
      }
      String key =
          String.join(
              "\t",
              r.sourceIp(),
              r.headerFrom(),
              r.envelopeFrom(),
              r.envelopeTo(),
              disposition(r),
              r.dkimAligned(),
              r.spfAligned(),
              r.overrideReason().orElse(""),
              String.join(",", r.dkim()),
              r.spfDomain(),
              r.spfResult());
      groups.computeIfAbsent(key, k -> new Group(r)).count++;
    }
    if (latest == null) {
      return Optional.empty();
    }
    StringBuilder x = new StringBuilder();
    x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.append("<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">\n");
    x.append("  <version>1.0</version>\n");
    x.append("  <report_metadata>\n");
    element(x, 4, "org_name", meta.orgName());
    element(x, 4, "email", meta.email());
    element(x, 4, "report_id", meta.reportId());
    x.append("    <date_range>\n");
    element(x, 6, "begin", Long.toString(meta.begin().getEpochSecond()));
    element(x, 6, "end", Long.toString(meta.end().getEpochSecond()));
    x.append("    </date_range>\n");
    element(x, 4, "generator", "mailfilter");
    x.append("  </report_metadata>\n");
    DmarcReportRow.Published p = latest.published();
    x.append("  <policy_published>\n");
    element(x, 4, "domain", policyDomain);
    element(x, 4, "adkim", p.adkim());
    element(x, 4, "aspf", p.aspf());
    element(x, 4, "p", p.p());
    element(x, 4, "sp", p.sp());
    element(x, 4, "np", p.np());
    element(x, 4, "testing", p.testing());
    element(x, 4, "discovery_method", meta.discoveryMethod());
    x.append("  </policy_published>\n");
    for (Group g : groups.values()) {
      DmarcReportRow r = g.row;
      x.append("  <record>\n    <row>\n");
      element(x, 6, "source_ip", r.sourceIp());
      element(x, 6, "count", Integer.toString(g.count));
      x.append("      <policy_evaluated>\n");
      element(x, 8, "disposition", disposition(r));
      element(x, 8, "dkim", r.dkimAligned());
      element(x, 8, "spf", r.spfAligned());
      if (r.overrideReason().isPresent()) {
        x.append("        <reason>\n");
        element(x, 10, "type", r.overrideReason().get());
        x.append("        </reason>\n");
      }
      x.append("      </policy_evaluated>\n    </row>\n");
      x.append("    <identifiers>\n");
      if (!r.envelopeTo().isEmpty()) {
        element(x, 6, "envelope_to", r.envelopeTo());
      }
      if (!r.envelopeFrom().isEmpty()) {
        element(x, 6, "envelope_from", r.envelopeFrom());
      }
      element(x, 6, "header_from", r.headerFrom());
      x.append("    </identifiers>\n    <auth_results>\n");
      for (String d : r.dkim()) {
        int eq = d.lastIndexOf('=');
        x.append("      <dkim>\n");
        element(x, 8, "domain", d.substring(0, Math.max(eq, 0)));
        element(x, 8, "result", d.substring(eq + 1));
        x.append("      </dkim>\n");
      }
      x.append("      <spf>\n");
      element(x, 8, "domain", r.spfDomain());
      element(x, 8, "scope", "mfrom");
      element(x, 8, "result", r.spfResult());
      x.append("      </spf>\n    </auth_results>\n  </record>\n");
    }
    x.append("</feedback>\n");
    return Optional.of(x.toString());
  }

  /** RFC 9990's ActionDispositionType: {@code pass} when DMARC passed. */
  private static String disposition(DmarcReportRow r) {
    return r.dkimAligned().equals("pass") || r.spfAligned().equals("pass")
        ? "pass"
        : r.disposition();
  }

  private static final class Group {
    final DmarcReportRow row;
    int count;

    Group(DmarcReportRow row) {
      this.row = row;
    }
  }

  private static void element(StringBuilder x, int indent, String name, String value) {
    x.append(" ".repeat(indent)).append('<').append(name).append('>');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '<' -> x.append("&lt;");
        case '>' -> x.append("&gt;");
        case '&' -> x.append("&amp;");
        case '"' -> x.append("&quot;");
        default -> x.append(c < 0x20 ? '?' : c);
      }
    }
    x.append("</").append(name).append(">\n");
  }
}
