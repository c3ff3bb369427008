package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.mailfilter.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Whatever the file says, loading either succeeds or throws {@link ConfigException} with a path or
 * a YAML position: never another exception. Mutates the shipped defaults, since edits of a real
 * file are what users make.
 */
class FilterConfigPropertyTest {
  private static final String[] JUNK = {
    "",
    " ",
    "\n",
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "null",
    "true",
    "-1",
    "1e999",
    "99999999999999999999999",
    "0x1F",
    "&a",
    "*a",
    "!!binary",
    "\t",
    "#",
    "s",
    "5ms",
    "10MiB",
    "[1, 2]",
    "{a: 1}",
    "~",
    "é",
    "\u0000"
  };

  private static String defaults() throws IOException {
    try (InputStream in = FilterConfig.class.getResourceAsStream("default-config.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void mutatedFilesLoadOrFailWithConfigException() throws IOException {
    String base = defaults();
    long seed = new SplittableRandom().nextLong();
    SplittableRandom r = new SplittableRandom(seed);
    int refused = 0;
    for (int round = 0; round < 400; round++) {
      StringBuilder sb = new StringBuilder(base);
      int edits = 1 + r.nextInt(4);
      for (int e = 0; e < edits; e++) {
        int at = r.nextInt(sb.length() + 1);
        int len = Math.min(sb.length() - at, r.nextInt(12));
        sb.replace(at, at + len, JUNK[r.nextInt(JUNK.length)]);
      }
      String yaml = sb.toString();
      try {
        FilterConfig.parse(yaml);
      } catch (ConfigException e) {
        refused++;
        assertThat(e.getMessage()).as("seed %s round %s", seed, round).isNotBlank();
      } catch (RuntimeException e) {
        fail("seed " + seed + " round " + round + ": " + e + " for:\n" + yaml, e);
      }
    }
    assertThat(refused).as("seed %s: mutations should break some files", seed).isPositive();
  }
}
