package dev.parley.llama;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationFailedException;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolCallDelta;
import dev.parley.chat.TokenUsage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The one scheduler in front of a model's engines: a request leases a slot of the target with the
 * most free ones, or waits in a bounded first-come-first-served queue, at most {@code maxWait};
 * past either it fails fast with {@link PoolExhaustedException}. Cancelling a queued request
 * removes it at once; a slot freed starts the oldest waiting request. {@link LlamaChatModel}
 * admits its own requests with one (one target, its engine) and {@link ModelPool} its replicas'
 * with one; the engines behind never queue more than their slots.
 *
 * <p>Thread-safe. The timer that expires waiting requests starts its thread at the first wait.
 */
final class Admission {
  /** Starts a request on target {@code target} (an index into the slot counts), reporting to {@code handler}. */
  @FunctionalInterface
  interface Starter {
    GenerationHandle start(int target, StreamHandler handler);
  }

  private final String id;
  private final int[] slots;
  private final int[] busy;
  private final int maxQueue;
  private final Duration maxWait;
  private final LongSupplier nanos;
  private final ScheduledThreadPoolExecutor timer;
  private final ArrayDeque<Lease> queue = new ArrayDeque<>();
  private boolean closed;
  private long started;
  private long rejected;
  private long tokens;
  private long firstTokenCount;
  private long firstTokenNanos;

