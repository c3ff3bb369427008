package dev.mailfilter.engine;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.SessionLimits;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Thresholds;
import dev.mailfilter.config.AccessList;
import dev.mailfilter.config.FailurePolicy;
import dev.mailfilter.config.HeaderSettings;
import dev.mailfilter.mime.MimeLimits;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What the engine reads of the configuration: the part of {@code FilterConfig} that is not a check
 * or a feature's section. A value of its own so that the engine does not depend on the class that
 * knows every feature.
 *
 * @param thresholds score thresholds of the actions
 * @param stageTimeouts the deadline of each stage
 * @param onCheckError what happens when a check throws
 * @param onCheckTimeout what happens when a check overruns its deadline
 * @param failureScore the score of {@code CHECK_FAILED_*} and {@code CHECK_TIMEOUT_*} symbols
 * @param earlyReject whether a score reaching the reject threshold before DATA refuses at once
 * @param mimeLimits the MIME parser's limits for messages at DATA
 * @param headers result header names and options
 * @param replies the reply of each refusing action
 * @param blockedReply the reply for a block-list hit
 * @param allowList senders, domains and networks accepted without checks
 * @param blockList senders, domains and networks refused
 * @param limits size and time limits of a session
 */
public record EngineSettings(
    Thresholds thresholds,
    Map<Stage, Duration> stageTimeouts,
    FailurePolicy onCheckError,
    FailurePolicy onCheckTimeout,
    double failureScore,
    boolean earlyReject,
    MimeLimits mimeLimits,
    HeaderSettings headers,
    Map<Action, Reply> replies,
    Reply blockedReply,
    AccessList allowList,
    AccessList blockList,
    SessionLimits limits) {
  public EngineSettings {
    Objects.requireNonNull(thresholds, "thresholds");
    stageTimeouts = Map.copyOf(stageTimeouts);
    Objects.requireNonNull(onCheckError, "onCheckError");
    Objects.requireNonNull(onCheckTimeout, "onCheckTimeout");
    Objects.requireNonNull(mimeLimits, "mimeLimits");
    Objects.requireNonNull(headers, "headers");
    replies = Map.copyOf(replies);
    Objects.requireNonNull(blockedReply, "blockedReply");
    Objects.requireNonNull(allowList, "allowList");
    Objects.requireNonNull(blockList, "blockList");
    Objects.requireNonNull(limits, "limits");
  }

  /** The deadline of a stage. */
  public Duration stageTimeout(Stage stage) {
    return stageTimeouts.get(stage);
  }

  /** The configured reply of a refusing action, {@link Reply#OK} for the others. */
  public Reply reply(Action action) {
    return replies.getOrDefault(action, Reply.OK);
  }
}
