package dev.parley.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionTest {
  private final Limit minute = Limit.perMinute(20);
  private final Limit day = Limit.perDay(100);

  @Test
  void aDecisionBuiltFromStatusesIsDeniedByAnyLimitAndBoundByTheLongestWait() {
    Decision d = Decision.of("alice", 1, List.of(
        new LimitStatus(minute, 0, 3_000_000_000L, 3_000_000_000L),
        new LimitStatus(day, 0, 86_400_000_000_000L, 864_000_000_000L)));

    assertFalse(d.allowed());
    assertEquals(day, d.binding());
    assertEquals(Duration.ofSeconds(864), d.retryAfter());
    assertEquals(100, d.limit());
    assertEquals("3", RateLimitHeaders.of(Decision.of("bob", 1, List.of(
        new LimitStatus(minute, 0, 3_000_000_000L, 2_500_000_000L)))).get("Retry-After"));
  }

  @Test
  void anAdmittedDecisionIsBoundByTheLimitWithTheFewestLeft() {
    Decision d = Decision.of("alice", 1, List.of(
        new LimitStatus(minute, 19, 3_000_000_000L, 0),
        new LimitStatus(day, 4, 3_600_000_000_000L, 0)));

    assertTrue(d.allowed());
    assertEquals(4, d.remaining());
    assertEquals(day, d.binding());
    assertEquals(Duration.ZERO, d.retryAfter());
  }

  @Test
  void badStatusesAndDecisionsAreRejected() {
    assertEquals("limits must not be empty", assertThrows(IllegalArgumentException.class,
        () -> Decision.of("k", 1, List.of())).getMessage());
    assertEquals("key must not be empty", assertThrows(IllegalArgumentException.class,
        () -> Decision.of("", 1, List.of(new LimitStatus(minute, 1, 0, 0)))).getMessage());
    assertEquals("remaining, resetAfterNanos and retryAfterNanos must be >= 0, were -1, 0, 0",
        assertThrows(IllegalArgumentException.class,
            () -> new LimitStatus(minute, -1, 0, 0)).getMessage());
    RateLimiter limiter = TokenBucketRateLimiter.of(minute);
    assertEquals("maxWait must be >= 0, was PT-1S", assertThrows(IllegalArgumentException.class,
        () -> limiter.acquire("k", 1, Duration.ofSeconds(-1))).getMessage());
  }
}
