package dev.parley.micrometer;

import dev.parley.ratelimit.Decision;
import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.RateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Objects;

/**
 * Counts a {@link RateLimiter}'s decisions: {@code parley.rate.limit.decisions} tagged with the
 * limiter's name and {@code result} (allowed, or denied with the {@code limit} that denied), and
 * the permits charged and given back. The limiter decides exactly as before.
 */
public final class RateLimiterMetrics {
  private RateLimiterMetrics() {}

  /** {@code limiter}, counted in {@code registry} under {@code name}. */
  public static RateLimiter metered(RateLimiter limiter, MeterRegistry registry, String name) {
    Objects.requireNonNull(limiter, "limiter must not be null");
    Objects.requireNonNull(registry, "registry must not be null");
    Objects.requireNonNull(name, "name must not be null");
    Tags tags = Tags.of("limiter", name);
    Counter allowed = registry.counter("parley.rate.limit.decisions", tags.and("result", "allowed", "limit", ""));
    Counter charged = registry.counter("parley.rate.limit.permits", tags.and("operation", "charged"));
    Counter released = registry.counter("parley.rate.limit.permits", tags.and("operation", "released"));
    return new RateLimiter() {
      @Override
      public Decision tryAcquire(String key, long permits) {
        Decision d = limiter.tryAcquire(key, permits);
        if (d.allowed()) {
          allowed.increment();
        } else {
          registry.counter("parley.rate.limit.decisions", tags.and("result", "denied", "limit", d.binding().name()))
              .increment();
        }
        return d;
      }

      @Override
      public Decision charge(String key, long permits) {
        Decision d = limiter.charge(key, permits);
        charged.increment(permits);
        return d;
      }

      @Override
      public Decision release(String key, long permits) {
        Decision d = limiter.release(key, permits);
        released.increment(permits);
        return d;
      }

      @Override
      public List<Limit> limits() {
        return limiter.limits();
      }

      @Override
      public String toString() {
        return limiter + " (metered as " + name + ")";
      }
    };
  }
}
