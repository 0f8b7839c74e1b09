package dev.parley.ratelimit.internal;

import java.math.BigInteger;
import java.time.Duration;

/**
 * A token bucket counted in exact integer units on a clock of some tick (nanoseconds in memory,
 * microseconds in Redis): one token is {@code unitsPerToken} units, and {@code unitsPerTick} units
 * come back every tick (greedy refill) or {@code unitsPerPeriod} every period (interval refill).
 * Both come from refillTokens / periodTicks reduced by their gcd, so no refill ever rounds. Not API:
 * shared by Parley's limiters so that they count alike.
 */
public record BucketUnits(long periodTicks, long unitsPerToken, long unitsPerTick, long unitsPerPeriod,
    long capacityUnits) {

  /**
   * The units of a limit of {@code capacity} tokens refilled {@code refillTokens} per {@code
   * refillPeriod}, which is {@code periodTicks} ticks long, keeping every product at most {@code
   * maxUnits}.
   *
   * @throws IllegalArgumentException naming the limit if its units would exceed {@code maxUnits}
   */
  public static BucketUnits of(String name, long capacity, long refillTokens, Duration refillPeriod,
      long periodTicks, long maxUnits) {
    long gcd = BigInteger.valueOf(refillTokens).gcd(BigInteger.valueOf(periodTicks)).longValueExact();
    long unitsPerToken = periodTicks / gcd;
    return new BucketUnits(periodTicks, unitsPerToken, refillTokens / gcd,
        bounded(refillTokens, unitsPerToken, maxUnits, name, capacity, refillTokens, refillPeriod),
        bounded(capacity, unitsPerToken, maxUnits, name, capacity, refillTokens, refillPeriod));
  }

  private static long bounded(long tokens, long units, long maxUnits, String name, long capacity, long refillTokens,
      Duration refillPeriod) {
    long product = tokens * units;
    if (Math.multiplyHigh(tokens, units) != 0 || product < 0 || product > maxUnits) {
      throw new IllegalArgumentException("limit '" + name + "' (capacity " + capacity + ", " + refillTokens
          + " per " + refillPeriod + ") is too fine-grained to count exactly; use a whole number of seconds"
          + " or fewer tokens");
    }
    return product;
  }
}
