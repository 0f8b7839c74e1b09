package dev.parley.ratelimit;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The HTTP response headers for a {@link Decision}, for any HTTP stack:
 *
 * <ul>
 *   <li>{@code RateLimit-Limit}, {@code RateLimit-Remaining}, {@code RateLimit-Reset} (seconds
 *       until the binding limit is full again) and {@code RateLimit-Policy} (every limit, as
 *       {@code 20;w=60, 100;w=86400}), after the IETF RateLimit header fields draft;
 *   <li>the same three as {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and {@code
 *       X-RateLimit-Reset}, which many clients still read (Reset is in seconds from now here too);
 *   <li>{@code Retry-After}, in whole seconds (at least 1), on a denial only.
 * </ul>
 *
 * <pre>{@code
 * RateLimitHeaders.of(decision).forEach(response::header);
 * if (!decision.allowed()) { response.status(429); }
 * }</pre>
 */
public final class RateLimitHeaders {

  private RateLimitHeaders() {}

  /** The headers for this decision, in a stable order; unmodifiable. */
  public static Map<String, String> of(Decision decision) {
    if (decision == null) {
      throw new NullPointerException("decision must not be null");
    }
    String limit = Long.toString(decision.limit());
    String remaining = Long.toString(decision.remaining());
    String reset = Long.toString(seconds(decision.resetAfter().toNanos(), 0));
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("RateLimit-Limit", limit);
    headers.put("RateLimit-Remaining", remaining);
    headers.put("RateLimit-Reset", reset);
    headers.put("RateLimit-Policy", policy(decision));
    headers.put("X-RateLimit-Limit", limit);
    headers.put("X-RateLimit-Remaining", remaining);
    headers.put("X-RateLimit-Reset", reset);
    if (!decision.allowed()) {
      headers.put("Retry-After", Long.toString(seconds(decision.retryAfterNanos(), 1)));
    }
    return Collections.unmodifiableMap(headers);
  }

  private static String policy(Decision decision) {
    StringJoiner policy = new StringJoiner(", ");
    for (LimitStatus status : decision.limits()) {
      Limit limit = status.limit();
      policy.add(limit.capacity() + ";w=" + seconds(limit.window().toNanos(), 1));
    }
    return policy.toString();
  }

  /** Nanoseconds rounded up to whole seconds, at least {@code min}. */
  private static long seconds(long nanos, long min) {
    return Math.max(min, Limit.ceilDiv(nanos, 1_000_000_000L));
  }
}
