package dev.parley.ratelimit;

/**
 * Token-bucket arithmetic on a {@code long[]} holding, per limit, the units in the bucket (tokens
 * × {@link Limit#unitsPerToken}, negative when in debt) and the time of the last refill.
 */
final class Buckets {
  private Buckets() {}

  /** Brings bucket {@code at} of {@code state} up to {@code now}. */
  static void refill(Limit limit, long[] state, int at, long now) {
    long units = state[at];
    long last = state[at + 1];
    long elapsed = now - last;
    if (limit.refill() == Limit.Refill.GREEDY) {
      if (elapsed <= 0) {
        return;
      }
      if (units < limit.capacityUnits) {
        // Below fillNanos the product stays under 3 capacities, far from overflow; no division.
        state[at] = elapsed >= limit.fillNanos
            ? limit.capacityUnits
            : Math.min(limit.capacityUnits, units + elapsed * limit.unitsPerNano);
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
}
