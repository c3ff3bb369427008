package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MetaExpressionTest {
  private static double eval(String expr, Map<String, Integer> hits) throws Unsupported {
    return MetaExpression.parse(expr).evaluate(n -> hits.getOrDefault(n, 0));
  }

  @Test
  void booleanOperatorsWithPerlPrecedence() throws Unsupported {
    Map<String, Integer> h = Map.of("A", 1, "C", 1);
    assertThat(eval("A && !B", h)).isEqualTo(1);
    assertThat(eval("A && B || C", h)).isEqualTo(1);
    assertThat(eval("A && (B || C)", h)).isEqualTo(1);
    assertThat(eval("!A || B", h)).isEqualTo(0);
    assertThat(eval("!(A && C)", h)).isEqualTo(0);
  }

  @Test
  void arithmeticOverHitCounts() throws Unsupported {
    Map<String, Integer> h = Map.of("__A", 1, "__B", 1, "__M", 4);
    assertThat(eval("(__A + __B + __C) > 1", h)).isEqualTo(1);
    assertThat(eval("(__A + __B + __C) >= 3", h)).isEqualTo(0);
    assertThat(eval("__M > 3", h)).isEqualTo(1); // a multiple rule counts its hits
    assertThat(eval("__M * 2 - 1 == 7", h)).isEqualTo(1);
    assertThat(eval("__M / 0", h)).isEqualTo(0);
    assertThat(eval("-__A + 2", h)).isEqualTo(1);
    assertThat(eval("__A ? 5 : 6", h)).isEqualTo(5);
  }

  @Test
  void andAndOrYieldOperandValuesAsInPerl() throws Unsupported {
    Map<String, Integer> h = Map.of("A", 1, "M", 3);
    assertThat(eval("(A && M) + 1", h)).isEqualTo(4);
    assertThat(eval("(B || M) + 1", h)).isEqualTo(4);
    assertThat(eval("(B && M) + 1", h)).isEqualTo(1);
  }

  @Test
  void namesRead() throws Unsupported {
    assertThat(MetaExpression.parse("(A && __B) || !C_1 > 2").names())
        .containsExactlyInAnyOrder("A", "__B", "C_1");
  }

  @Test
  void malformedExpressionsAreUnsupported() {
    assertThatThrownBy(() -> MetaExpression.parse("A && (B")).hasMessageContaining("parentheses");
    assertThatThrownBy(() -> MetaExpression.parse("A & B")).isInstanceOf(Unsupported.class);
    assertThatThrownBy(() -> MetaExpression.parse("A B")).hasMessageContaining("unexpected");
    assertThatThrownBy(() -> MetaExpression.parse("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> MetaExpression.parse("A =~ /x/")).isInstanceOf(Unsupported.class);
  }
}
