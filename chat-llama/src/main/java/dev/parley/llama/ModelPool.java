package dev.parley.llama;

import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.Message;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.Tokenizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

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
  private final List<LlamaChatModel> replicas;
  /** The one scheduler in front of the replicas' engines (theirs is bypassed: see {@link LlamaChatModel#startNow}). */
  private final Admission admission;

  private ModelPool(Builder b, List<LlamaChatModel> replicas) {
    this.replicas = List.copyOf(replicas);
    int[] slots = new int[replicas.size()];
    java.util.Arrays.fill(slots, b.slots);
    this.admission = new Admission(replicas.get(0).id(), slots, b.maxQueue, b.maxWait, b.ticker);
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
    return replicas.get(0).id();
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
    return admission.admit((replica, h) -> replicas.get(replica).startNow(request, h), handler);
  }

  public PoolStatistics statistics() {
    return admission.statistics();
  }

  /** What the replicas' engines did, summed: decode steps, prompt tokens reused, saved states. */
  public EngineStatistics engineStatistics() {
    EngineStatistics sum = null;
    for (LlamaChatModel r : replicas) {
      EngineStatistics s = r.statistics();
      sum = sum == null ? s : sum.plus(s);
    }
    return sum;
  }

  // ---- Tokenizer: the first replica's ----

  @Override
  public int countTokens(String text) {
    return replicas.get(0).countTokens(text);
  }

  @Override
  public int countTokens(Message message) {
    return replicas.get(0).countTokens(message);
  }

  @Override
  public int countTokens(List<Message> messages) {
    return replicas.get(0).countTokens(messages);
  }

  /**
   * Refuses new requests, fails the queued ones, cancels running ones, waits for them up to each
   * replica's close timeout and frees the native models. Idempotent.
   */
  @Override
  public void close() {
    admission.close();
    for (LlamaChatModel r : replicas) {
      r.close();
    }
  }

  @Override
  public String toString() {
    return "ModelPool[" + id() + ", " + replicas.size() + " replica(s), " + admission.statistics().slots() + " slots]";
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
      List<LlamaChatModel> loaded = new ArrayList<>();
      try {
        for (int i = 0; i < replicas; i++) {
          loaded.add(model.build());
        }
      } catch (RuntimeException e) {
        for (LlamaChatModel r : loaded) {
          r.close();
        }
        throw e;
      }
      return new ModelPool(this, loaded);
    }
  }
}
