package dev.parley.resilience;

import dev.failsafe.CircuitBreakerBuilder;
import dev.failsafe.event.CircuitBreakerStateChangedEvent;
import dev.parley.chat.ChatModel;
import dev.parley.chat.GenerationCancelledException;
import dev.parley.chat.InvalidRequestException;
import dev.parley.core.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops calling a failing model for a while, so a dead backend fails fast instead of piling up
 * requests. Built on Failsafe's circuit breaker.
 *
 * <p>Closed, it counts failures; past the threshold (a count, or a ratio) it opens. Open, calls fail
 * at once with {@link CircuitOpenException}, which carries when to retry. After the open delay it
 * half-opens and lets trial calls through: enough successes close it, a failure reopens it.
 *
 * <p>Wrap a model with {@link #decorate(ChatModel, Duration)}: the breaker plus a timeout that
 * cancels a generation taking too long. By default every failure counts except {@link
 * InvalidRequestException} (the caller's fault) and {@link GenerationCancelledException}; a
 * generation the caller cancels counts as a success, since the model was serving it.
 *
 * <p>Thread-safe. Use one breaker per backend; state-change listeners run on the thread that caused
 * the change and must be quick.
 *
 * <p>Unlike {@code ResponseCache} and {@code ModelPool}, it takes no ticker: Failsafe times the open
 * delay with {@link System#nanoTime()} and has no clock to inject (failsafe-lib/failsafe#357, open),
 * so tests of the half-open state use a short open delay.
 */
public final class CircuitBreaker {
  private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);

  private final dev.failsafe.CircuitBreaker<Object> breaker;
  private final Predicate<Throwable> failurePredicate;
  private final List<Consumer<StateChange>> listeners;

  private CircuitBreaker(Builder b) {
    this.failurePredicate = b.failurePredicate;
    this.listeners = new CopyOnWriteArrayList<>(b.listeners);
    CircuitBreakerBuilder<Object> fb = dev.failsafe.CircuitBreaker.builder().withDelay(b.openDelay);
    if (b.ratePercent > 0) {
      fb.withFailureRateThreshold(b.ratePercent, b.rateMinimumExecutions, b.ratePeriod);
    } else {
      fb.withFailureThreshold(b.failures, b.outOfExecutions);
    }
    fb.withSuccessThreshold(b.trialSuccesses, b.trialCalls);
    fb.onOpen(e -> changed(e, CircuitState.OPEN));
    fb.onHalfOpen(e -> changed(e, CircuitState.HALF_OPEN));
    fb.onClose(e -> changed(e, CircuitState.CLOSED));
    this.breaker = fb.build();
  }

  /** 5 consecutive failures open it for 30 seconds; one successful trial closes it. */
  public static CircuitBreaker ofDefaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  private void changed(CircuitBreakerStateChangedEvent event, CircuitState to) {
    StateChange change = new StateChange(map(event.getPreviousState()), to);
    LOG.info("circuit breaker {} -> {}", change.from(), change.to());
    for (Consumer<StateChange> l : listeners) {
      try {
        l.accept(change);
      } catch (RuntimeException e) {
        LOG.warn("circuit breaker state listener failed on {}", change, e);
      }
    }
  }

  private static CircuitState map(dev.failsafe.CircuitBreaker.State s) {
    switch (s) {
      case OPEN:
        return CircuitState.OPEN;
      case HALF_OPEN:
        return CircuitState.HALF_OPEN;
      default:
        return CircuitState.CLOSED;
    }
  }

  /**
   * {@code model} behind this breaker and a timeout: a generation still running after {@code
   * timeout} is cancelled and fails with {@code GenerationTimeoutException} (a failure for the
   * breaker).
   */
  public ChatModel decorate(ChatModel model, Duration timeout) {
    return new GuardedChatModel(
        Checks.notNull(model, "model"), this, Checks.positive(timeout, "timeout"));
  }

  /** The current state. */
  public CircuitState state() {
    return map(breaker.getState());
  }

  /** How long until an open circuit lets a trial call through; zero unless open. */
  public Duration remainingOpenDelay() {
    return breaker.isOpen() ? breaker.getRemainingDelay() : Duration.ZERO;
  }

  /** Adds a listener for state changes. */
  public void onStateChange(Consumer<StateChange> listener) {
    listeners.add(Checks.notNull(listener, "listener"));
  }

  /** Asks to make one call: false when open (or half-open with every trial taken). */
  boolean tryAcquirePermit() {
    return breaker.tryAcquirePermit();
  }

  /** Records how a permitted call ended: {@code null} for success. */
  void record(@Nullable Throwable failure) {
    if (failure != null && failurePredicate.test(failure)) {
      breaker.recordFailure();
    } else {
      breaker.recordSuccess();
    }
  }

  /** Opens the circuit now, for example from an operator's command. */
  public void open() {
    breaker.open();
  }

  /** Closes the circuit now. */
  public void close() {
    breaker.close();
  }

  /** Builds a {@link CircuitBreaker}; each setter checks its argument at once. */
  public static final class Builder {
    private int failures = 5;
    private int outOfExecutions = 5;
    private int ratePercent;
    private int rateMinimumExecutions;
    private Duration ratePeriod = Duration.ZERO;
    private boolean countSet;
    private Duration openDelay = Duration.ofSeconds(30);
    private int trialSuccesses = 1;
    private int trialCalls = 1;
    private Predicate<Throwable> failurePredicate =
        t -> !(t instanceof InvalidRequestException) && !(t instanceof GenerationCancelledException);
    private final List<Consumer<StateChange>> listeners = new CopyOnWriteArrayList<>();

    private Builder() {}

    /** Open after {@code failures} consecutive failures. */
    public Builder failureThreshold(int failures) {
      return failureThreshold(failures, failures);
    }

    /** Open after {@code failures} among the last {@code outOfExecutions} calls (a count ratio). */
    public Builder failureThreshold(int failures, int outOfExecutions) {
      Checks.positive(failures, "failures");
      Checks.positive(outOfExecutions, "outOfExecutions");
      if (failures > outOfExecutions) {
        throw new IllegalArgumentException(
            "failures must be <= outOfExecutions (" + outOfExecutions + "), was " + failures);
      }
      this.failures = failures;
      this.outOfExecutions = outOfExecutions;
      this.countSet = true;
      return this;
    }

    /**
     * Open when at least {@code percent}% of the calls in the last {@code period} failed, once at
     * least {@code minimumExecutions} calls were made in it (a time-based ratio).
     */
    public Builder failureRateThreshold(int percent, int minimumExecutions, Duration period) {
      if (percent < 1 || percent > 100) {
        throw new IllegalArgumentException("percent must be between 1 and 100, was " + percent);
      }
      this.ratePercent = percent;
      this.rateMinimumExecutions = Checks.positive(minimumExecutions, "minimumExecutions");
      this.ratePeriod = Checks.positive(period, "period");
      return this;
    }

    /** How long the circuit stays open before trial calls; 30 seconds by default. */
    public Builder openDelay(Duration delay) {
      this.openDelay = Checks.positive(delay, "openDelay");
      return this;
    }

    /**
     * Half-open, let {@code trialCalls} calls through; close when {@code successes} of them succeed.
     * One of one by default.
     */
    public Builder halfOpenTrials(int successes, int trialCalls) {
      Checks.positive(successes, "successes");
      Checks.positive(trialCalls, "trialCalls");
      if (successes > trialCalls) {
        throw new IllegalArgumentException(
            "successes must be <= trialCalls (" + trialCalls + "), was " + successes);
      }
      this.trialSuccesses = successes;
      this.trialCalls = trialCalls;
      return this;
    }

    /** Which exceptions count as failures; see the class description for the default. */
    public Builder failureWhen(Predicate<Throwable> predicate) {
      this.failurePredicate = Checks.notNull(predicate, "predicate");
      return this;
    }

    /** Adds a listener for state changes. */
    public Builder onStateChange(Consumer<StateChange> listener) {
      listeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    public CircuitBreaker build() {
      if (countSet && ratePercent > 0) {
        throw new IllegalStateException(
            "set either failureThreshold (a count) or failureRateThreshold (a time-based ratio), not both");
      }
      return new CircuitBreaker(this);
    }
  }
}
