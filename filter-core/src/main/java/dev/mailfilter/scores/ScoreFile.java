package dev.mailfilter.scores;

import dev.mailfilter.api.Scores;
import dev.mailfilter.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A score file in SpamAssassin's own syntax, so that users who know {@code local.cf} can read and
 * edit it: one {@code score SYMBOL value} per line, {@code #} comments, blank lines. A line with
 * four values ({@code score SYMBOL s0 s1 s2 s3}, SpamAssassin's score sets) takes the third, the
 * set for local tests with Bayes, as the {@code spamassassin} check does. A symbol given twice
 * keeps its last value, as in SpamAssassin. Anything else on a line is an error naming {@code
 * file:line}.
 *
 * @param source where the scores came from (a path, or a resource name), for messages
 * @param scores score by symbol name, in file order
 * @param comments the header comment lines (without {@code #}) before the first score line
 */
public record ScoreFile(String source, Map<String, Double> scores, List<String> comments) {
  public ScoreFile {
    Objects.requireNonNull(source, "source");
    scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
    comments = List.copyOf(comments);
    for (Map.Entry<String, Double> e : scores.entrySet()) {
      if (!validName(e.getKey())) {
        throw new IllegalArgumentException("not a symbol name: " + e.getKey());
      }
      if (!Double.isFinite(e.getValue())) {
        throw new IllegalArgumentException("score of " + e.getKey() + " not finite: " + e);
      }
    }
  }

  /**
   * Reads a file.
   *
   * @param key the configuration key naming the file, for the {@link ConfigException}
   * @throws ConfigException when the file is missing, unreadable or has a malformed line ({@code
   *     key: FILE:LINE: reason})
   */
  public static ScoreFile read(Path file, String key) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(key, "no such score file " + file);
    } catch (IOException | UncheckedIOException e) {
      throw new ConfigException(key, "cannot read score file " + file + ": " + e.getMessage());
    }
    return parse(text, file.toString(), key);
  }

  /** Reads a resource of this package (a shipped score set). */
  static ScoreFile resource(String name) {
    try (InputStream in = ScoreFile.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name, "scores");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + name, e);
    }
  }

  /**
   * Parses score file text.
   *
   * @param source the file's name in messages
   * @param key the configuration key naming the file
   * @throws ConfigException at the first malformed line, naming {@code source:line}
   */
  public static ScoreFile parse(String text, String source, String key) {
    Map<String, Double> scores = new LinkedHashMap<>();
    List<String> comments = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.startsWith("#")) {
        if (scores.isEmpty()) {
          comments.add(line.substring(1).strip());
        }
        continue;
      }
      int hash = line.indexOf('#'); // SpamAssassin allows a comment after the values
      if (hash >= 0) {
        line = line.substring(0, hash).strip();
      }
      if (line.isEmpty()) {
        continue;
      }
      String where = source + ":" + (i + 1) + ": ";
      String[] f = line.split("\\s+");
      if (!f[0].equals("score")) {
        throw new ConfigException(key, where + "expected 'score SYMBOL value', got '" + line + "'");
      }
      if (f.length != 3 && f.length != 6) {
        throw new ConfigException(
            key, where + "expected 'score SYMBOL value' (or four values), got '" + line + "'");
      }
      if (!validName(f[1])) {
        throw new ConfigException(key, where + "not a symbol name: '" + f[1] + "'");
      }
      double[] values = new double[f.length - 2];
      for (int j = 2; j < f.length; j++) {
        try {
          values[j - 2] = Double.parseDouble(f[j]);
        } catch (NumberFormatException e) {
          throw new ConfigException(key, where + "not a number: '" + f[j] + "'");
        }
        if (!Double.isFinite(values[j - 2])) {
          throw new ConfigException(key, where + "not a finite number: '" + f[j] + "'");
        }
      }
      scores.put(f[1], values.length == 1 ? values[0] : values[2]);
    }
    return new ScoreFile(source, scores, comments);
  }

  /** The file's text: the comments as a header, then one line per score, in order. */
  public String format() {
    StringBuilder sb = new StringBuilder();
    for (String c : comments) {
      sb.append(c.isEmpty() ? "#" : "# " + c).append('\n');
    }
    if (!comments.isEmpty()) {
      sb.append('\n');
    }
    for (Map.Entry<String, Double> e : scores.entrySet()) {
      sb.append("score ")
          .append(e.getKey())
          .append(' ')
          .append(Scores.format(e.getValue(), 3))
          .append('\n');
    }
    return sb.toString();
  }

  private static boolean validName(String name) {
    if (name.isEmpty() || !(Character.isLetter(name.charAt(0)) || name.charAt(0) == '_')) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '_'))) {
        return false;
      }
    }
    return true;
  }
}
