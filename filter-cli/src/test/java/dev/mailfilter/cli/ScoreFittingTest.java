package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ScoreFitting#fit}: weights and the threshold from labelled hit rows. */
class ScoreFittingTest {
  private static final Map<String, Double> HAND =
      Map.of(
          "BAYES_00", -1.9,
          "BAYES_05", -0.5,
          "BAYES_50", 1.5,
          "BAYES_60", 2.5,
          "BAYES_99", 7.0,
          "RULE", 1.0);

  @Test
  void aSmallCorpusWhoseRareBandsAreSpamStillGetsAThreshold() {
    // Every message has one band, as with a ready model. The rare middle bands (fewer than 5 hits,
    // so not fitted) are all spam: the intercept, which they share, comes out spam-leaning, above
    // the threshold's log-odds; the fit moves it into the bands instead of failing.
    List<Map<String, Double>> rows = new ArrayList<>();
    List<Boolean> labels = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      rows.add(i % 10 == 0 ? Map.of("BAYES_00", 1.0, "RULE", 1.0) : Map.of("BAYES_00", 1.0));
      labels.add(false);
    }
    for (int i = 0; i < 20; i++) {
      rows.add(Map.of("BAYES_05", 1.0));
      labels.add(false);
    }
    for (int i = 0; i < 30; i++) {
      rows.add(i % 3 == 0 ? Map.of("BAYES_99", 1.0, "RULE", 1.0) : Map.of("BAYES_99", 1.0));
      labels.add(true);
    }
    for (String band : List.of("BAYES_50", "BAYES_60")) {
      for (int i = 0; i < 3; i++) {
        rows.add(Map.of(band, 1.0));
        labels.add(true);
      }
    }
    boolean[] spam = new boolean[labels.size()];
    for (int i = 0; i < spam.length; i++) {
      spam[i] = labels.get(i);
    }
    Set<String> bands = Set.of("BAYES_00", "BAYES_05", "BAYES_50", "BAYES_60", "BAYES_99");

    ScoreFitting.Fitted f = ScoreFitting.fit(rows, spam, HAND, bands, 6.0, 0.001, 5, 1);

    assertThat(f.thresholdLogit()).isGreaterThan(f.intercept());
    Map<String, Double> scores = ScoreFitting.over(HAND, f.scores());
    // Signs kept, the bands in order; the rare bands get the share of the intercept moved into
    // the bands.
    assertThat(scores.get("BAYES_00")).isLessThanOrEqualTo(scores.get("BAYES_05"));
    assertThat(scores.get("BAYES_05")).isLessThanOrEqualTo(0);
    assertThat(f.scores()).containsKeys("BAYES_50", "BAYES_60");
    assertThat(scores.get("BAYES_50")).isPositive();
    assertThat(scores.get("BAYES_60")).isGreaterThanOrEqualTo(scores.get("BAYES_50"));
    assertThat(scores.get("BAYES_99")).isGreaterThanOrEqualTo(scores.get("BAYES_60"));
    // Every training message on the side of add_header its label says.
    for (int i = 0; i < rows.size(); i++) {
      assertThat(ScoreFitting.score(rows.get(i), scores) >= 6.0)
          .as("row %s %s", i, rows.get(i))
          .isEqualTo(spam[i]);
    }
  }

  @Test
  void theBandsScoresKeepTheBandsOrderWhereTheTrainingMailDoesNot() {
    // The middle spam band holds only spam and the top band some ham too: fitted one weight per
    // band, BAYES_99 came out below BAYES_60 (as BAYES_95 below BAYES_80 in the shipped sets).
    Map<String, Double> hand =
        Map.of("BAYES_00", -1.9, "BAYES_50", 0.0, "BAYES_60", 2.5, "BAYES_99", 7.0, "RULE", 1.0);
    List<Map<String, Double>> rows = new ArrayList<>();
    List<Boolean> labels = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      rows.add(i % 20 == 0 ? Map.of("BAYES_00", 1.0, "RULE", 1.0) : Map.of("BAYES_00", 1.0));
      labels.add(false);
    }
    for (int i = 0; i < 40; i++) {
      rows.add(Map.of("BAYES_50", 1.0));
      labels.add(i % 2 == 0);
    }
    for (int i = 0; i < 40; i++) {
      rows.add(Map.of("BAYES_60", 1.0));
      labels.add(true);
    }
    for (int i = 0; i < 60; i++) {
      rows.add(i % 3 == 0 ? Map.of("BAYES_99", 1.0) : Map.of("BAYES_99", 1.0, "RULE", 1.0));
      labels.add(i % 3 != 0);
    }
    boolean[] spam = new boolean[labels.size()];
    for (int i = 0; i < spam.length; i++) {
      spam[i] = labels.get(i);
    }
    Set<String> bands = Set.of("BAYES_00", "BAYES_50", "BAYES_60", "BAYES_99");

    ScoreFitting.Fitted f = ScoreFitting.fit(rows, spam, hand, bands, 6.0, 0.001, 5, 1);

    Map<String, Double> scores = ScoreFitting.over(hand, f.scores());
    assertThat(f.scores()).containsKeys("BAYES_00", "BAYES_50", "BAYES_60", "BAYES_99");
    assertThat(scores.get("BAYES_00")).isLessThanOrEqualTo(scores.get("BAYES_50"));
    assertThat(scores.get("BAYES_50")).isLessThanOrEqualTo(scores.get("BAYES_60"));
    assertThat(scores.get("BAYES_60")).isLessThanOrEqualTo(scores.get("BAYES_99"));
    assertThat(scores.get("BAYES_99")).isPositive();
  }

  @Test
  void theLadderOrdersTheBandsByProbabilityAndSumsTheStepsFromTheNeutralBand() {
    ScoreFitting.Bands ladder =
        ScoreFitting.Bands.of(
            Set.of("BAYES_999", "BAYES_00", "BAYES_05", "BAYES_50", "BAYES_95"),
            Map.of("BAYES_00", -2.0, "BAYES_05", -1.0, "BAYES_50", 0.0, "BAYES_95", 3.0),
            List.of());
    assertThat(ladder.order())
        .containsExactly("BAYES_00", "BAYES_05", "BAYES_50", "BAYES_95", "BAYES_999");
    assertThat(ladder.order().get(ladder.neutral())).isEqualTo("BAYES_50");
    assertThat(ladder.stepsOf("BAYES_00")).containsExactly("<=BAYES_00", "<=BAYES_05");
    assertThat(ladder.stepsOf("BAYES_50")).isEmpty();
    assertThat(ladder.stepsOf("BAYES_999")).containsExactly(">=BAYES_95", ">=BAYES_999");
  }

  @Test
  void withoutTheModelNoBandIsMoved() {
    List<Map<String, Double>> rows = new ArrayList<>();
    boolean[] spam = new boolean[300];
    for (int i = 0; i < 300; i++) {
      spam[i] = i % 5 == 0;
      rows.add(spam[i] || i % 50 == 1 ? Map.of("RULE", 1.0) : Map.of());
    }
    ScoreFitting.Fitted f = ScoreFitting.fit(rows, spam, HAND, Set.of(), 6.0, 0.001, 5, 1);
    assertThat(f.scores()).containsOnlyKeys("RULE");
  }
}