  /**
   * @param id the model's id, for messages
   * @param slots each target's slots
   */
  Admission(String id, int[] slots, int maxQueue, Duration maxWait, LongSupplier nanos) {
    this.id = id;
    this.slots = slots.clone();
    this.busy = new int[slots.length];
    this.maxQueue = maxQueue;
    this.maxWait = maxWait;
    this.nanos = nanos;
    this.timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "parley-admission-timer");
      t.setDaemon(true);
      return t;
    });
    this.timer.setRemoveOnCancelPolicy(true);
  }

  /**
   * Starts the request now if a slot is free, else queues it.
   *
   * @throws PoolExhaustedException when every slot is busy and the queue is full
   * @throws GenerationFailedException when closed
   */
  GenerationHandle admit(Starter starter, StreamHandler handler) {
    Lease lease = new Lease(starter, handler, nanos.getAsLong());
    int target;
    synchronized (this) {
      if (closed) {
        throw new GenerationFailedException("model " + id + " is closed", null);
      }
      target = freest();
      if (target < 0 || !queue.isEmpty()) {
        if (queue.size() >= maxQueue) {
          rejected++;
          throw new PoolExhaustedException("all " + slots() + " slots of " + id + " are busy and "
              + queue.size() + " requests are already waiting", maxWait);
        }
        queue.addLast(lease);
        lease.expiry = timer.schedule(() -> expire(lease), maxWait.toNanos(), TimeUnit.NANOSECONDS);
        return lease;
      }
      busy[target]++;
      started++;
    }
    lease.start(target);
    return lease;
  }

  private int freest() {
    int best = -1;
    for (int t = 0; t < slots.length; t++) {
      if (busy[t] < slots[t] && (best < 0 || slots[t] - busy[t] > slots[best] - busy[best])) {
        best = t;
      }
    }
    return best;
  }

  private int slots() {
    int n = 0;
    for (int s : slots) {
      n += s;
    }
    return n;
  }

  private void expire(Lease lease) {
    synchronized (this) {
      if (!queue.remove(lease)) {
        return;
      }
      rejected++;
    }
    lease.fail(new PoolExhaustedException("waited " + maxWait + " for a free slot of " + id, maxWait));
  }

  /** A slot of {@code target} was freed: start the oldest queued request on it. */
  private void released(int target, int generatedTokens, long firstTokenAfterNanos) {
    Lease next;
    synchronized (this) {
      busy[target]--;
      tokens += generatedTokens;
      if (firstTokenAfterNanos >= 0) {
        firstTokenCount++;
        firstTokenNanos += firstTokenAfterNanos;
      }
      next = closed ? null : queue.pollFirst();
      if (next == null) {
        return;
      }
      busy[target]++;
      started++;
    }
    if (next.expiry != null) {
      next.expiry.cancel(false);
    }
    next.start(target);
  }

  synchronized PoolStatistics statistics() {
    int inUse = 0;
    for (int b : busy) {
      inUse += b;
    }
    Duration ttft = firstTokenCount == 0 ? Duration.ZERO : Duration.ofNanos(firstTokenNanos / firstTokenCount);
    return PoolStatistics.builder().loaded(!closed).slots(slots()).busySlots(inUse).queued(queue.size())
        .started(started).rejected(rejected).tokensGenerated(tokens).meanTimeToFirstToken(ttft).build();
  }

  /** Refuses new requests and fails the queued ones; the owner then closes its engines, which cancels the running. */
  void close() {
    List<Lease> waiting;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      waiting = new ArrayList<>(queue);
      queue.clear();
    }
    for (Lease l : waiting) {
      if (l.expiry != null) {
        l.expiry.cancel(false);
      }
      l.fail(new GenerationFailedException("model " + id + " was closed", null));
    }
    timer.shutdownNow();
  }

  /** One request: queued, then running on a target. */
  private final class Lease implements GenerationHandle, StreamHandler {
    private final Starter starter;
    private final StreamHandler handler;
    private final long arrived;
    private final CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    private @Nullable ScheduledFuture<?> expiry;
    private @Nullable GenerationHandle running;
    /** The target whose slot this holds, or -1. */
    private int target = -1;
    private boolean cancelled;
    private long firstToken = -1;

    Lease(Starter starter, StreamHandler handler, long arrived) {
      this.starter = starter;
      this.handler = handler;
      this.arrived = arrived;
    }

    void start(int on) {
      GenerationHandle h;
      try {
        synchronized (this) {
          target = on;
          if (cancelled) {
            // Cancelled between leaving the queue and starting: give the slot straight back.
            complete(new ChatResponse("", FinishReason.CANCELLED, new TokenUsage(0, 0)));
            return;
          }
        }
        h = starter.start(on, this);
      } catch (RuntimeException e) {
        fail(ParleyException.from(e));
        return;
      }
      boolean cancelNow;
      synchronized (this) {
        running = h;
        cancelNow = cancelled;
      }
      if (cancelNow) {
        h.cancel();
      }
    }

    @Override
    public void onToken(String token) {
      firstOutput();
      handler.onToken(token);
    }

    @Override
    public void onReasoning(String text) {
      firstOutput();
      handler.onReasoning(text);
    }

    @Override
    public void onToolCall(ToolCallDelta delta) {
      firstOutput();
      handler.onToolCall(delta);
    }

    /** The first piece of output, of whichever kind, is the time to first token. */
    private void firstOutput() {
      if (firstToken < 0) {
        firstToken = nanos.getAsLong() - arrived;
      }
    }

    @Override
    public void onComplete(ChatResponse response) {
      complete(response);
    }

    @Override
    public void onError(ParleyException error) {
      fail(error);
    }

    private void complete(ChatResponse response) {
      try {
        handler.onComplete(response);
      } finally {
        release(response.usage().completionTokens());
        done.complete(response);
      }
    }

    void fail(ParleyException error) {
      try {
        handler.onError(error);
      } finally {
        release(0);
        done.completeExceptionally(error);
      }
    }

    private void release(int generated) {
      int t;
      synchronized (this) {
        t = target;
        target = -1;
      }
      if (t >= 0) {
        released(t, generated, firstToken);
      }
    }

    @Override
    public void cancel() {
      boolean wasQueued;
      GenerationHandle h;
      synchronized (Admission.this) {
        wasQueued = queue.remove(this);
      }
      synchronized (this) {
        if (cancelled) {
          return;
        }
        cancelled = true;
        h = running;
      }
      if (wasQueued) {
        if (expiry != null) {
          expiry.cancel(false);
        }
        complete(new ChatResponse("", FinishReason.CANCELLED, new TokenUsage(0, 0)));
      } else if (h != null) {
        h.cancel();
      }
    }

    @Override
    public CompletionStage<ChatResponse> completion() {
      return done.minimalCompletionStage();
    }
  }
}
