package dev.mailfilter.cluster.events;

import dev.mailfilter.api.Stage;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckRegistry;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.spi.VerdictObserver;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Hands every outcome of the filter (verdicts and refusals before the data, of the gateway and the
 * milter alike) to the process's {@link EventRecorder}. A check only so that the configuration
 * builds it with the filter: it adds no symbols and runs nothing per message.
 */
public final class EventsCheck implements Check, VerdictObserver {
  private final Optional<EventRecorder> recorder;

  private EventsCheck(Optional<EventRecorder> recorder) {
    this.recorder = Objects.requireNonNull(recorder, "recorder");
  }

  /** A check handing outcomes to this recorder. */
  public static EventsCheck of(EventRecorder recorder) {
    return new EventsCheck(Optional.of(recorder));
  }

  /**
   * The check {@code checks.events}, configured by the section {@code events} (and {@code
   * shared_state} for where the events go).
   */
  public static EventsCheck create(CheckSetup setup) {
    setup.options().rejectUnread(List.of());
    EventSettings events;
    StateSettings state;
    try {
      events = setup.section(EventSettings.SECTION);
    } catch (IllegalArgumentException notRegistered) {
      // A configuration loaded without the events section (an embedder's own) records nothing.
      return new EventsCheck(Optional.empty());
    }
    try {
      state = StateSettings.of(setup);
    } catch (IllegalArgumentException notRegistered) {
      state = StateSettings.local();
    }
    if (!events.enabled()) {
      return new EventsCheck(Optional.empty());
    }
    try {
      return new EventsCheck(Optional.of(EventRecorder.shared(events, state)));
    } catch (UncheckedIOException e) {
      throw new ConfigException("events.geoip", e.getCause().getMessage());
    }
  }

  /** {@code base} with {@code checks.events} added. */
  public static CheckRegistry registry(CheckRegistry base) {
    return base.toBuilder().register("events", EventsCheck::create).build();
  }

  /** The recorder, empty when recording is off. */
  public Optional<EventRecorder> recorder() {
    return recorder;
  }

  @Override
  public String name() {
    return "events";
  }

  @Override
  public Stage stage() {
    return Stage.DATA;
  }

  @Override
  public List<SymbolDef> symbols() {
    return List.of();
  }

  @Override
  public boolean blocking() {
    return false;
  }

  @Override
  public void run(CheckContext ctx) {
    // Nothing per message: the outcome comes through observed().
  }

  @Override
  public void observed(Outcome outcome) {
    if (recorder.isPresent()) {
      recorder.get().offer(outcome);
    }
  }
}
