package dev.parley.spring.boot;

import dev.parley.llama.ModelPool;
import dev.parley.llama.PoolStatistics;
import java.util.Objects;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * A {@link ModelPool}'s health: up while its model is loaded, down once closed, with its id, slots,
 * busy slots, queue and counts of generations as details.
 */
public class ParleyHealthIndicator extends AbstractHealthIndicator {
  private final ModelPool pool;

  public ParleyHealthIndicator(ModelPool pool) {
    super("the Parley model's health could not be read");
    this.pool = Objects.requireNonNull(pool, "pool must not be null");
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    PoolStatistics s = pool.statistics();
    (s.loaded() ? builder.up() : builder.down())
        .withDetail("model", pool.id())
        .withDetail("slots", s.slots())
        .withDetail("busySlots", s.busySlots())
        .withDetail("queued", s.queued())
        .withDetail("generationsStarted", s.started())
        .withDetail("generationsRejected", s.rejected())
        .withDetail("tokensGenerated", s.tokensGenerated());
  }
}
