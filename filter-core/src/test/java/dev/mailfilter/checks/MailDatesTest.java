package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The hand-written date reader against the regex it replaced, kept here as the reference. */
class MailDatesTest {
  private static final Pattern DATE =
      Pattern.compile(
          "^(?:[A-Za-z]{3,9}\\s*,?\\s*)?(\\d{1,2})[\\s-]+([A-Za-z]{3,9})\\.?[\\s-]+(\\d{2,4})\\s+"
              + "(\\d{1,2}):(\\d{1,2})(?::(\\d{1,2}))?(?:\\.\\d+)?\\s*"
              + "(?:([+-])(\\d{2}):?(\\d{2})|([A-Za-z]{1,5}))?\\s*$");

  private static final Map<String, Integer> ZONES =
      Map.of(
          "ut", 0, "utc", 0, "gmt", 0, "z", 0, "est", -5, "edt", -4, "cst", -6, "cdt", -5, "mst",
          -7, "mdt", -6);

  static Optional<ZonedDateTime> reference(String value) {
    String s = MailDates.collapseSpace(MailDates.stripComments(value).strip());
    Matcher m = DATE.matcher(s);
    if (!m.matches()) {
      return Optional.empty();
    }
    List<String> months =
        List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec");
    int month = months.indexOf(m.group(2).substring(0, 3).toLowerCase(Locale.ROOT)) + 1;
    if (month == 0) {
      return Optional.empty();
    }
    int year = Integer.parseInt(m.group(3));
    if (m.group(3).length() == 2) {
      year += year < 50 ? 2000 : 1900;
    } else if (m.group(3).length() == 3) {
      year += 1900;
    }
    try {
      ZoneOffset offset;
      if (m.group(7) != null) {
        int h = Integer.parseInt(m.group(8));
        int min = Integer.parseInt(m.group(9));
        if (h > 18 || min > 59) {
          return Optional.empty();
        }
        int total = h * 3600 + min * 60;
        offset = ZoneOffset.ofTotalSeconds(m.group(7).equals("-") ? -total : total);
      } else if (m.group(10) != null) {
        String z = m.group(10).toLowerCase(Locale.ROOT);
        offset =
            ZoneOffset.ofHours(
                z.equals("pst") ? -8 : z.equals("pdt") ? -7 : ZONES.getOrDefault(z, 0));
      } else {
        offset = ZoneOffset.UTC;
      }
      int second = m.group(6) == null ? 0 : Math.min(Integer.parseInt(m.group(6)), 59);
      return Optional.of(
          LocalDateTime.of(
                  year,
                  month,
                  Integer.parseInt(m.group(1)),
                  Integer.parseInt(m.group(4)),
                  Integer.parseInt(m.group(5)),
                  second)
              .atZone(offset));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }

  private static final String[] PIECES = {
    "Mon",
    "Monday",
    "Mo",
    "Wednesdays",
    ",",
    " ",
    "  ",
    "\t",
    "-",
    ".",
    ":",
    "+",
    "(PDT)",
    "(",
    ")",
    "2",
    "02",
    "31",
    "123",
    "Sep",
    "sep",
    "SEPT",
    "September",
    "Septembers",
    "Xyz",
    "2002",
    "02",
    "99",
    "102",
    "20021",
    "10",
    "9",
    "00",
    "59",
    "60",
    "25",
    "000",
    "+0000",
    "-0700",
    "+05:30",
    "+1900",
    "-0060",
    "+053",
    "GMT",
    "gmt",
    "PDT",
    "EST",
    "Z",
    "CEST",
    "ABCDEF",
    ".123",
    "x",
    "\u00A0",
    "\u2028",
    "\u0085",
    "\uFF11"
  };

  @Test
  void readsWhatThePatternMatchesOnRandomDateLikeText() {
    long seed = Long.getLong("mailfilter.seed", new SplittableRandom().nextLong());
    SplittableRandom random = new SplittableRandom(seed);
    String[] skeleton = {
      "Mon, ", "2", " ", "Sep", " ", "2002", " ", "10", ":", "00", ":", "00", " ", "-0500"
    };
    int matched = 0;
    for (int n = 0; n < 100_000; n++) {
      StringBuilder sb = new StringBuilder();
      for (String part : skeleton) {
        int r = random.nextInt(30);
        if (r < 26) {
          sb.append(part); // mostly well formed, so that many cases get deep into the grammar
        } else if (r < 28) {
          sb.append(PIECES[random.nextInt(PIECES.length)]);
        } else if (r == 28) {
          sb.append(part).append(PIECES[random.nextInt(PIECES.length)]);
        }
      }
      String s = sb.toString();
      Optional<ZonedDateTime> want = reference(s);
      matched += want.isPresent() ? 1 : 0;
      assertThat(MailDates.parse(s)).as("seed %d, [%s]", seed, s).isEqualTo(want);
    }
    assertThat(matched).as("seed %d: the generator reaches valid dates", seed).isGreaterThan(5_000);
  }

  @Test
  void readsEveryDateOfTheCorpusAsThePatternDid() throws IOException {
    Path corpus =
        Path.of(
            System.getProperty("mailfilter.shared", "../shared"),
            "corpora/spamassassin-public-corpus");
    List<String> values = new ArrayList<>();
    try (Stream<Path> files = Files.walk(corpus)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        for (String line :
            new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).split("\n")) {
          if (line.regionMatches(true, 0, "Date:", 0, 5)) {
            values.add(line.substring(5));
          } else if (line.indexOf(';') >= 0 && line.length() < 200) {
            values.add(line.substring(line.lastIndexOf(';') + 1)); // Received dates, mostly
          }
        }
      }
    }
    assertThat(values).hasSizeGreaterThan(10_000);
    int parsed = 0;
    for (String v : values) {
      Optional<ZonedDateTime> want = reference(v);
      parsed += want.isPresent() ? 1 : 0;
      assertThat(MailDates.parse(v)).as("[%s]", v).isEqualTo(want);
    }
    assertThat(parsed).isGreaterThan(5_000);
  }
}
