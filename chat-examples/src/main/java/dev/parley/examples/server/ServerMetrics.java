package dev.parley.examples.server;

import dev.parley.cache.ResponseCache;
import dev.parley.resilience.CircuitBreaker;
import dev.parley.resilience.CircuitState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics, kept by Micrometer: requests, open connections, replies in
 * flight, time to first token and reply latency (histograms), tokens, cache hits, rate-limit
 * denials, breaker state and model slot use; and the JVM's memory, GC, threads and CPU.
 */
final class ServerMetrics {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final AtomicInteger webSockets = new AtomicInteger();
  final AtomicInteger sseStreams = new AtomicInteger();
  private final Timer timeToFirstToken;
  private final Timer replyDuration;
  private final Counter tokens;
  private final DistributionSummary tokensPerSecond;
  private final Counter rateLimitDenials;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  ServerMetrics(ResponseCache cache, CircuitBreaker breaker, IntSupplier slots, IntSupplier busySlots,
      IntSupplier queued, IntSupplier repliesInFlight) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    gc.bindTo(registry);
    Gauge.builder("parley.connections.active", webSockets, AtomicInteger::get).tag("kind", "websocket")
        .description("Open WebSocket connections").register(registry);
    Gauge.builder("parley.connections.active", sseStreams, AtomicInteger::get).tag("kind", "sse")
        .description("Open Server-Sent Events streams").register(registry);
    Gauge.builder("parley.replies.in.flight", repliesInFlight, s -> s.getAsInt()).strongReference(true)
        .description("Replies being generated or stored").register(registry);
    timeToFirstToken = Timer.builder("parley.time.to.first.token").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
        .description("From accepting a message to the reply's first token").register(registry);
    replyDuration = Timer.builder("parley.reply.duration").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
        .description("From accepting a message to the reply's end").register(registry);
    tokens = Counter.builder("parley.tokens.generated").description("Reply tokens generated").register(registry);
    tokensPerSecond = DistributionSummary.builder("parley.reply.tokens.per.second")
        .description("Generation speed of each reply").register(registry);
    rateLimitDenials = Counter.builder("parley.rate.limit.denials").description("Requests refused by the rate limiter")
        .register(registry);
    FunctionCounter.builder("parley.cache.requests", cache, c -> c.statistics().hits()).tag("result", "hit")
        .register(registry);
    FunctionCounter.builder("parley.cache.requests", cache, c -> c.statistics().misses()).tag("result", "miss")
        .register(registry);
    Gauge.builder("parley.cache.hit.ratio", cache, c -> c.statistics().hitRate())
        .description("Response cache hits / lookups").register(registry);
    Gauge.builder("parley.circuit.breaker.state", breaker, b -> stateValue(b.state()))
        .description("Model circuit breaker: 0 closed, 1 half-open, 2 open").register(registry);
    // Micrometer holds a gauge's object weakly; these suppliers are method references nothing else
    // keeps, so without a strong reference they are collected and the gauges read NaN.
    Gauge.builder("parley.model.slots", slots, s -> s.getAsInt()).strongReference(true).description("Model slots")
        .register(registry);
    Gauge.builder("parley.model.slots.busy", busySlots, s -> s.getAsInt()).strongReference(true)
        .description("Model slots generating").register(registry);
    Gauge.builder("parley.model.queue", queued, s -> s.getAsInt()).strongReference(true)
        .description("Requests waiting for a slot").register(registry);
  }

  private static double stateValue(CircuitState state) {
    switch (state) {
      case CLOSED:
        return 0;
      case HALF_OPEN:
        return 1;
      default:
        return 2;
    }
  }

  void request(String method, String route, int status) {
    registry.counter("parley.http.requests", "method", method, "route", route, "status", Integer.toString(status))
        .increment();
  }

  void rateLimited() {
    rateLimitDenials.increment();
  }

  void firstToken(long nanos) {
    timeToFirstToken.record(Duration.ofNanos(nanos));
  }

  void replyEnded(long nanos, int completionTokens) {
    replyDuration.record(Duration.ofNanos(nanos));
    tokens.increment(completionTokens);
    if (nanos > 0 && completionTokens > 0) {
      tokensPerSecond.record(completionTokens * 1e9 / nanos);
    }
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
