package dev.parley.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

  private final FakeTicker ticker = new FakeTicker();
  private final RateLimiter limiter = TokenBucketRateLimiter.builder().ticker(ticker)
      .limit(Limit.perMinute(20)).limit(Limit.perDay(100)).build();

  @Test
  void anAdmittedRequestCarriesTheBindingLimitAndThePolicyButNoRetryAfter() {
    Map<String, String> headers = RateLimitHeaders.of(limiter.tryAcquire("alice"));

    assertEquals(Map.of(
        "RateLimit-Limit", "20",
        "RateLimit-Remaining", "19",
        "RateLimit-Reset", "3",
        "RateLimit-Policy", "20;w=60, 100;w=86400",
        "X-RateLimit-Limit", "20",
        "X-RateLimit-Remaining", "19",
        "X-RateLimit-Reset", "3"), headers);
    assertEquals(List.of("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
        "RateLimit-Policy", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"),
        List.copyOf(headers.keySet()));
  }

  @Test
  void aDenialAddsRetryAfterInWholeSecondsRoundedUp() {
    for (int i = 0; i < 20; i++) {
      limiter.tryAcquire("alice");
    }
    ticker.advance(Duration.ofMillis(500));

    Decision denied = limiter.tryAcquire("alice");
    Map<String, String> headers = RateLimitHeaders.of(denied);

    assertFalse(denied.allowed());
    assertEquals("3", headers.get("Retry-After"), "2.5 s rounds up");
    assertEquals("0", headers.get("RateLimit-Remaining"));
    assertEquals("60", headers.get("RateLimit-Reset"), "59.5 s rounds up");
  }

  @Test
  void aNullDecisionIsRejected() {
    assertThrows(NullPointerException.class, () -> RateLimitHeaders.of(null));
  }
}
