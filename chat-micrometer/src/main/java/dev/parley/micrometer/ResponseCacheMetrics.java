package dev.parley.micrometer;

import dev.parley.cache.ResponseCache;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * A {@link ResponseCache}'s lookups ({@code parley.cache.requests}, tagged {@code result} hit, miss
 * or bypass), evictions, size and hit ratio.
 */
public final class ResponseCacheMetrics implements MeterBinder {
  private final ResponseCache cache;
  private final Tags tags;

  public ResponseCacheMetrics(ResponseCache cache, Iterable<Tag> tags) {
    this.cache = Objects.requireNonNull(cache, "cache must not be null");
    this.tags = Tags.of(tags);
  }

  public ResponseCacheMetrics(ResponseCache cache) {
    this(cache, Tags.empty());
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder("parley.cache.requests", cache, c -> c.statistics().hits()).tags(tags).tag("result", "hit")
        .description("Response cache lookups").register(registry);
    FunctionCounter.builder("parley.cache.requests", cache, c -> c.statistics().misses()).tags(tags).tag("result", "miss")
        .description("Response cache lookups").register(registry);
    FunctionCounter.builder("parley.cache.requests", cache, c -> c.statistics().bypasses()).tags(tags)
        .tag("result", "bypass").description("Response cache lookups").register(registry);
    FunctionCounter.builder("parley.cache.evictions", cache, c -> c.statistics().evictions()).tags(tags)
        .description("Replies evicted from the response cache").register(registry);
    Gauge.builder("parley.cache.size", cache, ResponseCache::size).tags(tags).strongReference(true)
        .description("Replies held by the response cache").register(registry);
    Gauge.builder("parley.cache.hit.ratio", cache, c -> c.statistics().hitRate()).tags(tags).strongReference(true)
        .description("Response cache hits / lookups").register(registry);
  }
}
