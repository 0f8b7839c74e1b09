package dev.parley.examples.server;

import io.javalin.http.Context;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How many HTTP requests each user has open at once, bounded by {@code --max-open-requests-per-user}:
 * one user's slow bodies or never-ending streams can hold at most that many of the server's
 * threads. A request over the bound is refused with 429 before its body is read. Users with
 * nothing open take no memory. Thread-safe.
 */
final class OpenRequests {
  private static final String ENTERED = "parley.open-request";

  private final int maxPerUser;
  private final Map<String, Integer> open = new ConcurrentHashMap<>();

  OpenRequests(int maxPerUser) {
    this.maxPerUser = maxPerUser;
  }

  /** Counts the authenticated request of {@code ctx} against its user, or throws 429 over the bound. */
  void enter(Context ctx) {
    String user = ctx.attribute(HttpGuard.USER);
    if (user == null) {
      return; // not authenticated (a CORS preflight): nothing is held for it
    }
    boolean[] admitted = new boolean[1];
    open.compute(user, (u, n) -> {
      int now = n == null ? 0 : n;
      admitted[0] = now < maxPerUser;
      return admitted[0] ? now + 1 : (n == null ? null : n);
    });
    if (!admitted[0]) {
      throw new ApiError(429, "too_many_open_requests", "at most " + maxPerUser
          + " requests of one user may be open at once; wait for one to finish");
    }
    AtomicBoolean entered = new AtomicBoolean(true);
    ctx.attribute(ENTERED, entered);
  }

  /** Gives the request's place back, once, however it ended. */
  void exit(Context ctx) {
    AtomicBoolean entered = ctx.attribute(ENTERED);
    String user = ctx.attribute(HttpGuard.USER);
    if (entered != null && user != null && entered.compareAndSet(true, false)) {
      open.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
    }
  }

  /** Requests {@code user} has open now. */
  int open(String user) {
    return open.getOrDefault(user, 0);
  }

  /** Users with a request open now. */
  int users() {
    return open.size();
  }
}
