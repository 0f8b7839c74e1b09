package dev.parley.ratelimit.internal;

import dev.parley.ratelimit.Limit;
import java.time.Duration;
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
      throw new NullPointerException("key must not be null");
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

  /**
   * Checks a setting is given.
   *
   * @throws IllegalArgumentException naming the setting
   */
  public static <T> T notNull(T value, String name) {
    if (value == null) {
      throw new NullPointerException(name + " must not be null");
    }
    return value;
  }

  /**
   * Checks a count setting is positive.
   *
   * @throws IllegalArgumentException naming the setting and the value
   */
  public static int positive(int value, String name) {
    return Math.toIntExact(positive((long) value, name));
  }

  /**
   * Checks an amount setting is positive.
   *
   * @throws IllegalArgumentException naming the setting and the value
   */
  public static long positive(long value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, was " + value);
    }
    return value;
  }

  /**
   * Checks a duration setting is given and positive.
   *
   * @throws IllegalArgumentException naming the setting and the value
   */
  public static Duration positive(Duration value, String name) {
    notNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0, was " + value);
    }
    return value;
  }
}
