package dev.parley.llama;

import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.Message;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.TokenUsage;
import dev.parley.chat.Tokenizer;
import java.nio.file.Path;
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
 * Serves many conversations from one loaded model: its parallel slots generate at once (continuous
 * batching in llama.cpp), and requests beyond them wait in a bounded first-come-first-served queue.
 *
 * <ul>
 *   <li>A request leases a slot; when all are busy it waits, at most {@code maxQueue} requests and
 *       each at most {@code maxWait}. Past either it fails fast with {@link
 *       PoolExhaustedException} (retriable): backpressure, not an unbounded pile-up.
 *   <li>Cancelling a queued request removes it at once; cancelling a running one frees its slot at
 *       the next token, and the next queued request starts.
 *   <li>llama.cpp keeps each slot's prompt cache and picks the slot whose cache best matches a new
 *       prompt, so the next turn of a conversation reprocesses only its new messages.
 *   <li>With {@code replicas > 1}, several copies of the model are loaded, each with its slots; a
 *       request goes to the replica with the most free slots.
 * </ul>
 *
 * <p>Unlike a pool of whole model copies behind a queue, memory does not grow with the number of
 * conversations served at once: slots share the weights and differ only in their KV cache.
 * Thread-safe; {@link #close()} cancels what is running and queued and frees the native model.
 */
public final class ModelPool implements ChatModel, Tokenizer, AutoCloseable {
  private final List<Replica> replicas;
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

  private ModelPool(Builder b, List<Replica> replicas) {
    this.replicas = List.copyOf(replicas);
    this.maxQueue = b.maxQueue;
    this.maxWait = b.maxWait;
    this.nanos = b.ticker;
    this.timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "parley-pool-timer");
      t.setDaemon(true);
      return t;
    });
    this.timer.setRemoveOnCancelPolicy(true);
  }

  /** A pool of the model in {@code modelFile} with the model's default settings. */
  public static Builder builder(Path modelFile) {
    return new Builder(LlamaChatModel.builder(modelFile));
  }

  /**
   * A pool of the model that {@code model} describes. Every setting of a {@link LlamaChatModel}
   * (context size, threads, state cache and spill folder, flash attention, template, id, ...) is
   * made there, once; the pool's builder holds only what a pool adds (slots, replicas, queue,
   * ticker). Unless {@code model} sets threads, the cores are shared out among the replicas. The
   * pool's builder completes {@code model}, so give it a builder of its own.
   *
   * <pre>{@code
   * ModelPool pool = ModelPool.builder(LlamaChatModel.builder(file).contextSize(4096).threads(4))
   *     .slots(8).maxQueue(64).build();
   * }</pre>
   */
  public static Builder builder(LlamaChatModel.Builder model) {
    Checks.notNull(model, "model");
    return new Builder(model);
  }

  @Override
  public String id() {
    return replicas.get(0).model.id();
  }

  /**
   * Starts the generation now if a slot is free, else queues it.
   *
   * @throws PoolExhaustedException when every slot is busy and the queue is full
   */
  @Override
  public GenerationHandle stream(ChatRequest request, StreamHandler handler) {
    Checks.notNull(request, "request");
    Checks.notNull(handler, "handler");
    Lease lease = new Lease(request, handler, nanos.getAsLong());
    Replica replica;
    synchronized (this) {
      if (closed) {
        throw new dev.parley.chat.GenerationFailedException("model pool " + id() + " is closed", null);
      }
      replica = freest();
      if (replica == null || !queue.isEmpty()) {
        if (queue.size() >= maxQueue) {
          rejected++;
          throw new PoolExhaustedException("all " + slots() + " slots of " + id() + " are busy and "
              + queue.size() + " requests are already waiting", maxWait);
        }
        queue.addLast(lease);
        lease.expiry = timer.schedule(() -> expire(lease), maxWait.toNanos(), TimeUnit.NANOSECONDS);
        return lease;
      }
      replica.busy++;
      started++;
    }
    lease.start(replica);
    return lease;
  }

  private @Nullable Replica freest() {
    Replica best = null;
    for (Replica r : replicas) {
      if (r.busy < r.slots && (best == null || r.slots - r.busy > best.slots - best.busy)) {
        best = r;
      }
    }
    return best;
  }

  private int slots() {
    int n = 0;
    for (Replica r : replicas) {
      n += r.slots;
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
    lease.fail(new PoolExhaustedException("waited " + maxWait + " for a free slot of " + id(), maxWait));
  }

  /** A slot of {@code replica} was freed: start the oldest queued request on it. */
  private void released(Replica replica, int generatedTokens, long firstTokenAfterNanos) {
    Lease next;
    synchronized (this) {
      replica.busy--;
      tokens += generatedTokens;
      if (firstTokenAfterNanos >= 0) {
        firstTokenCount++;
        firstTokenNanos += firstTokenAfterNanos;
      }
      next = closed ? null : queue.pollFirst();
      if (next == null) {
        notifyAll();
        return;
      }
      replica.busy++;
      started++;
    }
    if (next.expiry != null) {
      next.expiry.cancel(false);
    }
    next.start(replica);
  }

  public synchronized PoolStatistics statistics() {
    int busy = 0;
    for (Replica r : replicas) {
      busy += r.busy;
    }
    Duration ttft = firstTokenCount == 0 ? Duration.ZERO : Duration.ofNanos(firstTokenNanos / firstTokenCount);
    return new PoolStatistics(!closed, slots(), busy, queue.size(), started, rejected, tokens, ttft);
  }

  /** What the replicas' engines did, summed: decode steps, prompt tokens reused, saved states. */
  public EngineStatistics engineStatistics() {
    EngineStatistics sum = null;
    for (Replica r : replicas) {
      EngineStatistics s = r.model.statistics();
      sum = sum == null ? s : sum.plus(s);
    }
    return sum;
  }

  // ---- Tokenizer: the first replica's ----

  @Override
  public int countTokens(String text) {
    return replicas.get(0).model.countTokens(text);
  }

  @Override
  public int countTokens(Message message) {
    return replicas.get(0).model.countTokens(message);
  }

  @Override
  public int countTokens(List<Message> messages) {
    return replicas.get(0).model.countTokens(messages);
  }

  /**
   * Refuses new requests, fails the queued ones, cancels running ones, waits for them up to each
   * replica's close timeout and frees the native models. Idempotent.
   */
  @Override
  public void close() {
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
      l.fail(new dev.parley.chat.GenerationFailedException("model pool " + id() + " was closed", null));
    }
    for (Replica r : replicas) {
      r.model.close();
    }
    timer.shutdownNow();
  }

  @Override
  public String toString() {
    return "ModelPool[" + id() + ", " + replicas.size() + " replica(s), " + slots() + " slots]";
  }

  private static final class Replica {
    final LlamaChatModel model;
    final int slots;
    int busy;

    Replica(LlamaChatModel model, int slots) {
      this.model = model;
      this.slots = slots;
    }
  }

  /** One request: queued, then running on a replica. */
  private final class Lease implements GenerationHandle, StreamHandler {
    private final ChatRequest request;
    private final StreamHandler handler;
    private final long arrived;
    private final CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    private @Nullable ScheduledFuture<?> expiry;
    private @Nullable GenerationHandle running;
    private @Nullable Replica replica;
    private boolean cancelled;
    private long firstToken = -1;

    Lease(ChatRequest request, StreamHandler handler, long arrived) {
      this.request = request;
      this.handler = handler;
      this.arrived = arrived;
    }

    void start(Replica on) {
      GenerationHandle h;
      try {
        synchronized (this) {
          replica = on;
          if (cancelled) {
            // Cancelled between leaving the queue and starting: give the slot straight back.
            complete(new ChatResponse("", FinishReason.CANCELLED, new TokenUsage(0, 0)));
            return;
          }
        }
        h = on.model.stream(request, this);
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
      if (firstToken < 0) {
        firstToken = nanos.getAsLong() - arrived;
      }
      handler.onToken(token);
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
      Replica r;
      synchronized (this) {
        r = replica;
        replica = null;
      }
      if (r != null) {
        released(r, generated, firstToken);
      }
    }

    @Override
    public void cancel() {
      boolean wasQueued;
      GenerationHandle h;
      synchronized (ModelPool.this) {
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

  /** Builds a {@link ModelPool}; each setter checks its argument at once. */
  public static final class Builder {
    private final LlamaChatModel.Builder model;
    private int slots;
    private int replicas = 1;
    private int maxQueue = 64;
    private Duration maxWait = Duration.ofSeconds(30);
    private LongSupplier ticker = System::nanoTime;

    private Builder(LlamaChatModel.Builder model) {
      this.model = model;
      // A pool serves several conversations: 4 slots unless the model builder already has some.
      this.slots = model.slots > 1 ? model.slots : 4;
    }

    /** Conversations generating at once per replica; 4 by default. */
    public Builder slots(int slots) {
      model.slots(slots);
      this.slots = slots;
      return this;
    }

    /** Copies of the model to load, each with its slots; 1 by default. */
    public Builder replicas(int replicas) {
      Checks.positive(replicas, "replicas");
      this.replicas = replicas;
      return this;
    }

    /** Requests that may wait for a slot; 64 by default. 0 refuses whatever finds no free slot. */
    public Builder maxQueue(int maxQueue) {
      Checks.notNegative(maxQueue, "maxQueue");
      this.maxQueue = maxQueue;
      return this;
    }

    /** How long a request may wait for a slot; 30 seconds by default. */
    public Builder maxWait(Duration maxWait) {
      Checks.positive(maxWait, "maxWait");
      this.maxWait = maxWait;
      return this;
    }

    /**
     * The clock for the time-to-first-token statistic, in nanoseconds; {@link System#nanoTime()} by
     * default. A test can pass one it advances itself (as with {@code ResponseCache}).
     */
    public Builder ticker(LongSupplier ticker) {
      this.ticker = Checks.notNull(ticker, "ticker");
      return this;
    }

    /** Loads the replicas. */
    public ModelPool build() {
      model.slots(slots);
      if (!model.threadsSet) {
        model.threads(Math.max(1, CpuCores.defaultThreads() / replicas));
      }
      List<Replica> loaded = new ArrayList<>();
      try {
        for (int i = 0; i < replicas; i++) {
          loaded.add(new Replica(model.build(), slots));
        }
      } catch (RuntimeException e) {
        for (Replica r : loaded) {
          r.model.close();
        }
        throw e;
      }
      return new ModelPool(this, loaded);
    }
  }
}
