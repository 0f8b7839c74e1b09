package dev.parley.ratelimit;

import dev.parley.ratelimit.internal.BucketUnits;
import dev.parley.ratelimit.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One token bucket: a capacity, and how tokens come back. Immutable and thread-safe.
 *
 * <p>{@link Refill#GREEDY} adds tokens continuously ({@code Limit.perMinute(20)} gives one token
 * back every 3 seconds); {@link Refill#INTERVALLY} adds the whole amount at once at the end of each
 * period, which gives a cooldown ({@code Limit.builder("burst").capacity(3)
 * .refillIntervally(3, Duration.ofSeconds(10))}: three requests, then nothing for the rest of the
 * ten seconds).
 *
 * <pre>{@code
 * RateLimiter perUser = TokenBucketRateLimiter.builder()
 *     .limit(Limit.perMinute(20))
 *     .limit(Limit.perDay(100))
 *     .build();
 * }</pre>
 *
 * <p>A limit's {@linkplain #name() name} identifies it in {@link Decision}s, in the {@code
 * RateLimit-Policy} header and in shared stores, so the limits of one limiter have distinct names.
 */
public final class Limit {

  /** How a bucket refills. */
  public enum Refill {
    /** Tokens come back continuously, one at a time, as soon as each is due. */
    GREEDY,
    /** All of a period's tokens come back at once, at the end of the period. */
    INTERVALLY
  }

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /**
   * Largest bucket, in internal units (tokens × period ÷ gcd), that keeps all arithmetic exact in
   * 64 bits with room for a debt of one capacity and a refill step.
   */
  private static final long MAX_UNITS = Long.MAX_VALUE / 8;

  private final String name;
  private final long capacity;
  private final long refillTokens;
  private final Duration refillPeriod;
  private final Refill refill;

  // Exact integer arithmetic: one token is `unitsPerToken` units, and `unitsPerNano` units come
  // back every nanosecond (GREEDY) or `unitsPerPeriod` every period (INTERVALLY). Both come from
  // refillTokens / periodNanos reduced by their gcd, so no rounding ever happens.
  final long periodNanos;
  final long unitsPerToken;
  final long unitsPerNano;
  final long unitsPerPeriod;
  final long capacityUnits;
  /** Nanoseconds a greedy bucket takes from the deepest debt (minus a capacity) to full. */
  final long fillNanos;

  private Limit(Builder b) {
    this.name = b.name;
    this.capacity = b.capacity;
    this.refillTokens = b.refillTokens;
    this.refillPeriod = Objects.requireNonNull(b.refillPeriod);
    this.refill = Objects.requireNonNull(b.refill);
    BucketUnits units = BucketUnits.of(name, capacity, refillTokens, refillPeriod, refillPeriod.toNanos(), MAX_UNITS);
    this.periodNanos = units.periodTicks();
    this.unitsPerToken = units.unitsPerToken();
    this.unitsPerNano = units.unitsPerTick();
    this.capacityUnits = units.capacityUnits();
    this.unitsPerPeriod = units.unitsPerPeriod();
    this.fillNanos = ceilDiv(2 * capacityUnits, unitsPerNano);
  }

  /** {@code permits} per second, refilled greedily, named {@code <permits>-per-second}. */
  public static Limit perSecond(long permits) {
    return of(permits, Duration.ofSeconds(1));
  }

  /** {@code permits} per minute, refilled greedily, named {@code <permits>-per-minute}. */
  public static Limit perMinute(long permits) {
    return of(permits, Duration.ofMinutes(1));
  }

  /** {@code permits} per hour, refilled greedily, named {@code <permits>-per-hour}. */
  public static Limit perHour(long permits) {
    return of(permits, Duration.ofHours(1));
  }

  /** {@code permits} per day, refilled greedily, named {@code <permits>-per-day}. */
  public static Limit perDay(long permits) {
    return of(permits, Duration.ofDays(1));
  }

  /**
   * A bucket of {@code capacity} that refills greedily at {@code capacity} per {@code period}, named
   * after both ({@code 20-per-minute}, {@code 5-per-90s}).
   */
  public static Limit of(long capacity, Duration period) {
    Checks.positive(capacity, "capacity");
    Checks.positive(period, "period");
    return builder(defaultName(capacity, period)).capacity(capacity)
        .refillGreedy(capacity, period).build();
  }

