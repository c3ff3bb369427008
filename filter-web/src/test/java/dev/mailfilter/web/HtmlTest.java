package dev.mailfilter.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The escaping template: every value escaped unless typed safe. */
class HtmlTest {
  @Test
  void escapesTheFiveCharactersThatMatterInTextAndQuotedAttributes() {
    assertThat(Html.escape("<a href=\"x\" title='y'>&amp;</a>"))
        .isEqualTo("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
    assertThat(Html.escape(null)).isEmpty();
    assertThat(Html.escape("plain")).isEqualTo("plain");
  }

  @Test
  void fillEscapesValuesAndInsertsSafeFragmentsAsTheyAre() {
    Html.Safe inner = Html.fill("<b>{}</b>", "<i>");
    assertThat(Html.fill("<p title=\"{}\">{}</p>", "\"onload=x", inner).html())
        .isEqualTo("<p title=\"&quot;onload=x\"><b>&lt;i&gt;</b></p>");
  }

  @Test
  void aValueIsNeverReadAsATemplate() {
    assertThat(Html.fill("{}-{}", "{}", "x").html()).isEqualTo("{}-x");
  }

  @Test
  void holesAndValuesMustMatch() {
    assertThatThrownBy(() -> Html.fill("{} {}", "a")).hasMessageContaining("more {}");
    assertThatThrownBy(() -> Html.fill("{}", "a", "b")).hasMessageContaining("more values");
  }

  @Test
  void noEscapedTextContainsAMarkupCharacter() {
    Random r = new Random(16);
    for (int i = 0; i < 10_000; i++) {
      StringBuilder b = new StringBuilder();
      for (int j = r.nextInt(20); j > 0; j--) {
        b.append((char) r.nextInt(0x80));
      }
      String e = Html.escape(b.toString());
      assertThat(e).doesNotContain("<", ">", "\"", "'");
      assertThat(e.replaceAll("&(amp|lt|gt|quot|#39);", "")).doesNotContain("&");
    }
    assertThat(Html.join(List.of(new Html.Safe("a"), new Html.Safe("b"))).html()).isEqualTo("ab");
  }
}
