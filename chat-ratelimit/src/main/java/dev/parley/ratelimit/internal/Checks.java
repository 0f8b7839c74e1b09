package dev.parley.ratelimit.internal;

import dev.parley.ratelimit.Limit;
import java.util.List;

/**
 * The argument checks every {@link dev.parley.ratelimit.RateLimiter} makes, so that all of them
 * refuse the same calls the same way. Not API: exported only to Parley's other limiter modules.
 */
public final class Checks {
  private Checks() {}

  /**
   * Checks a key: not null, not empty.
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static String requireKey(String key) {
    if (key == null) {
      throw new IllegalArgumentException("key must not be null");
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    return key;
  }

  /**
   * Checks the permits of a {@link dev.parley.ratelimit.RateLimiter#tryAcquire} against the limits: positive, and no more than any
   * capacity. For implementations, so that all of them reject the same requests the same way.
   *
   * @throws IllegalArgumentException naming the problem and, when too large, the limit
   */
  public static long requirePermits(long permits, List<Limit> limits) {
    requirePositivePermits(permits);
    for (Limit limit : limits) {
      if (permits > limit.capacity()) {
        throw new IllegalArgumentException(
            "permits " + permits + " exceeds the capacity " + limit.capacity() + " of limit '"
                + limit.name() + "': such a request can never be admitted");
      }
    }
    return permits;
  }

  /**
   * Checks the permits of a {@link dev.parley.ratelimit.RateLimiter#charge}: positive.
   *
   * @throws IllegalArgumentException if not
   */
  public static long requirePositivePermits(long permits) {
    if (permits <= 0) {
      throw new IllegalArgumentException("permits must be > 0, was " + permits);
    }
    return permits;
  }
}
