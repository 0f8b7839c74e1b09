package dev.parley.ratelimit.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.ratelimit.Decision;
import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.redis.RedisRateLimiter.FailureMode;
import dev.parley.resilience.CircuitState;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redis stopped or stalled in the middle of a run. */
class RedisOutageTest {

  private RedisServer server;
  private final List<CircuitState> changes = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startRedis() throws Exception {
    server = RedisServer.start();
  }

  @AfterEach
  void stopRedis() throws Exception {
    server.close();
  }

  private RedisRateLimiter limiter(FailureMode mode, Limit limit) {
    return RedisRateLimiter.builder(server.uri())
        .limit(limit)
        .failureMode(mode)
        .timeout(Duration.ofMillis(200))
        .failureThreshold(2)
        .openDelay(Duration.ofMillis(500))
        .onBreakerStateChange(change -> changes.add(change.to()))
        .build();
  }

  @Test
  void reachabilityIsTheServersNowNotTheBreakersLastWord() throws Exception {
    try (RedisRateLimiter limiter = limiter(FailureMode.DENY, Limit.perMinute(1_000))) {
      assertTrue(limiter.isReachable());
      server.stop();
      assertEquals(CircuitState.CLOSED, limiter.breakerState(), "no decision has failed yet");
      assertFalse(limiter.isReachable(), "but Redis is down, and health must say so before a request fails");
      assertEquals(CircuitState.CLOSED, limiter.breakerState(), "the probe does not trip the breaker");
      server.startProcess();
      org.awaitility.Awaitility.await("Redis reachable again").atMost(Duration.ofMinutes(1))
          .until(limiter::isReachable);
      assertTrue(limiter.isReachable());
    }
  }

  @Test
  void aStoppedRedisFailsClosedWithOneStateChangeThenRecovers() throws Exception {
    try (RedisRateLimiter limiter = limiter(FailureMode.DENY, Limit.perMinute(1_000))) {
      assertTrue(limiter.tryAcquire("k").allowed());

      server.stop();
      for (int i = 0; i < 50; i++) {
        Decision d = limiter.tryAcquire("k");
        assertFalse(d.allowed(), "fail closed, request " + i);
        assertTrue(d.retryAfter().compareTo(Duration.ofMillis(500)) <= 0, d.toString());
      }

      assertEquals(List.of(CircuitState.OPEN), changes, "one change for 50 failed requests");
      assertEquals(CircuitState.OPEN, limiter.breakerState());

      server.startProcess();
      Decision back = awaitAllowed(limiter, "k");
      assertEquals(999, back.remaining(), "decided by the restarted Redis (which keeps no data),"
          + " not by a fallback");
      assertEquals(CircuitState.CLOSED, changes.get(changes.size() - 1));
      assertTrue(changes.size() <= 12, "state changes, not requests, are reported: " + changes);
    }
  }

  @Test
  void aStalledRedisCostsOneTimeoutPerFailureThenNone() throws Exception {
    RedisClient adminClient = RedisClient.create(server.uri());
    try (StatefulRedisConnection<String, String> admin = adminClient.connect();
        RedisRateLimiter limiter = limiter(FailureMode.ALLOW, Limit.perMinute(5))) {
      assertTrue(limiter.tryAcquire("k").allowed());

      admin.sync().clientPause(3_000);
      assertTrue(limiter.tryAcquire("k").allowed(), "timed out, failing open");
      assertTrue(limiter.tryAcquire("k").allowed(), "timed out, failing open");
      assertEquals(CircuitState.OPEN, limiter.breakerState());
      // A call that asked the paused Redis would take its whole 200 ms timeout; one that did not
      // takes microseconds, however loaded the machine. No single call may take the timeout.
      Duration slowest = Duration.ZERO;
      for (int i = 0; i < 100; i++) {
        long start = System.nanoTime();
        assertTrue(limiter.tryAcquire("k").allowed(), "fail open, request " + i);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        slowest = took.compareTo(slowest) > 0 ? took : slowest;
      }
      assertTrue(slowest.compareTo(Duration.ofMillis(200)) < 0,
          "with the breaker open no call waits for Redis's 200 ms timeout; the slowest took " + slowest);
      assertEquals(List.of(CircuitState.OPEN), changes);
    } finally {
      adminClient.shutdown();
    }
  }

  @Test
  void localModeKeepsEnforcingTheLimitsInMemoryDuringAnOutage() throws Exception {
    try (RedisRateLimiter limiter = limiter(FailureMode.LOCAL, Limit.perMinute(5))) {
      assertTrue(limiter.tryAcquire("k").allowed());
      server.stop();

      int admitted = 0;
      for (int i = 0; i < 20; i++) {
        if (limiter.tryAcquire("k").allowed()) {
          admitted++;
        }
      }

      assertEquals(5, admitted, "this instance's own buckets hold the limit while Redis is down");
      assertEquals(CircuitState.OPEN, limiter.breakerState());
    }
  }

  @Test
  void aLimiterBuiltWhileRedisIsDownStartsAndConnectsLater() throws Exception {
    server.stop();
    try (RedisRateLimiter limiter = limiter(FailureMode.DENY, Limit.perMinute(5))) {
      assertFalse(limiter.tryAcquire("k").allowed());

      server.startProcess();
      Decision d = awaitAllowed(limiter, "k");

      assertEquals(4, d.remaining());
    }
  }

  private static Decision awaitAllowed(RedisRateLimiter limiter, String key)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      Decision d = limiter.tryAcquire(key);
      if (d.allowed()) {
        return d;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("Redis was not used again within 15 s: " + limiter);
  }
}
