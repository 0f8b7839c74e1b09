package dev.parley.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.parley.ratelimit.internal.Checks;
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
 * A key costs about 56 bytes with one limit (a holder and a {@code long[2 × limits]}) plus its
 * entry in a Caffeine cache. A key left idle long enough to be full again is evicted: forgetting it
 * loses nothing, since a new key starts full. That idle time is, by default, the time to refill
 * from the deepest debt to full plus one refill period; eviction comes between it and a quarter
 * more. {@link Builder#idleKeyTimeout} shortens it (an evicted key then starts full early). So the
 * keys held are those active within that time. {@link Builder#maximumKeys} also bounds their number
 * whatever their activity, at a cost of about a fifth of the throughput on a hot key (Caffeine then
 * records every read for its eviction policy).
 *
 * <h2>Concurrency</h2>
 * Each key's buckets are updated in place under that key's own monitor, held only for the
 * arithmetic of one decision (no allocation, no I/O, no callback), so different keys never contend
 * and the only lock ever held is one key's. All limits of a key are checked and charged in that one
 * step; a denial takes nothing. (A lock-free compare-and-set of an immutable copy was measured too:
 * it allocates on every call and was slower on one thread and over many keys; see the benchmarks.)
 *
 * <h2>Time</h2>
 * Time comes from a nanosecond ticker, {@link System#nanoTime()} unless {@link Builder#ticker}
 * gives another (tests use a fake one and never sleep).
 */
public final class TokenBucketRateLimiter implements RateLimiter {

  private static final long COARSE_STEP_NANOS = 1_000_000;

  private final Limit[] limits;
  private final List<Limit> limitList;
  private final LongSupplier ticker;
  private final Cache<String, KeyState> buckets;
  private final long renewEveryNanos;
  private volatile long coarseNow;
  private final Function<String, KeyState> newKey = key -> {
    long[] full = fullBuckets();
    return new KeyState(full, full[1]);
  };

  /** A key's buckets, updated in place under the holder's monitor; and its last renewal. */
  static final class KeyState {
    final long[] buckets;
    long renewedAt;

    KeyState(long[] buckets, long renewedAt) {
      this.buckets = buckets;
      this.renewedAt = renewedAt;
    }
  }

  private TokenBucketRateLimiter(Builder b) {
    this.limits = b.limits.toArray(new Limit[0]);
    this.limitList = List.copyOf(b.limits);
    this.ticker = b.ticker;
    this.coarseNow = ticker.getAsLong();
    Duration idle = b.idleKeyTimeout != null ? b.idleKeyTimeout : losslessIdleTimeout(limits);
    // Entries expire a fixed time after they were last written, and an active key's entry is
    // written again (renewed) once a quarter of the idle time has passed. So a key is kept at
    // least the idle time after its last use, and at most a quarter longer; and reads need no
    // bookkeeping in Caffeine, as expiry after access would.
    this.renewEveryNanos = Math.max(1, idle.toNanos() / 4);
    Caffeine<Object, Object> cache = Caffeine.newBuilder()
        .ticker(() -> coarseNow)
        .expireAfterWrite(idle.plusNanos(renewEveryNanos));
    if (b.maximumKeys > 0) {
      cache.maximumSize(b.maximumKeys);
    }
    this.buckets = cache.build();
  }

  /** A limiter for these limits with the defaults (system ticker, idle keys evicted). */
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
    Checks.requireKey(key);
    checkPermits(permits);
    KeyState state = keyState(key);
    long now = now();
    long[] b = state.buckets;
    if (limits.length == 1) {
      Limit limit = limits[0];
      long need = permits * limit.unitsPerToken;
      long units;
      long last;
      boolean admitted;
      synchronized (state) {
        Buckets.refill(limit, b, 0, now);
        units = b[0];
        admitted = units >= need;
        if (admitted) {
          units -= need;
          b[0] = units;
        }
        last = b[1];
      }
      renew(key, state, now);
      return Decision.ofBucket(key, permits, admitted, false, limits, units, last, now);
    }
    boolean admitted = true;
    long[] snapshot;
    synchronized (state) {
      for (int i = 0; i < limits.length; i++) {
        Buckets.refill(limits[i], b, i << 1, now);
        if (b[i << 1] < permits * limits[i].unitsPerToken) {
          admitted = false;
        }
      }
      // A denial takes nothing; an admission takes from every limit.
      if (admitted) {
        for (int i = 0; i < limits.length; i++) {
          b[i << 1] -= permits * limits[i].unitsPerToken;
        }
      }
      snapshot = b.clone();
    }
    renew(key, state, now);
    return Decision.ofBuckets(key, permits, admitted, false, limits, snapshot, now);
  }

  @Override
  public Decision charge(String key, long permits) {
    Checks.requireKey(key);
    Checks.requirePositivePermits(permits);
    // The debt is bounded by one capacity, so any larger charge counts as two capacities.
    return adjust(key, permits, (limit, units) ->
        Math.max(units - Math.min(permits, 2 * limit.capacity()) * limit.unitsPerToken, -limit.capacityUnits));
  }

  @Override
  public Decision release(String key, long permits) {
    Checks.requireKey(key);
    Checks.requirePositivePermits(permits);
    // Never more than one capacity back, so the product cannot overflow.
    return adjust(key, permits, (limit, units) ->
        Math.min(units + Math.min(permits, limit.capacity()) * limit.unitsPerToken, limit.capacityUnits));
  }

  /** A bucket's new units after a charge or a release. */
  private interface Adjustment {
    long apply(Limit limit, long units);
  }

  /** Changes every limit of the key unconditionally; the decision says whether one permit would now be admitted. */
  private Decision adjust(String key, long permits, Adjustment adjustment) {
    KeyState state = keyState(key);
    long now = now();
    long[] b = state.buckets;
    boolean admitsOne = true;
    long[] snapshot;
    synchronized (state) {
      for (int i = 0; i < limits.length; i++) {
        Limit limit = limits[i];
        int at = i << 1;
        Buckets.refill(limit, b, at, now);
        b[at] = adjustment.apply(limit, b[at]);
        if (b[at] < limit.unitsPerToken) {
          admitsOne = false;
        }
      }
      snapshot = b.clone();
    }
    renew(key, state, now);
    return Decision.ofBuckets(key, permits, admitsOne, true, limits, snapshot, now);
  }

  private KeyState keyState(String key) {
    return buckets.get(key, newKey);
  }

  /** Writes an active key's entry again once a quarter of the idle time has passed. */
  private void renew(String key, KeyState state, long now) {
    if (now - state.renewedAt > renewEveryNanos) {
      state.renewedAt = now;
      buckets.put(key, state);
    }
  }

  /**
   * Reads the ticker, and keeps the coarse clock that Caffeine's idle expiry reads current to the
   * millisecond: Caffeine reads it on every lookup, and a field read is cheaper than a second
   * clock read. It is only ever behind, so expiry can only come later, never early.
   */
  private long now() {
    long now = ticker.getAsLong();
    if (now - coarseNow > COARSE_STEP_NANOS) {
      coarseNow = now;
    }
    return now;
  }

  @Override
  public List<Limit> limits() {
    return limitList;
  }

  /**
   * The number of keys held now, after evicting those that are due (idle or over the maximum).
   */
  public long trackedKeys() {
    coarseNow = ticker.getAsLong();
    buckets.cleanUp();
    return buckets.estimatedSize();
  }

  private void checkPermits(long permits) {
    if (permits <= 0) {
      Checks.requirePositivePermits(permits);
    }
    for (Limit limit : limits) {
      if (permits > limit.capacity()) {
        Checks.requirePermits(permits, limitList);
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

  /** Time to refill from the deepest debt (minus one capacity) to full, with a period to spare. */
  static Duration losslessIdleTimeout(Limit[] limits) {
    long longest = 0;
    for (Limit limit : limits) {
      long nanos = Buckets.nanosUntil(limit, -limit.capacityUnits, 0, 0, limit.capacityUnits);
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
    private long maximumKeys;
    private Duration idleKeyTimeout;

    private Builder() {}

    /**
     * Adds a limit every key is held to.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if another limit already has its name
     */
    public Builder limit(Limit limit) {
      Checks.notNull(limit, "limit");
      if (!names.add(limit.name())) {
        throw new IllegalArgumentException(
            "two limits are named '" + limit.name() + "'; give each limit its own name");
      }
      limits.add(limit);
      return this;
    }

    /** The source of time, in nanoseconds; {@link System#nanoTime()} by default. */
    public Builder ticker(LongSupplier ticker) {
      if (ticker == null) {
        throw new NullPointerException("ticker must not be null");
      }
      this.ticker = ticker;
      return this;
    }

    /**
     * The most keys held at once, whatever their activity; past it the least valuable are evicted
     * (and start full when they come back). Unbounded by default: idle keys are evicted anyway.
     * Costs about a fifth of the throughput on a hot key.
     */
    public Builder maximumKeys(long maximumKeys) {
      if (maximumKeys <= 0) {
        throw new IllegalArgumentException("maximumKeys must be > 0, was " + maximumKeys);
      }
      this.maximumKeys = maximumKeys;
      return this;
    }

    /**
     * Evicts a key idle this long (or up to a quarter longer). By default, the time its buckets
     * take to refill from the deepest debt plus a period, so that eviction never lets a key spend
     * more; shorter saves memory but lets an evicted key start full again early.
     */
    public Builder idleKeyTimeout(Duration idleKeyTimeout) {
      Checks.positive(idleKeyTimeout, "idleKeyTimeout");
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
