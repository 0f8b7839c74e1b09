package dev.parley.resilience;

import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationTimeoutException;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolCallDelta;
import dev.parley.core.internal.Checks;
import dev.parley.core.internal.Timers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A model behind a {@link CircuitBreaker} and a timeout; made by {@link CircuitBreaker#decorate}. */
final class GuardedChatModel implements ChatModel {
  private static final Logger LOG = LoggerFactory.getLogger(GuardedChatModel.class);

  private final ChatModel delegate;
  private final CircuitBreaker breaker;
  private final Duration timeout;

  GuardedChatModel(ChatModel delegate, CircuitBreaker breaker, Duration timeout) {
    this.delegate = delegate;
    this.breaker = breaker;
    this.timeout = timeout;
  }

  @Override
  public String id() {
    return delegate.id();
  }

  /**
   * @throws CircuitOpenException at once when the circuit is open
   */
  @Override
  public GenerationHandle stream(ChatRequest request, StreamHandler handler) {
    Checks.notNull(request, "request");
    Checks.notNull(handler, "handler");
    if (!breaker.tryAcquirePermit()) {
      throw new CircuitOpenException(delegate.id(), breaker.remainingOpenDelay());
    }
    Guard guard = new Guard(handler);
    GenerationHandle inner;
    try {
      inner = delegate.stream(request, guard);
    } catch (RuntimeException e) {
      breaker.record(e);
      throw e;
    }
    guard.start(inner);
    return guard;
  }

  @Override
  public String toString() {
    return "GuardedChatModel[" + delegate + ", timeout " + timeout + "]";
  }

  /**
   * Forwards one generation's events, records its outcome once, and enforces the timeout. Calls to
   * the user's handler are serialized, since the timeout fires on another thread.
   */
  private final class Guard implements StreamHandler, GenerationHandle {
    private final StreamHandler handler;
    private final CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
    private boolean terminal;
    private @Nullable GenerationHandle inner;
    private @Nullable ScheduledFuture<?> timer;

    Guard(StreamHandler handler) {
      this.handler = handler;
    }

    synchronized void start(GenerationHandle inner) {
      this.inner = inner;
      if (!terminal) {
        timer = Timers.shared().schedule(this::timedOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public synchronized void onToken(String token) {
      if (!terminal) {
        handler.onToken(token);
      }
    }

    @Override
    public synchronized void onReasoning(String text) {
      if (!terminal) {
        handler.onReasoning(text);
      }
    }

    @Override
    public synchronized void onToolCall(ToolCallDelta delta) {
      if (!terminal) {
        handler.onToolCall(delta);
      }
    }

    @Override
    public void onComplete(ChatResponse response) {
      synchronized (this) {
        if (terminal) {
          return;
        }
        terminal = true;
        stopTimer();
      }
      breaker.record(null);
      try {
        handler.onComplete(response);
      } finally {
        completion.complete(response);
      }
    }

    @Override
    public void onError(ParleyException error) {
      synchronized (this) {
        if (terminal) {
          return;
        }
        terminal = true;
        stopTimer();
      }
      breaker.record(error);
      try {
        handler.onError(error);
      } finally {
        completion.completeExceptionally(error);
      }
    }

    private void timedOut() {
      GenerationHandle running;
      synchronized (this) {
        if (terminal) {
          return;
        }
        terminal = true;
        running = inner;
      }
      if (running != null) {
        running.cancel();
      }
      GenerationTimeoutException error = new GenerationTimeoutException(timeout);
      breaker.record(error);
      try {
        handler.onError(error);
      } catch (RuntimeException e) {
        LOG.warn("stream handler failed on timeout of {}", delegate.id(), e);
      }
      completion.completeExceptionally(error);
    }

    private void stopTimer() {
      if (timer != null) {
        timer.cancel(false);
      }
    }

    @Override
    public void cancel() {
      GenerationHandle running;
      synchronized (this) {
        running = inner;
      }
      if (running != null) {
        running.cancel();
      }
    }

    @Override
    public CompletionStage<ChatResponse> completion() {
      return completion.minimalCompletionStage();
    }
  }
}
