package dev.parley.examples.server;

import dev.parley.ratelimit.RateLimiter;
import dev.parley.ratelimit.redis.RedisRateLimiter;
import dev.parley.resilience.CircuitState;
import dev.parley.store.jdbc.JdbcConversationStore;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code /health} (each component's state, 503 when not ready) and {@code /api/info}. */
final class HealthApi {
  private final ServerOptions options;
  private final JdbcConversationStore store;
  private final ModelRuntime runtime;
  private final RateLimiter limiter;
  private final ChatService chat;

  HealthApi(ServerOptions options, JdbcConversationStore store, ModelRuntime runtime, RateLimiter limiter,
      ChatService chat) {
    this.options = options;
    this.store = store;
    this.runtime = runtime;
    this.limiter = limiter;
    this.chat = chat;
  }

  void info(Context ctx) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("user", HttpGuard.user(ctx));
    out.put("model", runtime.model.id());
    out.put("fakeModel", runtime.fake);
    out.put("limits", Map.of("perMinute", options.requestsPerMinute, "perDay", options.requestsPerDay));
    out.put("maxMessageChars", options.maxMessageChars);
    ctx.json(out);
  }

  void health(Context ctx) {
    Map<String, Object> components = new LinkedHashMap<>();
    boolean modelUp = runtime.isReady();
    components.put("model", Map.of("status", modelUp ? "UP" : "DOWN", "id", runtime.model.id(), "fake", runtime.fake,
        "breaker", chat.breaker.state().name()));
    boolean storeUp = store.isWritable(); // a locked SQLite file answers reads but refuses every write
    components.put("store", Map.of("status", storeUp ? "UP" : "DOWN", "kind", store.dialect().name().toLowerCase(java.util.Locale.ROOT)));
    boolean degraded = false;
    if (limiter instanceof RedisRateLimiter redis) {
      // With Redis unreachable, limits fall back to this instance's memory: degraded, still serving.
      // The breaker learns of an outage only from a failed request: ask Redis itself too.
      boolean redisUp = redis.breakerState() == CircuitState.CLOSED && redis.isReachable();
      degraded = !redisUp;
      components.put("redis", Map.of("status", redisUp ? "UP" : "DEGRADED", "breaker", redis.breakerState().name()));
    }
    boolean ready = modelUp && storeUp && !chat.isDraining();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", !ready ? (chat.isDraining() ? "DRAINING" : "DOWN") : degraded ? "DEGRADED" : "UP");
    out.put("components", components);
    ctx.status(ready ? 200 : 503).json(out);
  }
}
