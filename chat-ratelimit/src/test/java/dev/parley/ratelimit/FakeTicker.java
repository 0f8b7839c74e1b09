package dev.parley.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A nanosecond ticker the test moves by hand. Starts at an arbitrary, non-zero value. */
final class FakeTicker implements LongSupplier {
  private final AtomicLong nanos = new AtomicLong(1_234_567_890_123L);

  @Override
  public long getAsLong() {
    return nanos.get();
  }

  void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  void advanceNanos(long n) {
    nanos.addAndGet(n);
  }
}
