package dev.parley.core.internal;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** One daemon timer thread for Parley's timeouts and fake delays. Not API. */
public final class Timers {
  private static final ScheduledThreadPoolExecutor SHARED = newTimer("parley-timer");

  private Timers() {}

  /** The shared timer; tasks must be short. Cancelled tasks are removed at once. */
  public static ScheduledThreadPoolExecutor shared() {
    return SHARED;
  }

  /** A new single-thread daemon timer. */
  public static ScheduledThreadPoolExecutor newTimer(String name) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, name + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, factory);
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }
}
