package dev.parley.ratelimit;

import dev.parley.ratelimit.internal.Checks;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The answer of a {@link RateLimiter} for one key and a number of permits: admitted or not, and
 * where each of the key's limits stands. A denial is a value, not an exception. Immutable and
 * thread-safe.
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

  // Either the statuses are given, or they are derived on first use from a copy of the buckets
  // taken under the key's lock: the hot path then only copies, and the divisions are paid by the
  // callers that read the figures.
  private final Limit @Nullable [] limits;
  private final long @Nullable [] buckets;
  private final long units0;
  private final long last0;
  private final long now;
  private final boolean charge;
  private volatile LimitStatus @Nullable [] statuses;
  private volatile int bindingIndex = -1;

  private Decision(String key, long permits, boolean allowed, LimitStatus[] statuses) {
    this.key = key;
    this.permits = permits;
    this.allowed = allowed;
    this.statuses = statuses;
    this.limits = null;
    this.buckets = null;
    this.units0 = 0;
    this.last0 = 0;
    this.now = 0;
    this.charge = false;
  }

  private Decision(String key, long permits, boolean allowed, boolean charge, Limit[] limits,
      long @Nullable [] buckets, long units0, long last0, long now) {
    this.key = key;
    this.permits = permits;
    this.allowed = allowed;
    this.charge = charge;
    this.limits = limits;
    this.buckets = buckets;
    this.units0 = units0;
    this.last0 = last0;
    this.now = now;
  }

  /**
   * A decision from the status of each limit: admitted when every limit admits. For {@link
   * RateLimiter} implementations and test fakes.
   *
   * @throws IllegalArgumentException if the key is empty, permits is negative, or no status is given
   */
  public static Decision of(String key, long permits, List<LimitStatus> limits) {
    Checks.requireKey(key);
    if (permits < 0) {
      throw new IllegalArgumentException("permits must be >= 0, was " + permits);
    }
    if (limits == null || limits.isEmpty()) {
      throw new IllegalArgumentException("limits must not be empty");
    }
    LimitStatus[] statuses = limits.toArray(new LimitStatus[0]);
    boolean admitted = true;
    for (LimitStatus status : statuses) {
      admitted &= status.admits();
    }
    return new Decision(key, permits, admitted, statuses);
  }

  /**
   * A decision over a copy of a key's buckets ({@link Buckets} layout) at {@code now}: after the
   * admission for an admitted acquire, as found for a denied one, after the charge for a charge.
   */
  static Decision ofBuckets(String key, long permits, boolean allowed, boolean charge,
      Limit[] limits, long[] buckets, long now) {
    return new Decision(key, permits, allowed, charge, limits, buckets, 0, 0, now);
  }

  /** {@link #ofBuckets} for a single limit, without an array. */
  static Decision ofBucket(String key, long permits, boolean allowed, boolean charge,
      Limit[] limits, long units, long last, long now) {
    return new Decision(key, permits, allowed, charge, limits, null, units, last, now);
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
    if (limits != null && limits.length == 1) {
      long units = buckets == null ? units0 : buckets[0];
      long unitsPerToken = limits[0].unitsPerToken;
      return units <= 0 ? 0 : unitsPerToken == 1 ? units : units / unitsPerToken;
    }
    return statuses()[bindingIndex()].remaining();
  }

  /** The capacity of the binding limit. */
  public long limit() {
    return binding().capacity();
  }

  /** The limit that decided: the one that denied (the longest wait) or has the fewest left. */
  public Limit binding() {
    if (limits != null && limits.length == 1) {
      return limits[0];
    }
    return statuses()[bindingIndex()].limit();
  }

  /** Zero when admitted; otherwise how long until the same request would be admitted. */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterNanos());
  }

  /** {@link #retryAfter()} in nanoseconds. */
  public long retryAfterNanos() {
    return allowed ? 0 : statuses()[bindingIndex()].retryAfterNanos();
  }

  /** How long until the binding limit's bucket is full again. */
  public Duration resetAfter() {
    return Duration.ofNanos(statuses()[bindingIndex()].resetAfterNanos());
  }

  /** Every limit of the key, in the order the limiter was configured. */
  public List<LimitStatus> limits() {
    return List.of(statuses());
  }

  private int bindingIndex() {
    int known = bindingIndex;
    if (known >= 0) {
      return known;
    }
    LimitStatus[] all = statuses();
    int bind = 0;
    for (int i = 1; i < all.length; i++) {
      LimitStatus s = all[i];
      LimitStatus b = all[bind];
      if (s.retryAfterNanos() > b.retryAfterNanos()
          || (s.retryAfterNanos() == b.retryAfterNanos() && s.remaining() < b.remaining())) {
        bind = i;
      }
    }
    bindingIndex = bind;
    return bind;
  }

  private LimitStatus[] statuses() {
    LimitStatus[] known = statuses;
    if (known != null) {
      return known;
    }
    Limit[] all = limits;
    long[] state = buckets != null ? buckets : new long[] {units0, last0};
    if (all == null) {
      throw new IllegalStateException("a decision holds statuses or buckets");
    }
    LimitStatus[] derived = new LimitStatus[all.length];
    for (int i = 0; i < all.length; i++) {
      Limit limit = all[i];
      long units = state[i << 1];
      long last = state[(i << 1) + 1];
      long need = charge ? limit.unitsPerToken : permits * limit.unitsPerToken;
      boolean admits = (allowed && !charge) || units >= need;
      long remaining = units <= 0 ? 0 : units / limit.unitsPerToken;
      long reset = Buckets.nanosUntil(limit, units, last, now, limit.capacityUnits);
      long retry = admits ? 0 : Math.max(1, Buckets.nanosUntil(limit, units, last, now, need));
      derived[i] = new LimitStatus(limit, remaining, reset, retry);
    }
    statuses = derived;
    return derived;
  }

  @Override
  public String toString() {
    return "Decision[" + (allowed ? "allowed" : "denied") + " " + permits + " for '" + key
        + "', remaining " + remaining() + "/" + limit() + " (" + binding().name() + ")"
        + (allowed ? "" : ", retry after " + retryAfter()) + ", limits "
        + Arrays.toString(statuses()) + "]";
  }
}
