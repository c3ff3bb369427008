package dev.mailfilter.scores;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code scores:} section: score files laid over the checks' built-in scores, under the
 * per-check {@code checks.<name>.scores} overrides.
 *
 * <ul>
 *   <li>{@code files: [a.cf, b.cf]}: read in order, a later file winning for a symbol it repeats.
 *   <li>{@code files: []} (the default) and {@code learned: true} (the default): the score set that
 *       ships with mailfilter, fitted to the SpamAssassin public corpus ({@code mailfilter train
 *       --scores}); of its two variants, the one fitted with Debian's SpamAssassin rules when the
 *       {@code spamassassin} check has scored rules loaded, else the one fitted without them.
 *   <li>{@code learned: false} with no files: the hand-set scores of the checks.
 * </ul>
 *
 * @param files the configured score files, read at load
 * @param learned whether the shipped learned set applies when no file is configured
 */
public record ScoreSettings(List<ScoreFile> files, boolean learned) {
  /** The shipped set fitted with Debian's SpamAssassin rules loaded. */
  public static final String LEARNED_WITH_SPAMASSASSIN = "learned-spamassassin.cf";

  /** The shipped set fitted with the built-in checks and the model alone. */
  public static final String LEARNED = "learned.cf";

  /** The section, registered by {@code BuiltIns}. */
  public static final ConfigSection<ScoreSettings> SECTION =
      ConfigSection.of("scores", ScoreSettings::fromConfig);

  public ScoreSettings {
    files = List.copyOf(files);
  }

  static ScoreSettings fromConfig(ConfigNode n) {
    List<ScoreFile> files = new ArrayList<>();
    List<String> names = n.strings("files");
    for (int i = 0; i < names.size(); i++) {
      String key = n.path("files") + "[" + i + "]";
      Path p;
      try {
        p = Path.of(names.get(i));
      } catch (InvalidPathException e) {
        throw new dev.mailfilter.config.ConfigException(key, "not a valid path: " + e.getMessage());
      }
      files.add(ScoreFile.read(p, key));
    }
    return new ScoreSettings(files, n.bool("learned", true));
  }

  /**
   * The scores to lay over the checks' own: the files' merged, or the shipped learned set.
   *
   * @param spamAssassinRules whether the filter runs SpamAssassin rules (picks the shipped variant)
   */
  public Map<String, Double> layer(boolean spamAssassinRules) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (!files.isEmpty()) {
      for (ScoreFile f : files) {
        out.putAll(f.scores());
      }
    } else if (learned) {
      out.putAll(shipped(spamAssassinRules).scores());
    }
    return out;
  }

  /** The shipped learned set of one variant. */
  public static ScoreFile shipped(boolean spamAssassinRules) {
    return spamAssassinRules ? Shipped.WITH_SA : Shipped.WITHOUT_SA;
  }

  /** Read once, on first use. */
  private static final class Shipped {
    static final ScoreFile WITH_SA = ScoreFile.resource(LEARNED_WITH_SPAMASSASSIN);
    static final ScoreFile WITHOUT_SA = ScoreFile.resource(LEARNED);
  }
}
