package dev.parley.benchmarks;

import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.TokenBucketRateLimiter;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Heap held by {@code TokenBucketRateLimiter} after a million distinct keys, three ways: every key
 * still active (the cost per key), a {@code maximumKeys} bound, and keys arriving over time so
 * that idle ones are evicted. Run: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.parley.benchmarks.RateLimiterFootprint}.
 */
public final class RateLimiterFootprint {
  private static final int KEYS = 1_000_000;

  private RateLimiterFootprint() {}

  public static void main(String[] args) {
    long base = usedHeap();
    TokenBucketRateLimiter all = limiter(new AtomicLong(), 0);
    for (int i = 0; i < KEYS; i++) {
      all.tryAcquire("user-" + i);
    }
    report("1,000,000 keys, all active", all.trackedKeys(), usedHeap() - base);
    all = null;

    base = usedHeap();
    TokenBucketRateLimiter bounded = limiter(new AtomicLong(), 100_000);
    for (int i = 0; i < KEYS; i++) {
      bounded.tryAcquire("user-" + i);
    }
    report("1,000,000 keys, maximumKeys 100,000", bounded.trackedKeys(), usedHeap() - base);
    bounded = null;

    base = usedHeap();
    AtomicLong clock = new AtomicLong();
    TokenBucketRateLimiter idle = limiter(clock, 0);
    for (int second = 0; second < 1_000; second++) {
      for (int i = 0; i < KEYS / 1_000; i++) {
        idle.tryAcquire("user-" + second + "-" + i);
      }
      clock.addAndGet(Duration.ofSeconds(1).toNanos());
    }
    report("1,000,000 keys, 1,000 new a second for 1,000 s", idle.trackedKeys(),
        usedHeap() - base);
  }

  /** A per-minute limiter on a clock that moves only when the caller moves it. */
  private static TokenBucketRateLimiter limiter(AtomicLong clock, long maximumKeys) {
    TokenBucketRateLimiter.Builder b = TokenBucketRateLimiter.builder()
        .limit(Limit.perMinute(20)).ticker(clock::get);
    if (maximumKeys > 0) {
      b.maximumKeys(maximumKeys);
    }
    return b.build();
  }

  private static void report(String what, long keys, long bytes) {
    System.out.printf("%-48s %,9d keys held  %,7.1f MB heap  %,5d bytes/key%n", what, keys,
        bytes / 1e6, keys == 0 ? 0 : bytes / keys);
  }

  private static long usedHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
