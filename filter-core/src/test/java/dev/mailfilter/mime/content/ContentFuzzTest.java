package dev.mailfilter.mime.content;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer targets: every analysis accepts any bytes without throwing and with output bounded by its
 * input and limits. Regression mode runs the inputs in {@code ContentFuzzTestInputs}; set {@code
 * JAZZER_FUZZ=1} to fuzz.
 */
class ContentFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void htmlText(FuzzedDataProvider data) {
    String html = data.consumeRemainingAsString();
    HtmlScan scan = HtmlText.scan(html);
    assertThat(scan.text().length()).isLessThanOrEqualTo(html.length());
    assertThat(scan.hiddenText().length()).isLessThanOrEqualTo(html.length());
    assertThat(scan.links().size()).isLessThanOrEqualTo(HtmlText.MAX_LINKS);
    assertThat(scan.imageSources().size()).isLessThanOrEqualTo(HtmlText.MAX_IMAGES);
    assertThat(HtmlText.toText(html)).isEqualTo(scan.text());
  }

  @FuzzTest(maxDuration = "60s")
  void typeSniffer(FuzzedDataProvider data) {
    int pad = data.consumeInt(0, 8);
    byte[] b = data.consumeRemainingAsBytes();
    byte[] padded = new byte[b.length + pad];
    System.arraycopy(b, 0, padded, pad, b.length);
    assertThat(TypeSniffer.sniff(padded, pad, b.length)).contains("/");
  }

  @FuzzTest(maxDuration = "60s")
  void archives(FuzzedDataProvider data) {
    ArchiveLimits limits =
        new ArchiveLimits(
            data.consumeInt(1, 200), data.consumeInt(1, 4), data.consumeLong(0, 1 << 20), 100);
    byte[] b = data.consumeRemainingAsBytes();
    ArchiveListing listing = Archives.list(b, 0, b.length, limits);
    assertThat(listing.entries().size()).isLessThanOrEqualTo(limits.maxEntries());
    assertThat(listing.inflatedBytes()).isLessThanOrEqualTo(limits.maxInflatedBytes());
    assertThat(listing.entries()).allMatch(e -> e.depth() >= 1 && e.depth() <= limits.maxDepth());
  }

  @FuzzTest(maxDuration = "60s")
  void officeMacros(FuzzedDataProvider data) {
    byte[] b = data.consumeRemainingAsBytes();
    OfficeMacros.Result result = OfficeMacros.detect(b, 0, b.length);
    assertThat(result.evidence().size()).isLessThanOrEqualTo(20);
  }

  @FuzzTest(maxDuration = "30s")
  void fileNames(FuzzedDataProvider data) {
    String name = data.consumeRemainingAsString();
    assertThat(FileNames.classify(name).name()).isEqualTo(name);
  }
}
