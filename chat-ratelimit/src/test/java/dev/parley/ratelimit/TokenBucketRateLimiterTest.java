package dev.parley.ratelimit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenBucketRateLimiterTest {

  private final FakeTicker ticker = new FakeTicker();

  private TokenBucketRateLimiter limiter(Limit... limits) {
    TokenBucketRateLimiter.Builder b = TokenBucketRateLimiter.builder().ticker(ticker);
    for (Limit limit : limits) {
      b.limit(limit);
    }
    return b.build();
  }

  @Test
  void releaseGivesBackWhatWasTakenUpToTheCapacityOnEveryLimit() {
    RateLimiter limiter = limiter(Limit.perMinute(3), Limit.perDay(5));
    for (int i = 0; i < 3; i++) {
      assertTrue(limiter.tryAcquire("alice").allowed());
    }
    assertFalse(limiter.tryAcquire("alice").allowed());

    Decision back = limiter.release("alice", 1);

    assertTrue(back.allowed(), "one permit would be admitted again");
    assertTrue(limiter.tryAcquire("alice").allowed(), "the given-back permit is usable");
    assertFalse(limiter.tryAcquire("alice").allowed());
    // The day limit got it back too: 3 taken, 1 given back, 1 taken again = 3 of 5 used.
    limiter.release("alice", 1_000_000);
    Decision afterFill = limiter.tryAcquire("alice", 3);
    assertTrue(afterFill.allowed(), "releasing more than was taken fills the buckets, no more");
    assertFalse(limiter.tryAcquire("alice").allowed(), "the minute limit holds 3, never more");
    assertEquals(Duration.ofSeconds(20), limiter.tryAcquire("alice").retryAfter());
    assertThrows(IllegalArgumentException.class, () -> limiter.release("alice", 0));
    assertThrows(IllegalArgumentException.class, () -> limiter.release("", 1));
  }

  @Test
  void admitsTheCapacityThenDeniesWithTheTimeUntilTheNextToken() {
    RateLimiter limiter = limiter(Limit.perMinute(20));

    for (int i = 1; i <= 20; i++) {
      Decision d = limiter.tryAcquire("alice");
      assertTrue(d.allowed(), "request " + i);
      assertEquals(20 - i, d.remaining());
      assertEquals(Duration.ZERO, d.retryAfter());
    }
    Decision denied = limiter.tryAcquire("alice");

    assertFalse(denied.allowed());
    assertEquals(0, denied.remaining());
    assertEquals(20, denied.limit());
    assertEquals(Duration.ofSeconds(3), denied.retryAfter());
    assertEquals(Duration.ofSeconds(60), denied.resetAfter());
    assertTrue(limiter.tryAcquire("bob").allowed(), "keys are independent");
  }

  @Test
  void greedyRefillReturnsEachTokenAsSoonAsItIsDue() {
    RateLimiter limiter = limiter(Limit.perMinute(20));
    for (int i = 0; i < 20; i++) {
      limiter.tryAcquire("alice");
    }

    ticker.advance(Duration.ofMillis(2_999));
    Decision early = limiter.tryAcquire("alice");
    ticker.advance(Duration.ofMillis(1));
    Decision due = limiter.tryAcquire("alice");
    Decision next = limiter.tryAcquire("alice");

    assertFalse(early.allowed());
    assertEquals(Duration.ofMillis(1), early.retryAfter());
    assertTrue(due.allowed());
    assertFalse(next.allowed());
    assertEquals(Duration.ofSeconds(3), next.retryAfter());
  }

  @Test
  void greedyRefillIsExactForRatesThatDoNotDivideTheSecond() {
    RateLimiter limiter = limiter(Limit.perSecond(3));
    for (int i = 0; i < 3; i++) {
      assertTrue(limiter.tryAcquire("k").allowed());
    }
    int admitted = 0;
    for (int ms = 1; ms <= 3_000; ms++) {
      ticker.advance(Duration.ofMillis(1));
      if (limiter.tryAcquire("k").allowed()) {
        admitted++;
      }
    }
    assertEquals(9, admitted, "3 per second over 3 seconds, no token lost or gained by rounding");
  }

  @Test
  void intervalRefillGivesACooldownAfterTheBurst() {
    Limit burst = Limit.builder("burst").capacity(3)
        .refillIntervally(3, Duration.ofSeconds(10)).build();
    RateLimiter limiter = limiter(burst);
    for (int i = 0; i < 3; i++) {
      assertTrue(limiter.tryAcquire("k").allowed());
    }

    ticker.advance(Duration.ofMillis(9_999));
    Decision cooling = limiter.tryAcquire("k");
    ticker.advance(Duration.ofMillis(1));

    assertFalse(cooling.allowed());
    assertEquals(Duration.ofMillis(1), cooling.retryAfter());
    for (int i = 0; i < 3; i++) {
      assertTrue(limiter.tryAcquire("k").allowed(), "all three back at once, request " + i);
    }
    assertFalse(limiter.tryAcquire("k").allowed());
  }

  @Test
  void aRequestDeniedByOneLimitTakesNothingFromTheOthers() {
    Limit minute = Limit.perMinute(5);
    Limit day = Limit.perDay(7);
    RateLimiter limiter = limiter(minute, day);
    for (int i = 0; i < 5; i++) {
      assertTrue(limiter.tryAcquire("u").allowed());
    }
    ticker.advance(Duration.ofMinutes(1));
    assertTrue(limiter.tryAcquire("u", 2).allowed());

    Decision denied = limiter.tryAcquire("u");

    assertFalse(denied.allowed());
    assertEquals(day, denied.binding());
    LimitStatus minuteStatus = denied.limits().get(0);
    LimitStatus dayStatus = denied.limits().get(1);
    assertAll(
        () -> assertEquals(3, minuteStatus.remaining(), "the minute limit was not charged"),
        () -> assertTrue(minuteStatus.admits()),
        () -> assertEquals(0, dayStatus.remaining()),
        () -> assertFalse(dayStatus.admits()),
        () -> assertEquals(dayStatus.retryAfter(), denied.retryAfter()),
        () -> assertEquals(Duration.ofDays(1).dividedBy(7).minusMinutes(1).plusNanos(1),
            denied.retryAfter(), "a seventh of a day, less the minute already refilled"));
  }

  @Test
  void neverAdmitsMoreThanALimitAllowsOverAnyWindow() {
    Limit minute = Limit.perMinute(20);
    Limit burst = Limit.builder("burst").capacity(3)
        .refillIntervally(3, Duration.ofSeconds(5)).build();
    RateLimiter limiter = limiter(minute, burst);
    Random random = new Random(42);
    List<Long> admittedAt = new ArrayList<>();
    long start = ticker.getAsLong();

    for (int i = 0; i < 20_000; i++) {
      ticker.advanceNanos((long) (random.nextDouble() * 200_000_000L));
      if (limiter.tryAcquire("k").allowed()) {
        admittedAt.add(ticker.getAsLong() - start);
      }
    }

    // Token bucket bound: over any window of length T, at most capacity + refill during T.
    long[] windows = {Duration.ofSeconds(1).toNanos(), Duration.ofSeconds(5).toNanos(),
        Duration.ofMinutes(1).toNanos(), Duration.ofMinutes(10).toNanos()};
    for (long window : windows) {
      long minuteBound = 20 + window / Duration.ofSeconds(3).toNanos();
      long burstBound = 3 + 3 * (window / Duration.ofSeconds(5).toNanos() + 1);
      int from = 0;
      for (int to = 0; to < admittedAt.size(); to++) {
        while (admittedAt.get(to) - admittedAt.get(from) >= window) {
          from++;
        }
        int count = to - from + 1;
        assertTrue(count <= minuteBound && count <= burstBound,
            count + " admitted within " + Duration.ofNanos(window));
      }
    }
    long elapsedMinutes = (ticker.getAsLong() - start) / Duration.ofMinutes(1).toNanos();
    assertTrue(admittedAt.size() >= elapsedMinutes * 19,
        "the limits are reached, not undershot: " + admittedAt.size() + " in " + elapsedMinutes
            + " minutes");
  }

  @Test
  void chargesGeneratedTokensAfterTheFactAndDeniesWhileInDebt() {
    Limit tokens = Limit.builder("llm-tokens-per-day").capacity(100_000)
        .refillGreedy(100_000, Duration.ofDays(1)).build();
    RateLimiter limiter = limiter(tokens);
    assertTrue(limiter.tryAcquire("alice", 1).allowed(), "a request needs one token of budget");

    Decision afterReply = limiter.charge("alice", 99_999);
    assertEquals(0, afterReply.remaining());
    assertFalse(afterReply.allowed(), "nothing left for another request");

    Decision inDebt = limiter.charge("alice", 50_000);
    assertEquals(0, inDebt.remaining());
    Decision denied = limiter.tryAcquire("alice", 1);
    assertFalse(denied.allowed());
    // 50,001 tokens must come back before one is free: 50,001 × 0.864 s.
    assertEquals(Duration.ofMillis(50_001L * 864), denied.retryAfter());

    ticker.advance(Duration.ofMillis(50_001L * 864));
    assertTrue(limiter.tryAcquire("alice", 1).allowed());
  }

  @Test
  void debtFromChargesIsBoundedByOneCapacity() {
    RateLimiter limiter = limiter(Limit.perMinute(10));

    limiter.charge("k", 1_000_000);
    Decision d = limiter.tryAcquire("k");

    // From -10 to 1 takes 11 tokens at 6 s each.
    assertEquals(Duration.ofSeconds(66), d.retryAfter());
    assertEquals(Duration.ofSeconds(120), d.resetAfter());
  }

  @Test
  void threadsHammeringOneKeyAreAdmittedExactlyTheCapacity() throws Exception {
    RateLimiter limiter = limiter(Limit.perHour(10_000), Limit.perDay(12_000));
    int threads = 8;
    int attemptsPerThread = 5_000;
    long[] admitted = new long[threads];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      workers.add(started(() -> {
        for (int i = 0; i < attemptsPerThread; i++) {
          if (limiter.tryAcquire("shared").allowed()) {
            admitted[index]++;
          }
        }
      }));
    }
    for (Thread w : workers) {
      w.join();
    }

    long total = 0;
    for (long a : admitted) {
      total += a;
    }
    assertEquals(10_000, total);
    Decision after = limiter.tryAcquire("shared");
    assertFalse(after.allowed());
    assertEquals(0, after.limits().get(0).remaining());
    assertEquals(2_000, after.limits().get(1).remaining(), "the day limit lost exactly 10,000");
  }

  @Test
  void concurrentRequestsOfMixedSizesAccountForEveryPermit() throws Exception {
    RateLimiter limiter = limiter(Limit.perMinute(5_000), Limit.perHour(7_000));
    int threads = 6;
    long[] taken = new long[threads];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      workers.add(started(() -> {
        Random random = new Random(index);
        for (int i = 0; i < 3_000; i++) {
          int permits = 1 + random.nextInt(7);
          String key = "user-" + random.nextInt(3);
          if (limiter.tryAcquire(key, permits).allowed()) {
            synchronized (taken) {
              taken[Integer.parseInt(key.substring(5))] += permits;
            }
          }
        }
      }));
    }
    for (Thread w : workers) {
      w.join();
    }

    for (int k = 0; k < 3; k++) {
      Decision probe = limiter.charge("user-" + k, 1);
      assertTrue(taken[k] <= 5_000, "user-" + k + " took " + taken[k]);
      assertTrue(taken[k] > 4_990, "user-" + k + " reached its limit: " + taken[k]);
      assertEquals(Math.max(0, 5_000 - taken[k] - 1), probe.limits().get(0).remaining(),
          "every admitted permit was charged once to the minute limit");
      assertEquals(7_000 - taken[k] - 1, probe.limits().get(1).remaining(),
          "and once to the hour limit");
    }
  }

  @Test
  void manyKeysFromManyThreadsEachGetExactlyTheirCapacity() throws Exception {
    RateLimiter limiter = limiter(Limit.perMinute(5));
    int keys = 2_000;
    int[] admitted = new int[keys];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      workers.add(started(() -> {
        for (int round = 0; round < 4; round++) {
          for (int k = 0; k < keys; k++) {
            if (limiter.tryAcquire("key-" + k).allowed()) {
              synchronized (admitted) {
                admitted[k]++;
              }
            }
          }
        }
      }));
    }
    for (Thread w : workers) {
      w.join();
    }
    for (int k = 0; k < keys; k++) {
      assertEquals(5, admitted[k], "key-" + k);
    }
  }

  @Test
  void aMillionDistinctKeysStayWithinTheKeyBound() {
    TokenBucketRateLimiter limiter = TokenBucketRateLimiter.builder().ticker(ticker)
        .limit(Limit.perMinute(20)).maximumKeys(10_000).build();

    for (int i = 0; i < 1_000_000; i++) {
      limiter.tryAcquire("ip-" + i);
    }

    long held = limiter.trackedKeys();
    assertTrue(held <= 10_000, held + " keys held");
    assertTrue(held >= 5_000, "the bound is used, not emptied: " + held);
  }

  @Test
  void aMillionDistinctKeysOverTimeKeepOnlyTheRecentlyActiveOnes() {
    TokenBucketRateLimiter limiter = limiter(Limit.perMinute(20));
    long maxHeld = 0;

    // 1,000 new keys a second for 1,000 seconds; each key is idle after its one request.
    for (int second = 0; second < 1_000; second++) {
      for (int i = 0; i < 1_000; i++) {
        limiter.tryAcquire("ip-" + second + "-" + i);
      }
      ticker.advance(Duration.ofSeconds(1));
      if (second % 100 == 99) {
        maxHeld = Math.max(maxHeld, limiter.trackedKeys());
      }
    }

    // Kept 3 minutes (debt of a capacity + a period) to 3.75 minutes after their last use.
    assertTrue(maxHeld <= 225_000, "at most 3.75 minutes of keys held: " + maxHeld);
    long held = limiter.trackedKeys();
    assertTrue(held >= 180_000 && held <= 225_000, held + " keys held of 1,000,000 seen");
  }

  @Test
  void idleKeysAreEvictedOnceTheyWouldBeFullAgain() {
    TokenBucketRateLimiter limiter = limiter(Limit.perMinute(20), Limit.perHour(100));
    for (int i = 0; i < 1_000; i++) {
      limiter.tryAcquire("ip-" + i, 20);
    }
    assertEquals(1_000, limiter.trackedKeys());

    // Lossless idle time: an hour limit can be a capacity in debt, so two hours plus a period;
    // eviction comes within a quarter more.
    ticker.advance(Duration.ofHours(3).minusSeconds(1));
    assertEquals(1_000, limiter.trackedKeys(), "not yet: a key could still be refilling");
    ticker.advance(Duration.ofMinutes(45).plusSeconds(2));
    assertEquals(0, limiter.trackedKeys());
    assertEquals(80, limiter.tryAcquire("ip-1", 20).limits().get(1).remaining(),
        "an evicted key starts full, exactly as it would have been");
  }

  @Test
  void aKeyInUseIsNeverEvictedWhateverItsAge() {
    TokenBucketRateLimiter limiter = TokenBucketRateLimiter.builder().ticker(ticker)
        .limit(Limit.perDay(100)).idleKeyTimeout(Duration.ofHours(1)).build();
    limiter.charge("busy", 100);

    for (int half = 0; half < 20; half++) {
      ticker.advance(Duration.ofMinutes(30));
      assertEquals(1, limiter.trackedKeys(), "after " + (half + 1) * 30 + " minutes");
      assertFalse(limiter.tryAcquire("busy", 50).allowed());
    }

    // Ten hours refill 41.67 tokens; an eviction would have brought back all 100.
    assertEquals(41, limiter.tryAcquire("busy", 50).remaining());
  }

  @Test
  void aShorterIdleTimeoutEvictsSooner() {
    TokenBucketRateLimiter limiter = TokenBucketRateLimiter.builder().ticker(ticker)
        .limit(Limit.perDay(100)).idleKeyTimeout(Duration.ofMinutes(10)).build();
    limiter.tryAcquire("k");
    ticker.advance(Duration.ofMinutes(13));
    assertEquals(0, limiter.trackedKeys());
  }

  @Test
  void acquireWaitsForTheNextTokenWithinMaxWait() throws Exception {
    RateLimiter limiter = TokenBucketRateLimiter.of(
        Limit.builder("fast").capacity(1).refillGreedy(1, Duration.ofMillis(50)).build());
    assertTrue(limiter.tryAcquire("k").allowed());

    Decision waited = limiter.acquire("k", 1, Duration.ofSeconds(5));

    assertTrue(waited.allowed());
  }

  @Test
  void acquireReturnsTheDenialAtOnceWhenMaxWaitIsTooShort() throws Exception {
    RateLimiter limiter = TokenBucketRateLimiter.of(Limit.perHour(1));
    assertTrue(limiter.tryAcquire("k").allowed());

    Decision denied = limiter.acquire("k", 1, Duration.ofSeconds(1));

    assertFalse(denied.allowed());
    assertTrue(denied.retryAfter().compareTo(Duration.ofMinutes(59)) > 0);
  }

  @Test
  void badInputIsRejectedWithTheParameterNamed() {
    RateLimiter limiter = limiter(Limit.perMinute(20), Limit.perDay(100));
    assertAll(
        () -> assertMessage("capacity must be > 0, was 0", () -> Limit.perMinute(0)),
        () -> assertMessage("capacity must be > 0, was -5", () -> Limit.perDay(-5)),
        () -> assertMessage("period must be > 0, was PT0S", () -> Limit.of(5, Duration.ZERO)),
        () -> assertMessage("refill tokens must be > 0, was 0",
            () -> Limit.builder("x").capacity(5).refillGreedy(0, Duration.ofSeconds(1))),
        () -> assertMessage("refill period must be > 0, was PT-1S",
            () -> Limit.builder("x").capacity(5).refillGreedy(1, Duration.ofSeconds(-1))),
        () -> assertMessage("name must be 1 to 64 letters, digits, '.', '_' or '-', was \"a b\"",
            () -> Limit.builder("a b")),
        () -> assertMessage("key must not be empty", () -> limiter.tryAcquire("")),
        () -> assertEquals("key must not be null",
            assertThrows(NullPointerException.class, () -> limiter.tryAcquire(null)).getMessage()),
        () -> assertMessage("permits must be > 0, was 0", () -> limiter.tryAcquire("k", 0)),
        () -> assertMessage("permits must be > 0, was -3", () -> limiter.charge("k", -3)),
        () -> assertMessage("permits 21 exceeds the capacity 20 of limit '20-per-minute':"
            + " such a request can never be admitted", () -> limiter.tryAcquire("k", 21)),
        () -> assertMessage("two limits are named '20-per-minute'; give each limit its own name",
            () -> TokenBucketRateLimiter.builder().limit(Limit.perMinute(20))
                .limit(Limit.perMinute(20))),
        () -> assertMessage("maximumKeys must be > 0, was 0",
            () -> TokenBucketRateLimiter.builder().maximumKeys(0)));
    IllegalStateException noLimit =
        assertThrows(IllegalStateException.class, () -> TokenBucketRateLimiter.builder().build());
    assertEquals("no limit was added; call limit(..) at least once", noLimit.getMessage());
    IllegalStateException noRefill = assertThrows(IllegalStateException.class,
        () -> Limit.builder("x").capacity(3).build());
    assertEquals("limit 'x': no refill was set (refillGreedy or refillIntervally)",
        noRefill.getMessage());
    IllegalArgumentException tooFine = assertThrows(IllegalArgumentException.class,
        () -> Limit.builder("x").capacity(Long.MAX_VALUE / 2)
            .refillGreedy(7, Duration.ofNanos(1_000_000_007L)).build());
    assertTrue(tooFine.getMessage().startsWith("limit 'x' (capacity " + Long.MAX_VALUE / 2)
        && tooFine.getMessage().contains("too fine-grained"), tooFine.getMessage());
    assertTrue(limiter.tryAcquire("k", 20).allowed(), "nothing was taken by the rejected calls");
  }

  @Test
  void defaultNamesSayTheRate() {
    assertEquals("20-per-minute", Limit.perMinute(20).name());
    assertEquals("3-per-second", Limit.perSecond(3).name());
    assertEquals("1000-per-hour", Limit.perHour(1000).name());
    assertEquals("5-per-90s", Limit.of(5, Duration.ofSeconds(90)).name());
    assertEquals(Duration.ofSeconds(60), Limit.perMinute(20).window());
    assertEquals(Duration.ofSeconds(20), Limit.builder("b").capacity(6)
        .refillIntervally(3, Duration.ofSeconds(10)).build().window());
  }

  private static Thread started(Runnable body) {
    Thread thread = new Thread(body);
    thread.start();
    return thread;
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertEquals(expected, e.getMessage());
  }
}
