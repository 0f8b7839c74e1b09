package dev.parley.benchmarks;

import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.TokenBucketRateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code TokenBucketRateLimiter.tryAcquire} against Bucket4j's local lock-free bucket and against
 * a synchronized {@code HashMap} limiter like the seed's, in one run: one thread on one key, two
 * threads on one key, and threads spread over 100,000 keys. The limit (a billion per second) is
 * never reached, so every call is the admitting path that a service takes almost always.
 *
 * <p>Bucket4j gets its best case: buckets in a {@link ConcurrentHashMap} that never evicts, and its
 * default (millisecond) clock. Parley holds keys in a Caffeine cache that evicts idle ones and
 * counts in nanoseconds; both return the remaining tokens and the wait with every answer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RateLimiterBenchmark {

  /** The limiters compared. */
  public enum Implementation {
    PARLEY,
    BUCKET4J,
    SYNCHRONIZED_MAP
  }

  @Param
  public Implementation implementation;

  @Param({"1", "100000"})
  public int keys;

  private static final long CAPACITY = 1_000_000_000L;

  private KeyedLimiter limiter;
  private String[] names;
  private final AtomicInteger threadOffsets = new AtomicInteger();

  @Setup
  public void setUp() {
    limiter = switch (implementation) {
      case PARLEY -> new ParleyLimiter();
      case BUCKET4J -> new Bucket4jLimiter();
      case SYNCHRONIZED_MAP -> new SynchronizedMapLimiter();
    };
    names = new String[keys];
    for (int i = 0; i < keys; i++) {
      names[i] = "user-" + i;
      limiter.tryAcquire(names[i]);
    }
  }

  /** Each thread walks the keys from its own starting point. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;

    @Setup
    public void start(RateLimiterBenchmark benchmark) {
      next = (benchmark.threadOffsets.getAndIncrement() * 7_919) % benchmark.keys;
    }

    String key(String[] names) {
      String key = names[next];
      if (++next == names.length) {
        next = 0;
      }
      return key;
    }
  }

  @Benchmark
  @Threads(1)
  public long oneThread(Cursor cursor) {
    return limiter.tryAcquire(cursor.key(names));
  }

  @Benchmark
  @Threads(2)
  public long twoThreads(Cursor cursor) {
    return limiter.tryAcquire(cursor.key(names));
  }

  /** One call: the tokens left, or -1 when denied. */
  interface KeyedLimiter {
    long tryAcquire(String key);
  }

  static final class ParleyLimiter implements KeyedLimiter {
    private final TokenBucketRateLimiter limiter = TokenBucketRateLimiter.of(
        Limit.perSecond(CAPACITY));

    @Override
    public long tryAcquire(String key) {
      var decision = limiter.tryAcquire(key, 1);
      return decision.allowed() ? decision.remaining() : -1;
    }
  }

  static final class Bucket4jLimiter implements KeyedLimiter {
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    @Override
    public long tryAcquire(String key) {
      Bucket bucket = buckets.computeIfAbsent(key, k -> Bucket.builder()
          .addLimit(Bandwidth.builder().capacity(CAPACITY)
              .refillGreedy(CAPACITY, Duration.ofSeconds(1)).build())
          .build());
      var probe = bucket.tryConsumeAndReturnRemaining(1);
      return probe.isConsumed() ? probe.getRemainingTokens() : -1;
    }
  }

  /** The seed's shape: one lock, a map of (tokens, last refill), floating-point refill. */
  static final class SynchronizedMapLimiter implements KeyedLimiter {
    private final Map<String, double[]> buckets = new HashMap<>();

    @Override
    public synchronized long tryAcquire(String key) {
      double now = System.nanoTime() / 1e9;
      double[] bucket = buckets.computeIfAbsent(key, k -> new double[] {CAPACITY, now});
      bucket[0] = Math.min(CAPACITY, bucket[0] + (now - bucket[1]) * CAPACITY);
      bucket[1] = now;
      if (bucket[0] < 1) {
        return -1;
      }
      bucket[0] -= 1;
      return (long) bucket[0];
    }
  }
}
