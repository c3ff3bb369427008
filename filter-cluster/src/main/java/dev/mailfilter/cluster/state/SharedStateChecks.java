package dev.mailfilter.cluster.state;

import dev.mailfilter.cluster.RedisSettings;
import dev.mailfilter.config.ConfigSection;
import dev.mailfilter.spi.CheckRegistry;
import java.util.List;

/**
 * Wires the shared-state checks into a node's configuration: {@code checks.greylist}, {@code
 * checks.ratelimit} and {@code checks.reputation} (all off unless enabled), the {@code
 * shared_state} section and the {@code redis} section that says where Redis is.
 *
 * <pre>{@code
 * FilterConfig config =
 *     FilterConfig.load(file, SharedStateChecks.registry(BuiltIns.checks()), SharedStateChecks.SECTIONS);
 * }</pre>
 */
public final class SharedStateChecks {
  /**
   * The sections the checks read: {@code shared_state} and {@code redis}, and {@code model_sync}
   * for a node's part in the cluster's model.
   */
  public static final List<ConfigSection<?>> SECTIONS =
      List.of(StateSettings.SECTION, RedisSettings.SECTION, ModelSyncSettings.SECTION);

  private SharedStateChecks() {}

  /** {@code base} with the shared-state checks added. */
  public static CheckRegistry registry(CheckRegistry base) {
    return base.toBuilder()
        .register("greylist", GreylistCheck::create)
        .register("ratelimit", RateLimitCheck::create)
        .register("reputation", ReputationCheck::create)
        .build();
  }
}
