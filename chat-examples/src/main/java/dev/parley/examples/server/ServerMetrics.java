package dev.parley.examples.server;

import dev.parley.cache.ResponseCache;
import dev.parley.llama.EngineStatistics;
import dev.parley.llama.PoolStatistics;
import dev.parley.micrometer.CircuitBreakerMetrics;
import dev.parley.micrometer.ModelPoolMetrics;
import dev.parley.micrometer.PipelineMetrics;
import dev.parley.micrometer.ResponseCacheMetrics;
import dev.parley.resilience.CircuitBreaker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The server's Prometheus metrics, kept by Micrometer: requests, open connections, replies in
 * flight, time to first token and reply latency (histograms), tokens, cache hits, rate-limit
 * denials, breaker state and model slot use; and the JVM's memory, GC, threads and CPU.
 */
final class ServerMetrics {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final AtomicInteger webSockets = new AtomicInteger();
  final AtomicInteger sseStreams = new AtomicInteger();
  /** The pipeline's listener: turns, rate limits, time to first token, replies and tokens. */
  final PipelineMetrics pipeline = new PipelineMetrics(registry);
  private final JvmGcMetrics gc = new JvmGcMetrics();

  ServerMetrics(ResponseCache cache, CircuitBreaker breaker, Supplier<PoolStatistics> pool,
      @Nullable Supplier<EngineStatistics> engine) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    gc.bindTo(registry);
    Gauge.builder("parley.connections.active", webSockets, AtomicInteger::get).tag("kind", "websocket")
        .description("Open WebSocket connections").register(registry);
    Gauge.builder("parley.connections.active", sseStreams, AtomicInteger::get).tag("kind", "sse")
        .description("Open Server-Sent Events streams").register(registry);
    // chat-micrometer's binders: every gauge holds its source strongly (no NaN after a GC).
    new ResponseCacheMetrics(cache).bindTo(registry);
    new CircuitBreakerMetrics(breaker).bindTo(registry);
    new ModelPoolMetrics(pool, engine, Tags.empty()).bindTo(registry);
  }

  /** The methods counted by name; any other a client sends is {@code other}, as unknown routes are. */
  private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "HEAD", "POST", "PUT", "DELETE",
      "PATCH", "OPTIONS");

  /**
   * Counts a request. Every tag takes a bounded set of values, whatever the client sends: known
   * methods, named routes, and a status between 100 and 599.
   */
  void request(String method, String route, int status) {
    String m = METHODS.contains(method) ? method : "other";
    String s = status >= 100 && status <= 599 ? Integer.toString(status) : "other";
    registry.counter("parley.http.requests", "method", m, "route", route, "status", s).increment();
  }

  String scrape() {
    return registry.scrape();
  }

  /** Stops listening to the JVM's GC notifications and closes the registry. */
  void close() {
    gc.close();
    registry.close();
  }
}
