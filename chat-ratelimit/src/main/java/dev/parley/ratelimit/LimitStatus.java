package dev.parley.ratelimit;

import java.time.Duration;

/**
 * Where one {@link Limit} of a key stood after a {@link Decision}: the tokens left, when the bucket
 * is full again, and how long until it would admit the same request ({@code 0} when it admitted
 * it). Times are relative to the decision.
 *
 * @param limit the limit
 * @param remaining whole tokens left after the decision, never negative
 * @param resetAfterNanos nanoseconds until the bucket is full again
 * @param retryAfterNanos nanoseconds until this limit would admit the request; 0 if it admitted it
 */
public record LimitStatus(Limit limit, long remaining, long resetAfterNanos, long retryAfterNanos) {

  /** Checks the values. */
  public LimitStatus {
    if (limit == null) {
      throw new NullPointerException("limit must not be null");
    }
    if (remaining < 0 || resetAfterNanos < 0 || retryAfterNanos < 0) {
      throw new IllegalArgumentException(
          "remaining, resetAfterNanos and retryAfterNanos must be >= 0, were " + remaining + ", "
              + resetAfterNanos + ", " + retryAfterNanos);
    }
  }

  /** Whether this limit admitted the request (the request itself may still have been denied). */
  public boolean admits() {
    return retryAfterNanos == 0;
  }

  /** {@link #resetAfterNanos()} as a duration. */
  public Duration resetAfter() {
    return Duration.ofNanos(resetAfterNanos);
  }

  /** {@link #retryAfterNanos()} as a duration. */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterNanos);
  }
}
