package dev.parley.micrometer;

import dev.parley.resilience.CircuitBreaker;
import dev.parley.resilience.CircuitState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * A {@link CircuitBreaker}'s state ({@code parley.circuit.breaker.state}: 0 closed, 1 half-open,
 * 2 open) and its transitions ({@code parley.circuit.breaker.transitions}, tagged {@code to}).
 */
public final class CircuitBreakerMetrics implements MeterBinder {
  private final CircuitBreaker breaker;
  private final Tags tags;

  public CircuitBreakerMetrics(CircuitBreaker breaker, Iterable<Tag> tags) {
    this.breaker = Objects.requireNonNull(breaker, "breaker must not be null");
    this.tags = Tags.of(tags);
  }

  public CircuitBreakerMetrics(CircuitBreaker breaker) {
    this(breaker, Tags.empty());
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("parley.circuit.breaker.state", breaker, b -> value(b.state())).tags(tags).strongReference(true)
        .description("Model circuit breaker: 0 closed, 1 half-open, 2 open").register(registry);
    breaker.onStateChange(change -> registry.counter("parley.circuit.breaker.transitions",
        tags.and("to", change.to().name().toLowerCase(java.util.Locale.ROOT))).increment());
  }

  /** The gauge's value for a state. */
  static double value(CircuitState state) {
    return switch (state) {
      case CLOSED -> 0;
      case HALF_OPEN -> 1;
      case OPEN -> 2;
    };
  }
}
