package dev.parley.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Limits how fast each key (a user, an API key, an IP address) may spend permits, under one or
 * more {@link Limit}s at once. A request is admitted only if every limit admits it, and then it
 * takes its permits from all of them, atomically: a request denied by the daily limit takes nothing
 * from the per-minute one.
 *
 * <p>Permits need not be requests. A limiter whose limits count LLM tokens charges a key by the
 * size of each reply, after the fact, with {@link #charge}; a key driven into debt that way is
 * denied until its buckets refill.
 *
 * <p>Implementations are thread-safe and meant to be shared: one per kind of quota, for the whole
 * process.
 */
public interface RateLimiter {

  /**
   * Takes {@code permits} from every limit of {@code key} if all of them have enough, and never
   * waits. A denial takes nothing and says how long to wait ({@link Decision#retryAfter()}).
   *
   * @throws NullPointerException if the key is null
   * @throws IllegalArgumentException if the key is empty, permits is not positive, or
   *     permits exceeds the capacity of a limit (such a request could never be admitted)
   */
  Decision tryAcquire(String key, long permits);

  /** {@link #tryAcquire(String, long)} for one permit. */
  default Decision tryAcquire(String key) {
    return tryAcquire(key, 1);
  }

  /**
   * Takes {@code permits} from every limit of {@code key} unconditionally, for cost already
   * incurred (the tokens of a reply, known once it has been generated). A limit may go into debt,
   * by at most its capacity; the key is then denied until the debt has refilled. The decision
   * returned describes the key afterwards: {@link Decision#allowed()} says whether a one-permit
   * request would now be admitted.
   *
   * @throws NullPointerException if the key is null
   * @throws IllegalArgumentException if the key is empty or permits is not positive
   */
  Decision charge(String key, long permits);

  /**
   * Gives back {@code permits} that {@link #tryAcquire} took for work that then did not happen (it
   * was refused or failed before it cost anything): every limit of {@code key} gets them back, up
   * to its capacity. The decision returned describes the key afterwards, as {@link #charge} does.
   * Giving back more than was taken only fills the buckets; it never raises a limit.
   *
   * @throws NullPointerException if the key is null
   * @throws IllegalArgumentException if the key is empty or permits is not positive
   */
  Decision release(String key, long permits);

  /**
   * Waits up to {@code maxWait} for {@code permits}, sleeping for the time each denial gives. Returns
   * the admitting decision, or at once the denial whose wait would end past {@code maxWait}: it
   * never sleeps when waiting cannot succeed.
   *
   * @throws InterruptedException if interrupted while waiting; nothing has been taken then
   * @throws NullPointerException if the key or maxWait is null
   * @throws IllegalArgumentException as {@link #tryAcquire(String, long)}
   *     or negative
   */
  default Decision acquire(String key, long permits, Duration maxWait)
      throws InterruptedException {
    if (maxWait == null || maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must be >= 0, was " + maxWait);
    }
    long deadline = System.nanoTime() + saturatedNanos(maxWait);
    while (true) {
      Decision decision = tryAcquire(key, permits);
      if (decision.allowed()) {
        return decision;
      }
      long wait = decision.retryAfterNanos();
      if (wait > deadline - System.nanoTime()) {
        return decision;
      }
      TimeUnit.NANOSECONDS.sleep(wait);
    }
  }

  /** The limits every key is held to, in order. */
  List<Limit> limits();

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE / 2;
    }
  }
}
