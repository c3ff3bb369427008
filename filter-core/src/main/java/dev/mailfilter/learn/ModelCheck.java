package dev.mailfilter.learn;

import dev.mailfilter.check.Check;
import dev.mailfilter.check.CheckContext;
import dev.mailfilter.check.CheckSetup;
import dev.mailfilter.check.Key;
import dev.mailfilter.check.Stage;
import dev.mailfilter.check.SymbolDef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The learning model as a check ({@code checks.model}, settings in the {@code model:} section): at
 * end of data it scores the message and, once the model has learned enough of both classes, adds
 * one graded symbol {@code BAYES_00} .. {@code BAYES_999} with the probability as its option.
 *
 * <p>Without {@code model.path} the check does nothing. The model file is opened on the first
 * message, not when the configuration loads, so that validating a configuration stays cheap; a file
 * that cannot be read fails each run (the engine reports {@code CHECK_FAILED_MODEL}) rather than
 * the load. A model trained after the filter was built is seen after the next configuration reload.
 */
public final class ModelCheck implements Check, AutoCloseable {
  /** The message's text, decoded once per transaction for every check that wants it. */
  public static final Key<Document> DOCUMENT = Key.of("learn.document");

  private static final List<SymbolDef> SYMBOLS =
      Arrays.stream(BayesBand.values())
          .map(
              b ->
                  SymbolDef.of(
                      b.name(),
                      b.defaultScore(),
                      String.format(
                          Locale.ROOT,
                          "the learning model puts the spam probability at %.1f%% or more",
                          100 * b.lowerBound())))
          .toList();

  private final ModelSettings settings;
  private volatile SpamModel model;

  private ModelCheck(ModelSettings settings) {
    this.settings = settings;
  }

  /** Factory for {@code checks.model}: it has no options of its own beyond the section. */
  public static ModelCheck create(CheckSetup setup) {
    return new ModelCheck(setup.section(ModelSettings.SECTION));
  }

  /** A check over an already open model (for embedders and tests). */
  public static ModelCheck over(SpamModel model) {
    ModelCheck c = new ModelCheck(model.settings());
    c.model = model;
    return c;
  }

  @Override
  public String name() {
    return "model";
  }

  @Override
  public Stage stage() {
    return Stage.DATA;
  }

  @Override
  public List<SymbolDef> symbols() {
    return SYMBOLS;
  }

  @Override
  public void run(CheckContext ctx) throws IOException {
    if (model == null && settings.path().isEmpty()) {
      return; // no model file configured: an empty in-memory model could never vote
    }
    Document doc = ctx.computeIfAbsent(DOCUMENT, c -> Document.fromMessage(c.raw()));
    Prediction p = model().classify(doc);
    Optional<BayesBand> band = p.band();
    if (band.isPresent()) {
      ctx.addSymbol(band.get().name(), String.format(Locale.ROOT, "p=%.4f", p.probability()));
    }
  }

  private SpamModel model() throws IOException {
    SpamModel m = model;
    if (m == null) {
      synchronized (this) {
        m = model;
        if (m == null) {
          m = SpamModel.open(settings);
          model = m;
        }
      }
    }
    return m;
  }

  /** Closes the model if it was opened. */
  @Override
  public void close() {
    SpamModel m = model;
    if (m != null) {
      try {
        m.close();
      } catch (IOException e) {
        throw new UncheckedIOException("closing the model " + settings.path(), e);
      }
    }
  }
}
