package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** Rows through the daily file store into an RFC 9990 report, parsed back. */
class DmarcAggregateReportTest {
  private static final Instant T = Instant.parse("2026-12-07T10:00:00Z");

  private static DmarcReportRow row(String ip, String from, String disposition, boolean spf) {
    return new DmarcReportRow(
        T,
        ip,
        from,
        "bounce." + from,
        "example.net",
        "example.com",
        new DmarcReportRow.Published("reject", "quarantine", "reject", "r", "s", "n"),
        disposition,
        "fail",
        spf ? "pass" : "fail",
        Optional.empty(),
        List.of("example.com=fail", "other.example=pass"),
        "bounce." + from,
        spf ? "pass" : "softfail");
  }

  private static Document parse(String xml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder()
        .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
  }

  private static String text(Element e, String name) {
    return e.getElementsByTagName(name).item(0).getTextContent();
  }

  @Test
  void rowsKeptByTheStoreBecomeAReportThatParsesBackWithCounts(@TempDir Path dir) throws Exception {
    List<DmarcReportRow> rows;
    try (DailyFileReportStore store = DailyFileReportStore.open(dir, 100)) {
      store.append(row("192.0.2.1", "example.com", "reject", false));
      store.append(row("192.0.2.1", "example.com", "reject", false));
      store.append(row("192.0.2.2", "example.com", "none", true));
      store.append(row("192.0.2.3", "a<b>&c.example", "reject", false));
      assertThat(store.flush(5_000)).isTrue();
      assertThat(store.written()).isEqualTo(4);
      assertThat(store.dropped()).isZero();
      rows =
          Files.readAllLines(store.file(LocalDate.ofInstant(T, ZoneOffset.UTC))).stream()
              .map(DmarcReportRow::fromLine)
              .toList();
    }
    assertThat(rows).hasSize(4);
    String xml =
        DmarcAggregateReport.xml(
                new DmarcAggregateReport.Metadata(
                    "mx.example.net",
                    "dmarc@example.net",
                    "r1",
                    T.minusSeconds(3600),
                    T.plusSeconds(3600),
                    "treewalk"),
                "example.com",
                rows)
            .orElseThrow();
    Document d = parse(xml);
    Element root = d.getDocumentElement();
    assertThat(root.getNamespaceURI()).isEqualTo("urn:ietf:params:xml:ns:dmarc-2.0");
    assertThat(text(root, "report_id")).isEqualTo("r1");
    assertThat(text(root, "p")).isEqualTo("reject");
    assertThat(text(root, "np")).isEqualTo("reject");
    assertThat(text(root, "aspf")).isEqualTo("s");
    var records = root.getElementsByTagName("record");
    assertThat(records.getLength()).isEqualTo(3);
    Element first = (Element) records.item(0);
    assertThat(text(first, "count")).isEqualTo("2");
    assertThat(text(first, "disposition")).isEqualTo("reject");
    assertThat(first.getElementsByTagName("dkim").getLength()).isEqualTo(3); // 1 evaluated + 2
    Element passed = (Element) records.item(1);
    assertThat(text(passed, "disposition")).isEqualTo("pass");
    assertThat(text((Element) records.item(2), "header_from")).isEqualTo("a<b>&c.example");
  }

  @Test
  void aFullQueueDropsRowsInsteadOfBlocking(@TempDir Path dir) throws Exception {
    try (DailyFileReportStore store = DailyFileReportStore.open(dir, 1)) {
      for (int i = 0; i < 10_000; i++) {
        store.append(row("192.0.2.1", "example.com", "reject", false));
      }
      assertThat(store.flush(5_000)).isTrue();
      assertThat(store.written() + store.dropped()).isEqualTo(10_000);
      assertThat(store.dropped()).isPositive();
    }
  }

  @Test
  void noRowOfTheDomainIsNoReport() {
    assertThat(
            DmarcAggregateReport.xml(
                new DmarcAggregateReport.Metadata(
                    "o", "e@example.net", "r", T, T.plusSeconds(1), "psl"),
                "example.org",
                List.of(row("192.0.2.1", "example.com", "reject", false))))
        .isEmpty();
  }
}
