package dev.parley.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * An in-memory {@link RateLimiter}: one token bucket per limit per key, in exact integer
 * arithmetic (no rounding, so N threads on one key are admitted exactly the capacity).
 * Thread-safe; share one instance per kind of quota.
 *
 * <pre>{@code
 * RateLimiter perUser = TokenBucketRateLimiter.builder()
 *     .limit(Limit.perMinute(20))
 *     .limit(Limit.perDay(100))
 *     .build();
 * Decision d = perUser.tryAcquire(userId);
 * if (!d.allowed()) { return tooManyRequests(d.retryAfter()); }
 * }</pre>
 *
 * <h2>Memory</h2>
 * A key costs one {@code long[2 × limits]} (32 bytes for one limit) plus its entry in a Caffeine
 * cache. A key left idle long enough to be full again is evicted: forgetting it loses nothing,
 * since a new key starts full. That idle time is, by default, the time to refill from the deepest
 * debt to full; {@link Builder#idleKeyTimeout} shortens it (an evicted key then starts full
 * early). {@link Builder#maximumKeys} (default 1,000,000) bounds the number of keys whatever their
 * idle time; past it the least valuable keys are evicted, which is lossy in the same way.
 *
 * <h2>Concurrency</h2>
 * Each key's buckets are updated under that key's own monitor, held for a few arithmetic steps;
 * different keys never contend. All limits of a key are checked and charged in one step.
 *
 * <h2>Time</h2>
 * Time comes from a nanosecond ticker, {@link System#nanoTime()} unless {@link Builder#ticker}
 * gives another (tests use a fake one and never sleep).
 */
public final class TokenBucketRateLimiter implements RateLimiter {

  private static final long DEFAULT_MAXIMUM_KEYS = 1_000_000;

  private final Limit[] limits;
  private final List<Limit> limitList;
  private final LongSupplier ticker;
  private final Cache<String, long[]> buckets;
  private final Function<String, long[]> newBuckets = key -> fullBuckets();

  private TokenBucketRateLimiter(Builder b) {
    this.limits = b.limits.toArray(new Limit[0]);
    this.limitList = List.copyOf(b.limits);
    this.ticker = b.ticker;
    Duration idle = b.idleKeyTimeout != null ? b.idleKeyTimeout : losslessIdleTimeout(limits);
    this.buckets = Caffeine.newBuilder()
        .ticker(ticker::getAsLong)
        .expireAfterAccess(idle)
        .maximumSize(b.maximumKeys)
        .build();
  }

  /** A limiter for these limits with the defaults (system ticker, up to 1,000,000 keys). */
  public static TokenBucketRateLimiter of(Limit... limits) {
    Builder b = builder();
    for (Limit limit : limits) {
      b.limit(limit);
    }
    return b.build();
  }

  /** A builder; at least one limit is required. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Decision tryAcquire(String key, long permits) {
    RateLimiter.requireKey(key);
    checkPermits(permits);
    long[] state = buckets.get(key, newBuckets);
    LimitStatus[] out = new LimitStatus[limits.length];
    synchronized (state) {
      long now = ticker.getAsLong();
      boolean admitted = true;
      for (int i = 0; i < limits.length; i++) {
        refill(limits[i], state, i << 1, now);
        if (state[i << 1] < permits * limits[i].unitsPerToken) {
          admitted = false;
        }
      }
      for (int i = 0; i < limits.length; i++) {
        Limit limit = limits[i];
        int at = i << 1;
        long need = permits * limit.unitsPerToken;
        boolean admits = state[at] >= need;
        if (admitted) {
          state[at] -= need;
        }
        out[i] = status(limit, state[at], state[at + 1], now, admits ? 0 : need);
      }
    }
    return Decision.ofTrusted(key, permits, out);
  }

  @Override
  public Decision charge(String key, long permits) {
    RateLimiter.requireKey(key);
    RateLimiter.requirePositivePermits(permits);
    long[] state = buckets.get(key, newBuckets);
    LimitStatus[] out = new LimitStatus[limits.length];
    synchronized (state) {
      long now = ticker.getAsLong();
      for (int i = 0; i < limits.length; i++) {
        Limit limit = limits[i];
        int at = i << 1;
        refill(limit, state, at, now);
        // The debt is bounded by one capacity, so any larger charge counts as two capacities.
        long charged = Math.min(permits, 2 * limit.capacity()) * limit.unitsPerToken;
        state[at] = Math.max(state[at] - charged, -limit.capacityUnits);
        long one = limit.unitsPerToken;
        out[i] = status(limit, state[at], state[at + 1], now, state[at] >= one ? 0 : one);
      }
    }
    return Decision.ofTrusted(key, permits, out);
  }

  @Override
  public List<Limit> limits() {
    return limitList;
  }

  /**
   * The number of keys held now, after evicting those that are due (idle or over the maximum).
   */
  public long trackedKeys() {
    buckets.cleanUp();
    return buckets.estimatedSize();
  }

  private void checkPermits(long permits) {
    if (permits <= 0) {
      RateLimiter.requirePositivePermits(permits);
    }
    for (Limit limit : limits) {
      if (permits > limit.capacity()) {
        RateLimiter.requirePermits(permits, limitList);
      }
    }
  }

  private long[] fullBuckets() {
    long now = ticker.getAsLong();
    long[] state = new long[limits.length << 1];
    for (int i = 0; i < limits.length; i++) {
      state[i << 1] = limits[i].capacityUnits;
      state[(i << 1) + 1] = now;
    }
    return state;
  }

  /** Brings bucket {@code at} of {@code state} up to {@code now}. */
  static void refill(Limit limit, long[] state, int at, long now) {
    long units = state[at];
    long last = state[at + 1];
    long elapsed = now - last;
    if (limit.refill() == Limit.Refill.GREEDY) {
      if (elapsed <= 0) {
        return;
      }
      long missing = limit.capacityUnits - units;
      if (missing > 0) {
        state[at] = elapsed >= Limit.ceilDiv(missing, limit.unitsPerNano)
            ? limit.capacityUnits
            : units + elapsed * limit.unitsPerNano;
      }
      state[at + 1] = now;
    } else {
      if (elapsed < limit.periodNanos) {
        return;
      }
      long periods = elapsed / limit.periodNanos;
      long missing = limit.capacityUnits - units;
      if (missing > 0) {
        state[at] = periods >= Limit.ceilDiv(missing, limit.unitsPerPeriod)
            ? limit.capacityUnits
            : units + periods * limit.unitsPerPeriod;
      }
      state[at + 1] = last + periods * limit.periodNanos;
    }
  }

  /** Nanoseconds from {@code now} until a bucket refilled up to {@code now} holds {@code target}. */
  static long nanosUntil(Limit limit, long units, long last, long now, long target) {
    long deficit = target - units;
    if (deficit <= 0) {
      return 0;
    }
    if (limit.refill() == Limit.Refill.GREEDY) {
      return Limit.ceilDiv(deficit, limit.unitsPerNano);
    }
    long periods = Limit.ceilDiv(deficit, limit.unitsPerPeriod);
    return Math.max(0, last + periods * limit.periodNanos - now);
  }

  private static LimitStatus status(Limit limit, long units, long last, long now, long need) {
    long remaining = units <= 0 ? 0 : units / limit.unitsPerToken;
    long reset = nanosUntil(limit, units, last, now, limit.capacityUnits);
    long retry = need == 0 ? 0 : Math.max(1, nanosUntil(limit, units, last, now, need));
    return new LimitStatus(limit, remaining, reset, retry);
  }

  /** Time to refill from the deepest debt (minus one capacity) to full, with a period to spare. */
  static Duration losslessIdleTimeout(Limit[] limits) {
    long longest = 0;
    for (Limit limit : limits) {
      long nanos = nanosUntil(limit, -limit.capacityUnits, 0, 0, limit.capacityUnits);
      longest = Math.max(longest, nanos + limit.periodNanos);
    }
    return Duration.ofNanos(longest);
  }

  @Override
  public String toString() {
    return "TokenBucketRateLimiter" + limitList;
  }

  /** Builds a {@link TokenBucketRateLimiter}. Not thread-safe. */
  public static final class Builder {
    private final List<Limit> limits = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private LongSupplier ticker = System::nanoTime;
    private long maximumKeys = DEFAULT_MAXIMUM_KEYS;
    private Duration idleKeyTimeout;

    private Builder() {}

    /**
     * Adds a limit every key is held to.
     *
     * @throws IllegalArgumentException if null, or if another limit already has its name
     */
    public Builder limit(Limit limit) {
      if (limit == null) {
        throw new IllegalArgumentException("limit must not be null");
      }
      if (!names.add(limit.name())) {
        throw new IllegalArgumentException(
            "two limits are named '" + limit.name() + "'; give each limit its own name");
      }
      limits.add(limit);
      return this;
    }

    /** The source of time, in nanoseconds; {@link System#nanoTime()} by default. */
    public Builder ticker(LongSupplier nanoTicker) {
      if (nanoTicker == null) {
        throw new IllegalArgumentException("nanoTicker must not be null");
      }
      this.ticker = nanoTicker;
      return this;
    }

    /** The most keys held at once (default 1,000,000); past it the least used are evicted. */
    public Builder maximumKeys(long maximumKeys) {
      if (maximumKeys <= 0) {
        throw new IllegalArgumentException("maximumKeys must be > 0, was " + maximumKeys);
      }
      this.maximumKeys = maximumKeys;
      return this;
    }

    /**
     * Evicts a key idle this long. By default, the time its buckets take to refill from the
     * deepest debt, so that eviction never lets a key spend more; shorter saves memory but lets an
     * evicted key start full again early.
     */
    public Builder idleKeyTimeout(Duration idleKeyTimeout) {
      Limit.requirePositive(idleKeyTimeout, "idleKeyTimeout");
      this.idleKeyTimeout = idleKeyTimeout;
      return this;
    }

    /**
     * The limiter.
     *
     * @throws IllegalStateException if no limit was added
     */
    public TokenBucketRateLimiter build() {
      if (limits.isEmpty()) {
        throw new IllegalStateException("no limit was added; call limit(..) at least once");
      }
      return new TokenBucketRateLimiter(this);
    }
  }
}
