package dev.parley.ratelimit.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.ratelimit.Decision;
import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.LimitStatus;
import dev.parley.resilience.CircuitState;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisRateLimiterTest {

  private static RedisServer server;
  private static RedisClient adminClient;
  private static StatefulRedisConnection<String, String> admin;

  @BeforeAll
  static void startRedis() throws Exception {
    server = RedisServer.start();
    adminClient = RedisClient.create(server.uri());
    admin = adminClient.connect();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (admin != null) {
      admin.close();
      adminClient.shutdown();
    }
    if (server != null) {
      server.close();
    }
  }

  private static RedisRateLimiter limiter(Limit... limits) {
    RedisRateLimiter.Builder b = RedisRateLimiter.builder(server.uri())
        .timeout(Duration.ofSeconds(2));
    for (Limit limit : limits) {
      b.limit(limit);
    }
    return b.build();
  }

  private static String key() {
    return "user-" + UUID.randomUUID();
  }

  @Test
  void admitsTheCapacityThenDeniesWithTheTimeUntilTheNextToken() {
    try (RedisRateLimiter limiter = limiter(Limit.perMinute(20))) {
      String key = key();
      for (int i = 1; i <= 20; i++) {
        Decision d = limiter.tryAcquire(key);
        assertTrue(d.allowed(), "request " + i);
        assertEquals(20 - i, d.remaining());
      }

      Decision denied = limiter.tryAcquire(key);

      assertFalse(denied.allowed());
      assertEquals(0, denied.remaining());
      assertEquals(20, denied.limit());
      assertTrue(denied.retryAfter().compareTo(Duration.ofSeconds(3)) <= 0
          && denied.retryAfter().compareTo(Duration.ofMillis(2_000)) > 0, denied.toString());
      assertTrue(limiter.tryAcquire(key()).allowed(), "keys are independent");
    }
  }

  @Test
  void aRequestDeniedByOneLimitTakesNothingFromTheOthers() {
    try (RedisRateLimiter limiter = limiter(Limit.perMinute(10), Limit.perDay(7))) {
      String key = key();
      assertTrue(limiter.tryAcquire(key, 7).allowed());

      Decision denied = limiter.tryAcquire(key);

      assertFalse(denied.allowed());
      assertEquals("7-per-day", denied.binding().name());
      LimitStatus minute = denied.limits().get(0);
      assertEquals(3, minute.remaining(), "the minute limit was charged 7, not 8");
      assertTrue(minute.admits());
    }
  }

  @Test
  void twoLimitersSharingRedisNeverAdmitMoreThanTheLimitTogether() throws Exception {
    String key = key();
    AtomicLong admitted = new AtomicLong();
    long start = System.nanoTime();
    try (RedisRateLimiter first = limiter(Limit.perHour(500));
        RedisRateLimiter second = limiter(Limit.perHour(500))) {
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        RedisRateLimiter limiter = t % 2 == 0 ? first : second;
        Thread thread = new Thread(() -> {
          for (int i = 0; i < 150; i++) {
            if (limiter.tryAcquire(key).allowed()) {
              admitted.incrementAndGet();
            }
          }
        });
        thread.start();
        threads.add(thread);
      }
      for (Thread thread : threads) {
        thread.join();
      }
    }
    // 500 per hour refills one token every 7.2 s.
    long refilled = (System.nanoTime() - start) / Duration.ofMillis(7_200).toNanos();
    assertTrue(admitted.get() >= 500 && admitted.get() <= 500 + refilled,
        admitted.get() + " admitted by two limiters for a limit of 500");
  }

  @Test
  void chargesAfterTheFactAndDeniesWhileInDebt() {
    Limit tokens = Limit.builder("llm-tokens").capacity(100_000)
        .refillGreedy(100_000, Duration.ofDays(1)).build();
    try (RedisRateLimiter limiter = limiter(tokens)) {
      String key = key();
      assertTrue(limiter.tryAcquire(key).allowed());

      Decision inDebt = limiter.charge(key, 150_000);

      assertFalse(inDebt.allowed());
      Decision denied = limiter.tryAcquire(key);
      assertFalse(denied.allowed());
      // 50,001 tokens must come back at 0.864 s each: about 12 hours.
      assertTrue(denied.retryAfter().compareTo(Duration.ofMillis(50_000L * 864)) > 0,
          denied.toString());
    }
  }

  @Test
  void releaseGivesBackPermitsUpToTheCapacity() {
    Limit three = Limit.builder("three").capacity(3).refillGreedy(3, Duration.ofHours(1)).build();
    try (RedisRateLimiter limiter = limiter(three)) {
      String key = key();
      assertTrue(limiter.tryAcquire(key, 3).allowed());
      assertFalse(limiter.tryAcquire(key).allowed());

      Decision back = limiter.release(key, 2);

      assertTrue(back.allowed());
      assertEquals(2, back.remaining());
      assertTrue(limiter.tryAcquire(key, 2).allowed(), "both given-back permits are usable");
      assertFalse(limiter.tryAcquire(key).allowed());
      assertEquals(3, limiter.release(key, 1_000).remaining(), "never more than the capacity");
      assertTrue(limiter.tryAcquire(key, 3).allowed());
      assertFalse(limiter.tryAcquire(key).allowed());
    }
  }

  @Test
  void aKeyExpiresInRedisOnceItsBucketsWouldBeFullAgain() throws Exception {
    Limit fast = Limit.builder("fast").capacity(2).refillGreedy(2, Duration.ofMillis(200)).build();
    try (RedisRateLimiter limiter = RedisRateLimiter.builder(server.uri()).keyPrefix("expiry:")
        .limit(fast).timeout(Duration.ofSeconds(2)).build()) {
      String key = key();
      long start = System.nanoTime();
      limiter.tryAcquire(key, 2);
      long ttl = admin.sync().pttl("expiry:" + key);
      long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      // Full after 200 ms; kept for one more period and a second of margin: 1,400 ms from the
      // write, less what passed before the read, however slow the machine.
      assertTrue(ttl >= 1_400 - elapsed - 1 && ttl <= 1_400 + 1, "pttl " + ttl + " read " + elapsed + " ms after the write");

      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (admin.sync().exists("expiry:" + key) == 1 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }

      assertEquals(0, admin.sync().exists("expiry:" + key));
    }
  }

  @Test
  void buildConnectsAndLoadsTheScriptSoTheFirstDecisionIsOneRoundTrip() {
    admin.sync().scriptFlush();
    long connectedBefore = connectedClients();
    try (RedisRateLimiter limiter = RedisRateLimiter.builder(server.uri()).limit(Limit.perMinute(5)).build()) {
      // Before any decision: the limiter holds a connection and Redis knows the script.
      assertEquals(connectedBefore + 1, connectedClients());
      assertEquals(List.of(true), admin.sync().scriptExists(limiterSha()));
      // With the default 100 ms timeout the first decision is answered by Redis, not the fallback.
      String key = key();
      assertTrue(limiter.tryAcquire(key).allowed());
      assertEquals(CircuitState.CLOSED, limiter.breakerState());
      assertTrue(admin.sync().exists("parley:ratelimit:" + key) == 1, "the bucket lives in Redis");
    }
  }

  private static long connectedClients() {
    String info = admin.sync().info("clients");
    return info.lines().filter(l -> l.startsWith("connected_clients:"))
        .mapToLong(l -> Long.parseLong(l.substring("connected_clients:".length()).trim())).findFirst().orElseThrow();
  }

  /** The SHA-1 Redis gives the limiter's script, computed here without asking Redis. */
  private static String limiterSha() {
    try (java.io.InputStream in = RedisRateLimiter.class.getResourceAsStream("token-bucket.lua")) {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-1").digest(in.readAllBytes());
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theScriptIsLoadedAgainAfterRedisForgetsIt() {
    try (RedisRateLimiter limiter = limiter(Limit.perMinute(5))) {
      String key = key();
      assertTrue(limiter.tryAcquire(key).allowed());
      admin.sync().scriptFlush();

      Decision afterFlush = limiter.tryAcquire(key);

      assertTrue(afterFlush.allowed());
      assertEquals(3, afterFlush.remaining());
      assertEquals(CircuitState.CLOSED, limiter.breakerState());
    }
  }

  @Test
  void badInputIsRejectedBeforeRedisIsAsked() {
    try (RedisRateLimiter limiter = limiter(Limit.perMinute(20))) {
      assertEquals("key must not be empty",
          assertThrows(IllegalArgumentException.class, () -> limiter.tryAcquire("")).getMessage());
      assertEquals("permits 21 exceeds the capacity 20 of limit '20-per-minute': such a request"
              + " can never be admitted",
          assertThrows(IllegalArgumentException.class, () -> limiter.tryAcquire("k", 21))
              .getMessage());
      assertEquals("permits must be > 0, was 0",
          assertThrows(IllegalArgumentException.class, () -> limiter.charge("k", 0)).getMessage());
      assertEquals(CircuitState.CLOSED, limiter.breakerState(),
          "bad input is not a Redis failure");
    }
    assertEquals("no limit was added; call limit(..) at least once",
        assertThrows(IllegalStateException.class,
            () -> RedisRateLimiter.builder(server.uri()).build()).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RedisRateLimiter.builder("http://example")).getMessage()
        .startsWith("redisUri is not a Redis URI: \"http://example\""));
    assertEquals("limit 'odd': Redis counts whole microseconds, so the refill period must be too,"
            + " was PT0.0000015S",
        assertThrows(IllegalArgumentException.class, () -> RedisRateLimiter.builder(server.uri())
            .limit(Limit.builder("odd").capacity(1).refillGreedy(1, Duration.ofNanos(1_500))
                .build())).getMessage());
    assertEquals("timeout must be > 0, was PT0S", assertThrows(IllegalArgumentException.class,
        () -> RedisRateLimiter.builder(server.uri()).timeout(Duration.ZERO)).getMessage());
  }
}
