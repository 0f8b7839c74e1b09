package dev.parley.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.parley.cache.ResponseCache;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.testing.FakeChatModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A cache hit: {@code ResponseCache} (SHA-256 key over model, messages and options; single flight)
 * against a plain Caffeine cache keyed by the request object itself, and against generating the
 * reply with the in-memory fake model (no tokens delay), which is what a hit saves at the very
 * least. Conversations of 2 and 20 messages.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ResponseCacheBenchmark {
  /** What answers the request. */
  public enum Implementation {
    /** Parley's ResponseCache, the reply already cached. */
    PARLEY_HIT,
    /** A Caffeine cache keyed by the ChatRequest record (equals/hashCode over every message). */
    CAFFEINE_BY_REQUEST_HIT,
    /** No cache: the fake model generates the reply (20 tokens, no delay). */
    FAKE_MODEL_GENERATES
  }

  @Param
  public Implementation implementation;

  @Param({"2", "20"})
  public int messages;

  private ResponseCache cache;
  private Cache<ChatRequest, ChatResponse> plain;
  private FakeChatModel model;
  private ChatRequest request;

  @Setup(Level.Trial)
  public void setUp() {
    List<Message> history = new ArrayList<>();
    history.add(Message.system("You are a helpful assistant."));
    for (int i = 1; i < messages; i++) {
      history.add(i % 2 == 1
          ? Message.user("Question " + i + ": what do you know about tides, waves and currents near the coast?")
          : Message.assistant("Answer " + i + ": tides follow the moon, waves follow the wind, and currents carry water."));
    }
    request = new ChatRequest(history, GenerationOptions.builder().temperature(0).maxTokens(64).build());
    model = FakeChatModel.thatAlwaysResponds("The tide comes in twice a day because the moon and the sun pull"
        + " on the oceans as the earth turns beneath them.");
    cache = ResponseCache.builder().build();
    plain = Caffeine.newBuilder().maximumSize(10_000).build();
    ChatResponse reply = model.generate(request);
    cache.put(model.id(), request, reply);
    plain.put(request, reply);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (cache.statistics().misses() > 1) {
      throw new IllegalStateException("the cache missed: " + cache.statistics());
    }
  }

  @Benchmark
  public ChatResponse answer() {
    return switch (implementation) {
      case PARLEY_HIT -> cache.get(model.id(), request, model::generate);
      case CAFFEINE_BY_REQUEST_HIT -> plain.get(request, model::generate);
      case FAKE_MODEL_GENERATES -> model.generate(request);
    };
  }
}
