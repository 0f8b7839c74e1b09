package dev.parley.ratelimit.redis;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.parley.ratelimit.Decision;
import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.LimitStatus;
import dev.parley.ratelimit.RateLimiter;
import dev.parley.ratelimit.TokenBucketRateLimiter;
import dev.parley.ratelimit.internal.BucketUnits;
import dev.parley.ratelimit.internal.Checks;
import dev.parley.resilience.CircuitState;
import dev.parley.resilience.StateChange;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions.TimeoutSource;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RateLimiter} whose buckets live in Redis, so that every instance of a service shares
 * one limit. Each decision is one round trip: a Lua script that reads the key's buckets, refills
 * them on Redis's own clock, admits or denies, and writes them back, atomically. A key's hash
 * expires once its buckets would be full again, so idle keys cost Redis nothing.
 *
 * <pre>{@code
 * try (RedisRateLimiter perUser = RedisRateLimiter.builder("redis://127.0.0.1:6379")
 *     .limit(Limit.perMinute(20))
 *     .limit(Limit.perDay(100))
 *     .build()) {
 *   Decision d = perUser.tryAcquire(userId);
 * }
 * }</pre>
 *
 * <h2>When Redis is down or slow</h2>
 * Each call waits at most {@link Builder#timeout} (default 100 ms). After {@link
 * Builder#failureThreshold} consecutive failures a circuit breaker opens, and for {@link
 * Builder#openDelay} calls do not touch Redis at all, so a dead Redis does not add its timeout to
 * every request; then one trial call decides whether to close it. Meanwhile decisions follow the
 * {@link FailureMode}: {@code LOCAL} (the default) enforces the same limits in this instance's
 * memory, {@code ALLOW} admits everything (fail open), {@code DENY} denies everything (fail
 * closed). Each change of the breaker's state is logged once, not each failed request.
 *
 * <p>Thread-safe: one instance, sharing one Redis connection, serves every thread. {@link #close()}
 * closes the connection if this limiter opened it.
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {

  /** What a decision is while Redis cannot be reached. */
  public enum FailureMode {
    /** Admit every request (fail open). */
    ALLOW,
    /** Deny every request, with the time until Redis is tried again (fail closed). */
    DENY,
    /** Enforce the same limits in this instance's memory until Redis is back. */
    LOCAL
  }

  private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimiter.class);
  private static final String SCRIPT = loadScript();
  private static final String SHA = sha1(SCRIPT);
  private static final long MAX_UNITS = 1L << 50;

  private final Limit[] limits;
  private final List<Limit> limitList;
  private final String[] limitArgs;
  private final String keyPrefix;
  private final Duration timeout;
  private final FailureMode failureMode;
  private final @Nullable TokenBucketRateLimiter local;
  private final CircuitBreaker<Object> breaker;
  private final FailsafeExecutor<Object> guarded;
  private final @Nullable RedisURI uri;
  private final @Nullable ClientResources resources;
  private final @Nullable RedisClient client;
  private final Consumer<StateChange> stateListener;
  private final Object connectLock = new Object();
  private volatile @Nullable StatefulRedisConnection<String, String> connection;
  private volatile @Nullable Throwable lastFailure;

  private RedisRateLimiter(Builder b) {
    this.limits = b.limits.toArray(new Limit[0]);
    this.limitList = List.copyOf(b.limits);
    this.limitArgs = scriptArguments(limits);
    this.keyPrefix = b.keyPrefix;
    this.timeout = b.timeout;
    this.failureMode = b.failureMode;
    this.stateListener = b.stateListener;
    TokenBucketRateLimiter.Builder localBuilder = TokenBucketRateLimiter.builder();
    limitList.forEach(localBuilder::limit);
    this.local = failureMode == FailureMode.LOCAL ? localBuilder.build() : null;
    this.breaker = CircuitBreaker.builder()
        .handleIf(failure -> !(failure instanceof IllegalArgumentException))
        .withFailureThreshold(b.failureThreshold)
        .withSuccessThreshold(1)
        .withDelay(b.openDelay)
        .onOpen(e -> changed(e.getPreviousState(), CircuitState.OPEN))
        .onHalfOpen(e -> changed(e.getPreviousState(), CircuitState.HALF_OPEN))
        .onClose(e -> changed(e.getPreviousState(), CircuitState.CLOSED))
        .build();
    this.guarded = Failsafe.with(breaker);
    if (b.connection != null) {
      this.connection = b.connection;
      this.uri = null;
      this.resources = null;
      this.client = null;
    } else {
      RedisURI parsed = RedisURI.create(b.uri);
      parsed.setTimeout(timeout);
      this.uri = parsed;
      this.resources = ClientResources.builder()
          .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2,
              TimeUnit.MILLISECONDS))
          .build();
      this.client = RedisClient.create(resources);
      client.setOptions(ClientOptions.builder()
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
          .timeoutOptions(TimeoutOptions.builder().timeoutSource(new TimeoutSource() {
            // Decisions wait `timeout`; loading the script once at build may take longer.
            @Override
            public long getTimeout(RedisCommand<?, ?, ?> command) {
              return command.getType() == CommandType.SCRIPT ? warmUpNanos() : timeout.toNanos();
            }

            @Override
            public TimeUnit getTimeUnit() {
              return TimeUnit.NANOSECONDS;
            }
          }).build())
          .build());
    }
  }

  /**
   * A builder for a limiter that opens its own connection to {@code redisUri} ({@code
   * redis://[:password@]host[:port][/database]}, or {@code rediss://} for TLS). {@link
   * Builder#build()} connects and loads the script, so the first decision does not pay for either
   * (on a cold JVM they take longer than the decision timeout, and that decision would fall back);
   * a limiter can still be built while Redis is down, and then connects on first use.
   */
  public static Builder builder(String redisUri) {
    if (redisUri == null || redisUri.isBlank()) {
      throw new IllegalArgumentException("redisUri must not be blank, was " + redisUri);
    }
    try {
      RedisURI.create(redisUri);
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      throw new IllegalArgumentException("redisUri is not a Redis URI: \"" + redisUri + "\" ("
          + e.getMessage() + ")", e);
    }
    return new Builder(redisUri, null);
  }

  /**
   * A builder for a limiter over a connection the caller owns and closes. Exposes Lettuce's type on
   * purpose: a service that already talks to Redis through Lettuce shares its connection.
   */
  public static Builder builder(StatefulRedisConnection<String, String> connection) {
    return new Builder(null, Checks.notNull(connection, "connection"));
  }

  @Override
  public Decision tryAcquire(String key, long permits) {
    Checks.requireKey(key);
    Checks.requirePermits(permits, limitList);
    return decide("acquire", key, permits);
  }

  @Override
  public Decision charge(String key, long permits) {
    Checks.requireKey(key);
    Checks.requirePositivePermits(permits);
    return decide("charge", key, permits);
  }

  @Override
  public Decision release(String key, long permits) {
    Checks.requireKey(key);
    Checks.requirePositivePermits(permits);
    return decide("release", key, permits);
  }

  @Override
  public List<Limit> limits() {
    return limitList;
  }

  /**
   * Whether Redis answers {@code PING} within the decision timeout right now (connecting first if
   * needed), for health checks: the breaker only learns of an outage from a decision that fails.
   * Never throws; does not count toward the breaker.
   */
  public boolean isReachable() {
    try {
      return "PONG".equals(await(connection().async().ping()));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * The state of the circuit breaker in front of Redis: {@link CircuitState#CLOSED} while Redis is in
   * use, {@link CircuitState#OPEN} while decisions follow the failure mode without trying Redis,
   * {@link CircuitState#HALF_OPEN} while a trial call checks whether Redis is back. The same type as
   * a model's {@link dev.parley.resilience.CircuitBreaker}, so one health check or gauge reads both.
   */
  public CircuitState breakerState() {
    return state(breaker.getState());
  }

  private static CircuitState state(CircuitBreaker.State s) {
    return switch (s) {
      case OPEN -> CircuitState.OPEN;
      case HALF_OPEN -> CircuitState.HALF_OPEN;
      case CLOSED -> CircuitState.CLOSED;
    };
  }

  /** Closes the connection if this limiter opened it; a shared connection is left open. */
  @Override
  public void close() {
    if (client == null) {
      return;
    }
    synchronized (connectLock) {
      StatefulRedisConnection<String, String> open = connection;
      connection = null;
      if (open != null) {
        open.close();
      }
      client.shutdown(Duration.ZERO, timeout);
      if (resources != null) {
        resources.shutdown(0, timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private Decision decide(String op, String key, long permits) {
    try {
      return guarded.get(() -> {
        try {
          return evaluate(op, key, permits);
        } catch (RedisException e) {
          lastFailure = e;
          throw e;
        }
      });
    } catch (CircuitBreakerOpenException | RedisException e) {
      return fallback(op, key, permits);
    }
  }

  private Decision evaluate(String op, String key, long permits) {
    String[] keys = {keyPrefix + key};
    String[] args = new String[3 + limitArgs.length];
    args[0] = op;
    args[1] = Long.toString(permits);
    args[2] = Integer.toString(limits.length);
    System.arraycopy(limitArgs, 0, args, 3, limitArgs.length);
    StatefulRedisConnection<String, String> open = connection();
    List<Object> reply;
    try {
      reply = await(open.async().evalsha(SHA, ScriptOutputType.MULTI, keys, args));
    } catch (RedisNoScriptException notLoadedYet) {
      reply = await(open.async().eval(SCRIPT, ScriptOutputType.MULTI, keys, args));
    }
    LimitStatus[] statuses = new LimitStatus[limits.length];
    for (int i = 0; i < limits.length; i++) {
      statuses[i] = new LimitStatus(limits[i],
          (Long) reply.get(1 + 3 * i),
          micros(reply.get(2 + 3 * i)),
          micros(reply.get(3 + 3 * i)));
    }
    return Decision.of(key, permits, List.of(statuses));
  }

  private static long micros(Object value) {
    return Math.multiplyExact((Long) value, 1_000L);
  }

  private <T> T await(java.util.concurrent.CompletionStage<T> reply) {
    try {
      return reply.toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      reply.toCompletableFuture().cancel(false);
      throw new RedisCommandTimeoutException("Redis did not answer within " + timeout);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RedisException redis) {
        throw redis;
      }
      throw new RedisException("Redis call failed", cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisException("interrupted while waiting for Redis", e);
    }
  }

  private StatefulRedisConnection<String, String> connection() {
    StatefulRedisConnection<String, String> open = connection;
    if (open != null) {
      return open;
    }
    synchronized (connectLock) {
      if (connection == null) {
        if (client == null || uri == null) {
          throw new RedisException("the limiter is closed");
        }
        connection = client.connect(StringCodec.UTF8, uri);
      }
      return connection;
    }
  }

  /** The longest {@link Builder#build()} waits for Redis to load the script. */
  public static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(2);

  /** Loading the script waits the longer of the decision timeout and {@link #WARM_UP_TIMEOUT}. */
  private long warmUpNanos() {
    return Math.max(timeout.toNanos(), WARM_UP_TIMEOUT.toNanos());
  }

  private void warmUp() {
    if (client == null) {
      return;
    }
    try {
      String loaded = connection().async().scriptLoad(SCRIPT).toCompletableFuture()
          .get(warmUpNanos(), TimeUnit.NANOSECONDS);
      if (!SHA.equals(loaded)) {
        LOG.warn("Redis loaded the rate-limit script as {}, expected {}", loaded, SHA);
      }
    } catch (RedisException | ExecutionException | TimeoutException e) {
      LOG.info("Redis is not reachable yet ({}); the first decision connects", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Decision fallback(String op, String key, long permits) {
    if (failureMode == FailureMode.LOCAL && local != null) {
      return switch (op) {
        case "charge" -> local.charge(key, permits);
        case "release" -> local.release(key, permits);
        default -> local.tryAcquire(key, permits);
      };
    }
    boolean allow = failureMode == FailureMode.ALLOW;
    long retry = Math.max(1, breaker.getRemainingDelay().toNanos());
    List<LimitStatus> statuses = new ArrayList<>(limits.length);
    for (Limit limit : limits) {
      statuses.add(allow
          ? new LimitStatus(limit, Math.max(0, limit.capacity() - permits), 0, 0)
          : new LimitStatus(limit, 0, retry, retry));
    }
    return Decision.of(key, permits, statuses);
  }

  private void changed(CircuitBreaker.State from, CircuitState state) {
    Throwable cause = lastFailure;
    switch (state) {
      case OPEN -> LOG.warn("Redis rate limiting is unavailable ({}); deciding {} until it is back",
          cause == null ? "failing" : cause.toString(), describe(failureMode));
      case HALF_OPEN -> LOG.info("Trying Redis rate limiting again");
      case CLOSED -> LOG.info("Redis rate limiting is back");
    }
    stateListener.accept(new StateChange(state(from), state));
  }

  private static String describe(FailureMode mode) {
    return switch (mode) {
      case ALLOW -> "to admit every request (fail open)";
      case DENY -> "to deny every request (fail closed)";
      case LOCAL -> "with limits in this instance's memory";
    };
  }

  private static String[] scriptArguments(Limit[] limits) {
    List<String> args = new ArrayList<>();
    for (Limit limit : limits) {
      long periodNanos = limit.refillPeriod().toNanos();
      if (periodNanos % 1_000 != 0) {
        throw new IllegalArgumentException("limit '" + limit.name() + "': Redis counts whole"
            + " microseconds, so the refill period must be too, was " + limit.refillPeriod());
      }
      long periodMicros = periodNanos / 1_000;
      // Redis's clock counts microseconds; Lua keeps the units in doubles, exact below 2^53.
      BucketUnits units = BucketUnits.of(limit.name(), limit.capacity(), limit.refillTokens(), limit.refillPeriod(),
          periodMicros, MAX_UNITS);
      long unitsPerToken = units.unitsPerToken();
      long capacityUnits = units.capacityUnits();
      boolean greedy = limit.refill() == Limit.Refill.GREEDY;
      long rate = greedy ? units.unitsPerTick() : units.unitsPerPeriod();
      // The field names carry the whole configuration: a changed limit starts afresh.
      args.add(limit.name() + "|" + limit.capacity() + "|" + limit.refillTokens() + "|"
          + periodMicros + "|" + (greedy ? "g" : "i"));
      args.add(greedy ? "g" : "i");
      args.add(Long.toString(limit.capacity()));
      args.add(Long.toString(capacityUnits));
      args.add(Long.toString(unitsPerToken));
      args.add(Long.toString(rate));
      args.add(Long.toString(periodMicros));
    }
    return args.toArray(new String[0]);
  }

  private static String loadScript() {
    try (InputStream in = RedisRateLimiter.class.getResourceAsStream("token-bucket.lua")) {
      if (in == null) {
        throw new IllegalStateException("token-bucket.lua is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String script) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1")
          .digest(script.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every JDK", e);
    }
  }

  @Override
  public String toString() {
    return "RedisRateLimiter" + limitList + " on " + (uri != null ? uri.toString() : "a shared"
        + " connection") + ", " + breakerState();
  }

  /** Builds a {@link RedisRateLimiter}. Not thread-safe. */
  public static final class Builder {
    private final @Nullable String uri;
    private final @Nullable StatefulRedisConnection<String, String> connection;
    private final List<Limit> limits = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private String keyPrefix = "parley:ratelimit:";
    private Duration timeout = Duration.ofMillis(100);
    private FailureMode failureMode = FailureMode.LOCAL;
    private int failureThreshold = 3;
    private Duration openDelay = Duration.ofSeconds(5);
    private Consumer<StateChange> stateListener = change -> {};

    private Builder(@Nullable String uri,
        @Nullable StatefulRedisConnection<String, String> connection) {
      this.uri = uri;
      this.connection = connection;
    }

    /**
     * Adds a limit every key is held to.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if another limit has its name, or if its period is
     *     not a whole number of microseconds
     */
    public Builder limit(Limit limit) {
      Checks.notNull(limit, "limit");
      scriptArguments(new Limit[] {limit});
      if (!names.add(limit.name())) {
        throw new IllegalArgumentException(
            "two limits are named '" + limit.name() + "'; give each limit its own name");
      }
      limits.add(limit);
      return this;
    }

    /** Prepended to every key in Redis; {@code parley:ratelimit:} by default. */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = Checks.notNull(keyPrefix, "keyPrefix");
      return this;
    }

    /** The longest a decision waits for Redis (default 100 ms); then it counts as a failure. */
    public Builder timeout(Duration timeout) {
      this.timeout = Checks.positive(timeout, "timeout");
      return this;
    }

    /** What decisions are while Redis cannot be reached; {@link FailureMode#LOCAL} by default. */
    public Builder failureMode(FailureMode failureMode) {
      this.failureMode = Checks.notNull(failureMode, "failureMode");
      return this;
    }

    /** Consecutive failures that open the breaker (default 3). */
    public Builder failureThreshold(int failures) {
      this.failureThreshold = Checks.positive(failures, "failureThreshold");
      return this;
    }

    /** How long the open breaker keeps calls away from Redis before a trial (default 5 s). */
    public Builder openDelay(Duration openDelay) {
      this.openDelay = Checks.positive(openDelay, "openDelay");
      return this;
    }

    /** Called on each change of the breaker's state, after it is logged; must not block. */
    public Builder onBreakerStateChange(Consumer<StateChange> listener) {
      this.stateListener = Checks.notNull(listener, "listener");
      return this;
    }

    /**
     * The limiter. One that opens its own connection connects now and loads its script, waiting at
     * most {@link RedisRateLimiter#WARM_UP_TIMEOUT} (connection refused or timed out returns at once); if Redis
     * cannot be reached the limiter is built anyway and its first decision connects.
     *
     * @throws IllegalStateException if no limit was added
     */
    public RedisRateLimiter build() {
      if (limits.isEmpty()) {
        throw new IllegalStateException("no limit was added; call limit(..) at least once");
      }
      RedisRateLimiter limiter = new RedisRateLimiter(this);
      limiter.warmUp();
      return limiter;
    }
  }
}
