package dev.parley.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.cache.ResponseCache;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.TokenUsage;
import dev.parley.llama.EngineStatistics;
import dev.parley.llama.PoolStatistics;
import dev.parley.memory.ConversationManager;
import dev.parley.pipeline.ChatPipeline;
import dev.parley.pipeline.ReplyListener;
import dev.parley.pipeline.ReplyResult;
import dev.parley.pipeline.Turn;
import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.RateLimiter;
import dev.parley.ratelimit.TokenBucketRateLimiter;
import dev.parley.resilience.CircuitBreaker;
import dev.parley.testing.FakeChatModel;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private double gauge(String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  private double counter(String name, String... tags) {
    var search = registry.find(name).tags(tags);
    if (search.counter() != null) {
      return search.counter().count();
    }
    return search.functionCounter().count();
  }

  /** Lets the registry's weak references go, if any were left weak. */
  private static void collectGarbage() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(20);
    }
  }

  @Test
  void cacheMetersCountLookupsAndOutliveGarbageCollection() throws Exception {
    bindCache(); // the cache is reachable only through the registry from here on
    collectGarbage();
    assertEquals(1, counter("parley.cache.requests", "result", "hit"));
    assertEquals(1, counter("parley.cache.requests", "result", "miss"));
    assertEquals(0.5, gauge("parley.cache.hit.ratio"));
    assertEquals(1, gauge("parley.cache.size"));
  }

  private void bindCache() {
    ResponseCache cache = ResponseCache.builder().build();
    new ResponseCacheMetrics(cache).bindTo(registry);
    ChatRequest request = new ChatRequest(List.of(Message.user("hi")), GenerationOptions.builder().temperature(0).build());
    cache.get("m", request, r -> new ChatResponse("hello", FinishReason.STOP, new TokenUsage(1, 1)));
    cache.get("m", request, r -> new ChatResponse("other", FinishReason.STOP, new TokenUsage(1, 1)));
  }

  @Test
  void breakerStateAndTransitions() {
    CircuitBreaker breaker = CircuitBreaker.ofDefaults();
    new CircuitBreakerMetrics(breaker, Tags.of("model", "m")).bindTo(registry);
    assertEquals(0, gauge("parley.circuit.breaker.state", "model", "m"));
    breaker.open();
    assertEquals(2, gauge("parley.circuit.breaker.state", "model", "m"));
    assertEquals(1, counter("parley.circuit.breaker.transitions", "to", "open"));
    breaker.close();
    assertEquals(0, gauge("parley.circuit.breaker.state", "model", "m"));
  }

  @Test
  void poolAndEngineMetersReadTheirSnapshotsAfterGarbageCollection() throws Exception {
    new ModelPoolMetrics(() -> PoolStatistics.builder().loaded(true).slots(4).busySlots(3).queued(2).started(10)
            .rejected(1).tokensGenerated(500).meanTimeToFirstToken(Duration.ofMillis(80)).build(),
        () -> EngineStatistics.builder().engine("ffm").steps(100).stepTokens(350).fillerTokens(7).promptTokens(900).promptTokensReused(600)
            .statesSaved(5).statesRestored(4).statesRestoredByPrefix(3).stateMisses(1).statesEvicted(2).stateBytes(4096).stateBytesLimit(1 << 20)
            .decodeNanos(2_000_000_000L).stepNanos(2_100_000_000L).stateNanos(50_000_000L).statesSpilled(3)
            .statesReadBack(1).spillBytes(8192).spillBytesLimit(1 << 30).build(),
        Tags.empty()).bindTo(registry);
    collectGarbage(); // the suppliers are lambdas nothing else holds
    assertEquals(4, gauge("parley.model.slots"));
    assertEquals(3, gauge("parley.model.slots.busy"));
    assertEquals(2, gauge("parley.model.queue"));
    assertEquals(10, counter("parley.model.generations", "result", "started"));
    assertEquals(1, counter("parley.model.generations", "result", "rejected"));
    assertEquals(500, counter("parley.model.tokens.generated"));
    assertEquals(100, counter("parley.engine.steps"));
    assertEquals(7, counter("parley.engine.filler.tokens"));
    assertEquals(600, counter("parley.engine.prompt.tokens.reused"));
    assertEquals(4, counter("parley.engine.states", "event", "restored"));
    assertEquals(3, counter("parley.engine.states.restored.by.prefix"));
    assertEquals(2, counter("parley.engine.states", "event", "evicted"));
    assertEquals(4096, gauge("parley.engine.state.bytes"));
    assertEquals(2.0, counter("parley.engine.decode.seconds"));
    assertEquals(2.1, counter("parley.engine.step.seconds"));
    assertEquals(0.05, counter("parley.engine.state.seconds"));
    assertEquals(3, counter("parley.engine.states", "event", "spilled"));
    assertEquals(1, counter("parley.engine.states", "event", "read-back"));
    assertEquals(8192, gauge("parley.engine.spill.bytes"));
  }

  @Test
  void rateLimiterDecisionsAreCountedAndDecideAsBefore() {
    RateLimiter limiter = RateLimiterMetrics.metered(
        TokenBucketRateLimiter.builder().limit(Limit.perMinute(2)).build(), registry, "messages");
    assertTrue(limiter.tryAcquire("alice").allowed());
    assertTrue(limiter.tryAcquire("alice").allowed());
    assertFalse(limiter.tryAcquire("alice").allowed());
    limiter.release("alice", 1);
    limiter.charge("alice", 3);
    assertEquals(2, counter("parley.rate.limit.decisions", "limiter", "messages", "result", "allowed"));
    assertEquals(1, counter("parley.rate.limit.decisions", "limiter", "messages", "result", "denied",
        "limit", Limit.perMinute(2).name()));
    assertEquals(1, counter("parley.rate.limit.permits", "operation", "released"));
    assertEquals(3, counter("parley.rate.limit.permits", "operation", "charged"));
    assertFalse(limiter.tryAcquire("alice").allowed(), "in debt after the charge, as the limiter itself says");
  }

  @Test
  void pipelineTurnsAndRepliesAreMeasured() throws Exception {
    PipelineMetrics metrics = new PipelineMetrics(registry);
    FakeChatModel model = FakeChatModel.thatAlwaysResponds("one two three");
    try (ChatPipeline pipeline = ChatPipeline.builder(model, ConversationManager.builder().build())
        .rateLimiter(TokenBucketRateLimiter.builder().limit(Limit.perMinute(1)).build()).listener(metrics).build()) {
      metrics.bindInFlight(pipeline);
      CompletableFuture<ReplyResult> end = new CompletableFuture<>();
      pipeline.send(Turn.message("alice", "c", "hello"), new ReplyListener() {
        @Override
        public void onToken(String token) {}

        @Override
        public void onEnd(ReplyResult result) {
          end.complete(result);
        }
      });
      end.get(10, TimeUnit.SECONDS);
      pipeline.send(Turn.message("alice", "c", "again"), new ReplyListener() {
        @Override
        public void onToken(String token) {}

        @Override
        public void onEnd(ReplyResult result) {}
      });
      pipeline.send(Turn.message("bob", "c", " "), new ReplyListener() {
        @Override
        public void onToken(String token) {}

        @Override
        public void onEnd(ReplyResult result) {}
      });
      org.awaitility.Awaitility.await("the reply was counted").atMost(java.time.Duration.ofMinutes(1))
          .until(() -> registry.find("parley.replies").counter() != null);
      assertEquals(1, counter("parley.replies", "status", "complete"));
      assertEquals(3, counter("parley.tokens.generated"));
      assertEquals(1, registry.get("parley.time.to.first.token").timer().count());
      assertEquals(1, counter("parley.rate.limit.denials"));
      assertEquals(1, counter("parley.turns.rejected", "reason", "invalid_text"));
      assertEquals(0, gauge("parley.replies.in.flight"));
    }
  }

  /**
   * A reply replayed from the pipeline's cache is counted as cached: it adds no generated tokens,
   * no generation speed and no time to first token. A request the cache cannot keep is a bypass.
   */
  @Test
  void repliesFromTheCacheAreNotCountedAsGenerated() throws Exception {
    PipelineMetrics metrics = new PipelineMetrics(registry);
    ResponseCache cache = ResponseCache.builder().build();
    new ResponseCacheMetrics(cache).bindTo(registry);
    FakeChatModel model = FakeChatModel.thatAlwaysResponds("one two three");
    GenerationOptions greedy = GenerationOptions.builder().temperature(0).maxTokens(16).build();
    try (ChatPipeline pipeline = ChatPipeline.builder(model, ConversationManager.builder().build()).cache(cache)
        .listener(metrics).build()) {
      for (int i = 0; i < 3; i++) {
        assertEquals(3, complete(pipeline, greedy).response().usage().completionTokens());
      }
      ReplyResult sampled = complete(pipeline, GenerationOptions.builder().temperature(0.9).maxTokens(16).build());
      assertFalse(sampled.fromCache());
    }
    assertEquals(2, model.requests().size(), "the first greedy request and the sampled one reached the model");
    assertEquals(2, counter("parley.replies.cached"));
    assertEquals(6, counter("parley.tokens.generated"), "3 + 3 generated; the two replays are not");
    assertEquals(2, registry.get("parley.reply.tokens.per.second").summary().count());
    assertEquals(2, registry.get("parley.time.to.first.token").timer().count());
    assertEquals(2, counter("parley.cache.requests", "result", "hit"));
    assertEquals(1, counter("parley.cache.requests", "result", "bypass"), "the sampled request skipped the cache");
  }

  private static ReplyResult complete(ChatPipeline pipeline, GenerationOptions options) throws Exception {
    CompletableFuture<ReplyResult> end = new CompletableFuture<>();
    pipeline.complete("alice", List.of(Message.user("count to three")), options, new ReplyListener() {
      @Override
      public void onToken(String token) {}

      @Override
      public void onEnd(ReplyResult result) {
        end.complete(result);
      }
    });
    return end.get(1, TimeUnit.MINUTES);
  }
}
