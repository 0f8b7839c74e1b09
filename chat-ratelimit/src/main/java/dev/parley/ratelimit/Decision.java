package dev.parley.ratelimit;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The answer of a {@link RateLimiter} for one key and a number of permits: admitted or not, and
 * where each of the key's limits stands. A denial is a value, not an exception. Immutable.
 *
 * <p>The overall figures ({@link #remaining()}, {@link #limit()}, {@link #resetAfter()}) are those
 * of the {@linkplain #binding() binding limit}: when denied, the limit that forces the longest
 * wait; when admitted, the one with the fewest tokens left. {@link #retryAfter()} is zero when
 * admitted, and otherwise the wait until every limit would admit the same request.
 */
public final class Decision {

  private final String key;
  private final long permits;
  private final boolean allowed;
  private final LimitStatus[] limits;
  private final int binding;

  private Decision(String key, long permits, LimitStatus[] limits) {
    this.key = key;
    this.permits = permits;
    this.limits = limits;
    boolean admitted = true;
    int bind = 0;
    for (int i = 0; i < limits.length; i++) {
      LimitStatus s = limits[i];
      LimitStatus b = limits[bind];
      if (!s.admits()) {
        admitted = false;
      }
      if (s.retryAfterNanos() > b.retryAfterNanos()
          || (s.retryAfterNanos() == b.retryAfterNanos() && s.remaining() < b.remaining())) {
        bind = i;
      }
    }
    this.allowed = admitted;
    this.binding = bind;
  }

  /**
   * A decision from the status of each limit: admitted when every limit admits. For {@link
   * RateLimiter} implementations and test fakes.
   *
   * @throws IllegalArgumentException if the key is empty, permits is negative, or no status is given
   */
  public static Decision of(String key, long permits, List<LimitStatus> limits) {
    RateLimiter.requireKey(key);
    if (permits < 0) {
      throw new IllegalArgumentException("permits must be >= 0, was " + permits);
    }
    if (limits == null || limits.isEmpty()) {
      throw new IllegalArgumentException("limits must not be empty");
    }
    return new Decision(key, permits, limits.toArray(new LimitStatus[0]));
  }

  static Decision ofTrusted(String key, long permits, LimitStatus[] limits) {
    return new Decision(key, permits, limits);
  }

  /** Whether the request was admitted; if so its permits were taken from every limit. */
  public boolean allowed() {
    return allowed;
  }

  /** The key the decision is for. */
  public String key() {
    return key;
  }

  /** The permits asked for. */
  public long permits() {
    return permits;
  }

  /** Tokens left in the binding limit after this decision. */
  public long remaining() {
    return limits[binding].remaining();
  }

  /** The capacity of the binding limit. */
  public long limit() {
    return limits[binding].limit().capacity();
  }

  /** The limit that decided: the one that denied (the longest wait) or has the fewest left. */
  public Limit binding() {
    return limits[binding].limit();
  }

  /** Zero when admitted; otherwise how long until the same request would be admitted. */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterNanos());
  }

  /** {@link #retryAfter()} in nanoseconds. */
  public long retryAfterNanos() {
    return limits[binding].retryAfterNanos();
  }

  /** How long until the binding limit's bucket is full again. */
  public Duration resetAfter() {
    return Duration.ofNanos(limits[binding].resetAfterNanos());
  }

  /** Every limit of the key, in the order the limiter was configured. */
  public List<LimitStatus> limits() {
    return List.of(limits);
  }

  @Override
  public String toString() {
    return "Decision[" + (allowed ? "allowed" : "denied") + " " + permits + " for '" + key
        + "', remaining " + remaining() + "/" + limit() + " (" + binding().name() + ")"
        + (allowed ? "" : ", retry after " + retryAfter()) + ", limits " + Arrays.toString(limits)
        + "]";
  }
}
