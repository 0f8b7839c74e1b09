package dev.parley.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.ModelUnavailableException;
import dev.parley.chat.TokenUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ResponseCacheTest {
  private static final GenerationOptions GREEDY = GenerationOptions.builder().temperature(0).maxTokens(32).build();
  private final AtomicLong nanos = new AtomicLong();

  private static ChatRequest ask(String text, GenerationOptions options) {
    return new ChatRequest(List.of(Message.user(text)), options);
  }

  private static ChatResponse reply(String text) {
    return new ChatResponse(text, FinishReason.STOP, new TokenUsage(3, 2));
  }

  private static Function<ChatRequest, ChatResponse> counting(AtomicInteger calls, String text) {
    return r -> {
      calls.incrementAndGet();
      return reply(text);
    };
  }

  @Test
  void secondIdenticalRequestIsAHit() {
    ResponseCache cache = ResponseCache.builder().build();
    AtomicInteger calls = new AtomicInteger();
    ChatResponse first = cache.get("m", ask("hi", GREEDY), counting(calls, "hello"));
    ChatResponse second = cache.get("m", ask("hi", GREEDY), counting(calls, "other"));
    assertEquals(1, calls.get());
    assertEquals(first, second);
    CacheStatistics stats = cache.statistics();
    assertEquals(1, stats.hits());
    assertEquals(1, stats.misses());
    assertEquals(0.5, stats.hitRate());
  }

  @Test
  void keyIgnoresTimestampsMetadataAndSurroundingWhitespaceButNotContent() {
    ChatRequest a = new ChatRequest(List.of(Message.user("hello")), GREEDY);
    ChatRequest b = new ChatRequest(List.of(Message.user("  hello\n").withMetadata("client", "x")), GREEDY);
    ChatRequest c = new ChatRequest(List.of(Message.user("hello!")), GREEDY);
    assertEquals(CacheKey.of("m", a), CacheKey.of("m", b));
    assertNotEquals(CacheKey.of("m", a), CacheKey.of("m", c));
    assertNotEquals(CacheKey.of("m", a), CacheKey.of("other-model", a));
    assertNotEquals(CacheKey.of("m", a), CacheKey.of("m", a.withOptions(GREEDY.toBuilder().maxTokens(33).build())));
    assertNotEquals(CacheKey.of("m", a), CacheKey.of("m", a.withOptions(GREEDY.toBuilder().stopSequences("x").build())));
    assertNotEquals(CacheKey.of("m", a), CacheKey.of("m", new ChatRequest(List.of(Message.assistant("hello")), GREEDY)));
  }

  @Test
  void keyFieldsAreLengthPrefixedSoSplitsDoNotCollide() {
    ChatRequest ab = new ChatRequest(List.of(Message.user("ab"), Message.user("c")), GREEDY);
    ChatRequest abc = new ChatRequest(List.of(Message.user("a"), Message.user("bc")), GREEDY);
    assertNotEquals(CacheKey.of("m", ab), CacheKey.of("m", abc));
  }

  @Test
  void nonDeterministicRequestsBypassTheCacheByDefault() {
    ResponseCache cache = ResponseCache.builder().build();
    AtomicInteger calls = new AtomicInteger();
    GenerationOptions sampled = GenerationOptions.builder().temperature(0.8).build();
    cache.get("m", ask("hi", sampled), counting(calls, "a"));
    cache.get("m", ask("hi", sampled), counting(calls, "b"));
    assertEquals(2, calls.get());
    assertEquals(2, cache.statistics().bypasses());

    GenerationOptions seeded = sampled.toBuilder().seed(7).build();
    cache.get("m", ask("hi", seeded), counting(calls, "c"));
    cache.get("m", ask("hi", seeded), counting(calls, "d"));
    assertEquals(3, calls.get(), "a fixed seed makes a sampled request deterministic");
  }

  @Test
  void nonDeterministicRequestsAreCachedWhenConfigured() {
    ResponseCache cache = ResponseCache.builder().cacheNonDeterministic(true).build();
    AtomicInteger calls = new AtomicInteger();
    GenerationOptions sampled = GenerationOptions.builder().temperature(0.8).build();
    cache.get("m", ask("hi", sampled), counting(calls, "a"));
    cache.get("m", ask("hi", sampled), counting(calls, "b"));
    assertEquals(1, calls.get());
  }

  @Test
  void entriesExpireAfterTheirTimeToLive() {
    ResponseCache cache = ResponseCache.builder().expireAfterWrite(Duration.ofMinutes(5)).ticker(nanos::get).build();
    AtomicInteger calls = new AtomicInteger();
    cache.get("m", ask("hi", GREEDY), counting(calls, "a"));
    nanos.addAndGet(Duration.ofMinutes(4).toNanos());
    cache.get("m", ask("hi", GREEDY), counting(calls, "a"));
    assertEquals(1, calls.get());
    nanos.addAndGet(Duration.ofMinutes(2).toNanos());
    cache.get("m", ask("hi", GREEDY), counting(calls, "a"));
    assertEquals(2, calls.get(), "expired after 6 minutes");
  }

  @Test
  void sizeIsBoundedByTheBytesOfCachedReplies() {
    String text = "x".repeat(1_000); // about 2,160 bytes counted per entry
    ResponseCache cache = ResponseCache.builder().maximumWeightBytes(50_000).build();
    for (int i = 0; i < 200; i++) {
      cache.get("m", ask("q" + i, GREEDY), r -> reply(text));
    }
    long size = cache.size();
    assertTrue(size <= 50_000 / ResponseCache.weigh(reply(text)), "entries kept: " + size);
    assertTrue(size > 0);
    assertTrue(cache.statistics().evictions() > 0);
  }

  @Test
  void concurrentIdenticalRequestsGenerateOnce() throws Exception {
    ResponseCache cache = ResponseCache.builder().build();
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch inGenerator = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Function<ChatRequest, ChatResponse> slow = r -> {
      calls.incrementAndGet();
      inGenerator.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return reply("shared");
    };
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<ChatResponse>> results = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      results.add(pool.submit(() -> cache.get("m", ask("same", GREEDY), slow)));
    }
    assertTrue(inGenerator.await(10, TimeUnit.SECONDS));
    release.countDown();
    for (Future<ChatResponse> f : results) {
      assertEquals("shared", f.get(10, TimeUnit.SECONDS).text());
    }
    pool.shutdown();
    assertEquals(1, calls.get(), "single flight: one generation for 8 identical requests");
    assertEquals(1, cache.statistics().misses());
    assertEquals(7, cache.statistics().hits());
  }

  @Test
  void failuresAreSharedWithWaitersButNotCached() {
    ResponseCache cache = ResponseCache.builder().build();
    AtomicInteger calls = new AtomicInteger();
    assertThrows(ModelUnavailableException.class, () -> cache.get("m", ask("hi", GREEDY), r -> {
      calls.incrementAndGet();
      throw new ModelUnavailableException("down");
    }));
    ChatResponse r = cache.get("m", ask("hi", GREEDY), counting(calls, "recovered"));
    assertEquals("recovered", r.text());
    assertEquals(2, calls.get());
  }

  @Test
  void cancelledRepliesAreNotCached() {
    ResponseCache cache = ResponseCache.builder().build();
    AtomicInteger calls = new AtomicInteger();
    ChatResponse partial = cache.get("m", ask("hi", GREEDY), r -> {
      calls.incrementAndGet();
      return new ChatResponse("par", FinishReason.CANCELLED, new TokenUsage(1, 1));
    });
    assertEquals(FinishReason.CANCELLED, partial.finishReason());
    ChatResponse full = cache.get("m", ask("hi", GREEDY), counting(calls, "full"));
    assertEquals("full", full.text());
    assertEquals(2, calls.get());
  }

  @Test
  void badSettingsNameTheParameter() {
    var e = assertThrows(IllegalArgumentException.class, () -> ResponseCache.builder().maximumWeightBytes(0));
    assertEquals("maximumWeightBytes must be > 0, was 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ResponseCache.builder().expireAfterWrite(Duration.ZERO));
    assertThrows(NullPointerException.class, () -> ResponseCache.builder().build().get(null, ask("x", GREEDY), r -> reply("x")));
  }

  @Test
  void keyToStringIsTheHexHash() {
    String s = CacheKey.of("m", ask("hi", GREEDY)).toString();
    assertTrue(s.matches("CacheKey\\[[0-9a-f]{64}]"), s);
  }
}
