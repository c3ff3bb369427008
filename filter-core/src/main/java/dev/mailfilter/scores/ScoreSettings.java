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
 *       --scores}), in the {@link Variant} fitted with the symbols the filter runs.
 *   <li>{@code learned: false} with no files: the hand-set scores of the checks.
 * </ul>
 *
 * @param files the configured score files, read at load
 * @param learned whether the shipped learned set applies when no file is configured
 */
public record ScoreSettings(List<ScoreFile> files, boolean learned) {
  /**
   * The shipped sets by what the filter runs: the built-in checks, with or without the trained
   * model, with or without Debian's SpamAssassin rules. Weights fitted together share out the
   * evidence, so each combination gets the set fitted with exactly its symbols.
   */
  public enum Variant {
    CHECKS("checks.cf"),
    CHECKS_SPAMASSASSIN("checks-spamassassin.cf"),
    CHECKS_MODEL("checks-model.cf"),
    CHECKS_MODEL_SPAMASSASSIN("checks-model-spamassassin.cf");

    private final String resource;
    private volatile ScoreFile file;

    Variant(String resource) {
      this.resource = resource;
    }

    /** The resource's file name, under {@code dev/mailfilter/scores/} in the jar. */
    public String resource() {
      return resource;
    }

    /** The variant for a filter that runs the model and SpamAssassin rules or not. */
    public static Variant of(boolean model, boolean spamAssassinRules) {
      if (model) {
        return spamAssassinRules ? CHECKS_MODEL_SPAMASSASSIN : CHECKS_MODEL;
      }
      return spamAssassinRules ? CHECKS_SPAMASSASSIN : CHECKS;
    }

    /** The shipped set, read once. */
    public ScoreFile scores() {
      ScoreFile f = file;
      if (f == null) {
        f = ScoreFile.resource(resource);
        file = f; // a race reads the same resource twice: harmless
      }
      return f;
    }
  }

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
   * @param model whether the filter runs a trained model (a model check with a file)
   * @param spamAssassinRules whether the filter runs SpamAssassin rules
   */
  public Map<String, Double> layer(boolean model, boolean spamAssassinRules) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (!files.isEmpty()) {
      for (ScoreFile f : files) {
        out.putAll(f.scores());
      }
    } else if (learned) {
      out.putAll(Variant.of(model, spamAssassinRules).scores().scores());
    }
    return out;
  }
}
