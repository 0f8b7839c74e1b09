package dev.parley.examples.server;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Cuts off a request whose body arrives slower than a minimum rate, counted for that request alone,
 * after a grace period; the read fails with a {@link TimeoutException}, which the request answers
 * with 408.
 *
 * <p>The rate is checked only when the application waits for more of the body (on {@code demand}),
 * as Kestrel's {@code MinRequestBodyDataRate} and Jetty's own handler do: a body that has arrived in
 * full, or that the application reads slower than it arrives, is never cut off. Jetty's
 * {@code MinimumDataRateHandler} is not used because it divides the bytes every request has read
 * since the server started by this request's time, so on a fresh server a body split across two
 * segments is cut off at once, and on a busy one a trickling body never is.
 */
final class BodyRateGuard extends Handler.Wrapper {
  private final long minBytesPerSecond;
  private final long graceNanos;
  private final LongSupplier nanoClock;

  BodyRateGuard(long minBytesPerSecond, Duration grace) {
    this(minBytesPerSecond, grace, System::nanoTime);
  }

  BodyRateGuard(long minBytesPerSecond, Duration grace, LongSupplier nanoClock) {
    if (minBytesPerSecond <= 0) {
      throw new IllegalArgumentException("minBytesPerSecond must be > 0, was " + minBytesPerSecond);
    }
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must be >= 0, was " + grace);
    }
    this.minBytesPerSecond = minBytesPerSecond;
    this.graceNanos = grace.toNanos();
    this.nanoClock = nanoClock;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    return super.handle(new Guarded(request, new Rate(minBytesPerSecond, graceNanos, nanoClock.getAsLong())),
        response, callback);
  }

  /** How much of one body has arrived, and whether that is too little for the time it took. */
  static final class Rate {
    private final long minBytesPerSecond;
    private final long graceNanos;
    private final long startNanos;
    private long bytes;

    Rate(long minBytesPerSecond, long graceNanos, long startNanos) {
      this.minBytesPerSecond = minBytesPerSecond;
      this.graceNanos = graceNanos;
      this.startNanos = startNanos;
    }

    void arrived(long count) {
      bytes += count;
    }

    long bytes() {
      return bytes;
    }

    /** True when, past the grace period, fewer bytes have arrived than the rate asks for by now. */
    boolean tooSlow(long nowNanos) {
      long elapsed = nowNanos - startNanos;
      if (elapsed <= graceNanos) {
        return false;
      }
      // bytes / seconds < min, without overflow for any elapsed time a server lives.
      return (double) bytes * 1e9 < (double) minBytesPerSecond * elapsed;
    }
  }

  private final class Guarded extends Request.Wrapper {
    private final Rate rate;
    private volatile Content.Chunk failure;

    Guarded(Request request, Rate rate) {
      super(request);
      this.rate = rate;
    }

    @Override
    public Content.Chunk read() {
      Content.Chunk failed = failure;
      if (failed != null) {
        return failed;
      }
      Content.Chunk chunk = super.read();
      if (chunk != null) {
        synchronized (rate) {
          rate.arrived(chunk.remaining());
        }
      }
      return chunk;
    }

    @Override
    public void demand(Runnable demandCallback) {
      boolean slow;
      long bytes;
      synchronized (rate) {
        slow = rate.tooSlow(nanoClock.getAsLong());
        bytes = rate.bytes();
      }
      if (slow) {
        failure = Content.Chunk.from(new TimeoutException("request body arrived slower than "
            + minBytesPerSecond + " bytes a second (" + bytes + " bytes so far)"), true);
        demandCallback.run();
        return;
      }
      super.demand(demandCallback);
    }
  }
}