  /** A builder for a limit with the given name (letters, digits, {@code . _ -}; at most 64). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The name that identifies this limit among its limiter's limits. */
  public String name() {
    return name;
  }

  /** The most tokens the bucket holds, and so the largest burst. */
  public long capacity() {
    return capacity;
  }

  /** How many tokens come back per {@link #refillPeriod()}. */
  public long refillTokens() {
    return refillTokens;
  }

  /** The period over which {@link #refillTokens()} come back. */
  public Duration refillPeriod() {
    return refillPeriod;
  }

  /** Whether tokens come back continuously or a period's worth at a time. */
  public Refill refill() {
    return refill;
  }

  /**
   * How long an empty bucket takes to fill completely: the window of this limit, as used by the
   * {@code RateLimit-Policy} header ({@code w=}).
   */
  public Duration window() {
    if (refill == Refill.GREEDY) {
      return Duration.ofNanos(ceilDiv(capacityUnits, unitsPerNano));
    }
    return refillPeriod.multipliedBy(ceilDiv(capacityUnits, unitsPerPeriod));
  }

  private static String defaultName(long capacity, Duration period) {
    String unit;
    if (period.equals(Duration.ofSeconds(1))) {
      unit = "second";
    } else if (period.equals(Duration.ofMinutes(1))) {
      unit = "minute";
    } else if (period.equals(Duration.ofHours(1))) {
      unit = "hour";
    } else if (period.equals(Duration.ofDays(1))) {
      unit = "day";
    } else if (period.toNanos() % 1_000_000_000L == 0) {
      unit = period.toSeconds() + "s";
    } else if (period.toNanos() % 1_000_000L == 0) {
      unit = period.toMillis() + "ms";
    } else {
      unit = period.toNanos() + "ns";
    }
    return capacity + "-per-" + unit;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Limit other
        && name.equals(other.name)
        && capacity == other.capacity
        && refillTokens == other.refillTokens
        && refillPeriod.equals(other.refillPeriod)
        && refill == other.refill;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, capacity, refillTokens, refillPeriod, refill);
  }

  @Override
  public String toString() {
    return "Limit[" + name + ": capacity " + capacity + ", " + refillTokens + " per "
        + refillPeriod + " " + refill.name().toLowerCase(java.util.Locale.ROOT) + "]";
  }

  static long ceilDiv(long x, long y) {
    return -Math.floorDiv(-x, y);
  }

  /** Builds a {@link Limit}; capacity and one refill are required. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private long capacity;
    private long refillTokens;
    private Duration refillPeriod = Duration.ZERO;
    private Refill refill = Refill.GREEDY;
    private boolean refillSet;

    private Builder(String name) {
      if (name == null) {
        throw new NullPointerException("name must not be null");
      }
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "name must be 1 to 64 letters, digits, '.', '_' or '-', was \"" + name + "\"");
      }
      this.name = name;
    }

    /** The most tokens the bucket holds; a new key starts full. Required, > 0. */
    public Builder capacity(long capacity) {
      Checks.positive(capacity, "capacity");
      this.capacity = capacity;
      return this;
    }

    /** {@code tokens} come back continuously over each {@code period}. */
    public Builder refillGreedy(long tokens, Duration period) {
      return refill(tokens, period, Refill.GREEDY);
    }

    /** {@code tokens} come back all at once at the end of each {@code period}. */
    public Builder refillIntervally(long tokens, Duration period) {
      return refill(tokens, period, Refill.INTERVALLY);
    }

    private Builder refill(long tokens, Duration period, Refill how) {
      Checks.positive(tokens, "refill tokens");
      Checks.positive(period, "refill period");
      if (period.compareTo(Duration.ofDays(365L * 100)) > 0) {
        throw new IllegalArgumentException("refill period must be at most 100 years, was " + period);
      }
      this.refillTokens = tokens;
      this.refillPeriod = period;
      this.refill = how;
      this.refillSet = true;
      return this;
    }

    /** The limit. */
    public Limit build() {
      if (capacity == 0) {
        throw new IllegalStateException("limit '" + name + "': capacity was not set");
      }
      if (!refillSet) {
        throw new IllegalStateException(
            "limit '" + name + "': no refill was set (refillGreedy or refillIntervally)");
      }
      return new Limit(this);
    }
  }
}
