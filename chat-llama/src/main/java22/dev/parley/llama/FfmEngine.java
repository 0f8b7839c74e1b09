package dev.parley.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationFailedException;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.chat.ParleyException;
import dev.parley.chat.Role;
import dev.parley.chat.StreamHandler;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine on llama.cpp's C API through the Foreign Function & Memory API (JDK 22+).
 *
 * <p>One decode loop per loaded model, on one thread, owns the llama.cpp context: each step puts
 * the next token of every generating sequence and a chunk of the oldest waiting prompt into one
 * {@code llama_decode} (continuous batching; {@link StepPlan} says what a step takes), then samples
 * each sequence's next token with its own native sampler chain. While other conversations
 * generate, a prompt is prefilled {@value StepPlan#PREFILL_CHUNK} tokens a step, so that they keep
 * streaming. Each sequence keeps the tokens its KV cells hold, and a new request takes the free
 * sequence that shares the longest prefix with its prompt: only the rest is processed. Cells a
 * sequence loses to another request are saved first ({@link StateCache}: off-heap memory, then a
 * spill folder) and restored for the request that names their conversation, or whose prompt shares
 * the longest token prefix with them.
 *
 * <p>Per token the loop copies the token's bytes into the reply's inbox; UTF-8 assembly, stop
 * sequences and the handler run on a delivery thread, off the compute threads' path. A stop
 * sequence found there frees the sequence at the next step, as a cancel does.
 *
 * <p>A decode that fails fails the requests of that step with {@link DecodeFailedException}; the
 * loop goes on. When the KV cache has no room, the idle sequences' cached prompts are dropped and
 * the step is tried once more first.
 */
final class FfmEngine implements Engine {
  private static final Logger LOG = LoggerFactory.getLogger(FfmEngine.class);
  private static final AtomicInteger MODELS = new AtomicInteger();
  /**
   * Tokens per llama.cpp micro-batch, llama.cpp's own default: prompts computed together must fit
   * one, or the step pays for each micro-batch's pass over the weights (docs/benchmarks.md, prompts
   * that arrive together).
   */
  private static final int MICRO_BATCH = StepPlan.PREFILL_ALONE;
  private static final int PIECE_BYTES = 256;
  static final String DECODE_THREAD = "parley-decode-";
  /** Thread calibration: decode steps timed per thread count and round, and rounds. */
  private static final int CALIBRATION_STEPS = 4;
  private static final int CALIBRATION_ROUNDS = 3;
  /** Free state memory kept for reuse, as a share of the state cache's bound: 1/8. */
  static final int FREE_STATE_MEMORY_SHARE = 8;

  private final EngineConfig config;
  private final LlamaLibrary lib;
  private final MemorySegment model;
  private final MemorySegment vocab;
  /** The beginning-of-sequence token, put before a prompt when the model wants one. */
  private final int bos;
  /** The window of the model's sliding-window layers (gemma3), 0 when it has none. */
  private final int slidingWindow;
  private final MemorySegment context;
  /** The context's KV memory (llama_get_memory), which every sequence operation takes. */
  private final MemorySegment memory;
  /** One KV buffer for all sequences (the cells are shared), else a stream per sequence. */
  private final boolean kvUnified;
  /**
   * Whether a step gives waiting sequences between generating ones a throwaway token, so that it is
   * one pass over the weights ({@link HoleFilling}): streams of cells, and no recurrent state that
   * the token would advance for good.
   */
  private final boolean fillHoles;
  /** The token a throwaway cell holds: any will do, its cell is removed after the step. */
  private final int fillerToken;
  /**
   * ggml's worker threads for this context, kept between decodes (without one, ggml starts and
   * joins a pool of threads for every graph it computes), sized for the most threads the engine uses.
   */
  private final MemorySegment threadpool;
  /** The template argument of llama_chat_apply_template: a built-in name or the file's template. */
  private final MemorySegment template;
  private final Arena arena = Arena.ofShared();
  private final ExecutorService delivery;
  private final ConcurrentLinkedQueue<Request> incoming = new ConcurrentLinkedQueue<>();
  /** Requests not yet ended for their handler: close cancels those the loop is done with too. */
  private final java.util.Set<Request> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Thread loop;
  private final CountDownLatch warm = new CountDownLatch(1);
  private volatile boolean closing;
  /** The loop has nothing to compute and parks; changed under {@link #idleLock}, which it notifies. */
  private volatile boolean idle;
  private final Object idleLock = new Object();
  private volatile @Nullable Throwable broken;
  /**
   * Saved KV states of sequences that went to other requests, found by conversation or by prefix;
   * null when {@code stateCacheBytes} is 0. Set before the loop starts, used by it only.
   */
  private volatile @Nullable StateCache states;
  /**
   * The memory of saved states and checkpoints. It keeps freed blocks for reuse up to an eighth of
   * the state cache's bound ({@link #FREE_STATE_MEMORY_SHARE}), beside it.
   */
  private final StateMemory stateMemory;
  /** Whether prompts stop short of their end for a checkpoint ({@link PromptReuse#checkpoint}). */
  private volatile boolean checkpoints;
  /** Where each request's prompt starts computing; made at load, before the loop starts. */
  private volatile PromptReuse reuse;
  /**
   * What the chat template puts between an assistant's reply and the next user message (ChatML:
   * {@code <|im_end|>\n<|im_start|>user\n}), or null if the template does not render turns as a
   * growing prefix; found once at load. See {@link TurnPriming}.
   */
  private volatile @Nullable String turnSeparator;
  /** Turn priming; made at load, before the loop starts. */
  private volatile TurnPriming priming;

  // ---- statistics: written by the loop thread only ----
  private volatile long steps;
  private volatile long stepTokens;
  private volatile long fillerTokens;
  private volatile long decodeNanos;
  private volatile long stepNanos;
  /** The thread counts in use: as configured, or as {@link #calibrateThreads()} chose before serving. */
  private volatile int threadsInUse;
  private volatile int batchThreadsInUse;

  // ---- owned by the loop thread ----
  private final Sequence[] seqs;
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  private final int batchCapacity;
  /** The most tokens a step decodes: {@link #batchCapacity}, or fewer where llama.cpp caps it at the context's cells. */
  private final int decodeLimit;
  private final Batch batch;
  private final MemorySegment piece;
  private final int vocabSize;
  /** Requests' sampler chains and the draws from the logits. Loop thread only. */
  private final Sampling sampling;
  private final Sequence[] logitSeq;
  /** What each sequence takes in the step being built. */
  private final StepPlan plan;
  private long stepCounter;

  private FfmEngine(EngineConfig c) {
    this.config = c;
    this.stateMemory = new StateMemory(c.stateCacheBytes() / FREE_STATE_MEMORY_SHARE);
    this.lib = LlamaLibrary.get(c);
    try (Arena local = Arena.ofConfined()) {
      MemorySegment mp = lib.modelDefaultParams((SegmentAllocator) local);
      mp.set(JAVA_INT, LlamaLibrary.MODEL_N_GPU_LAYERS, c.gpuLayers());
      MemorySegment path = local.allocateFrom(c.modelFile().toString());
      this.model = lib.modelLoadFromFile(path, mp);
      if (model.equals(MemorySegment.NULL)) {
        throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, c.modelFile(),
            "llama.cpp could not load " + c.modelFile() + " (see the dev.parley.llama.native log)", null);
      }
      this.vocab = lib.modelGetVocab(model);
      this.bos = lib.vocabBos(vocab);
      this.slidingWindow = lib.modelNSwa(model);
      this.vocabSize = lib.vocabNTokens(vocab);
      this.batchCapacity = c.slots() + StepPlan.PREFILL_ALONE;
      MemorySegment cp = lib.contextDefaultParams((SegmentAllocator) local);
      cp.set(JAVA_INT, LlamaLibrary.CTX_N_CTX, c.effectiveKvCells());
      cp.set(JAVA_INT, LlamaLibrary.CTX_N_BATCH, batchCapacity);
      cp.set(JAVA_INT, LlamaLibrary.CTX_N_UBATCH, Math.min(MICRO_BATCH, batchCapacity));
      cp.set(JAVA_INT, LlamaLibrary.CTX_N_SEQ_MAX, c.slots());
      cp.set(JAVA_INT, LlamaLibrary.CTX_N_THREADS, c.threads());
      cp.set(JAVA_INT, LlamaLibrary.CTX_N_THREADS_BATCH, c.effectiveBatchThreads());
      cp.set(JAVA_BOOLEAN, LlamaLibrary.CTX_NO_PERF, true);
      // On by default: see LlamaChatModel.Builder#flashAttention.
      cp.set(JAVA_INT, LlamaLibrary.CTX_FLASH_ATTN_TYPE,
          c.flashAttention() ? LlamaLibrary.FLASH_ATTN_ENABLED : LlamaLibrary.FLASH_ATTN_DISABLED);
      // A stream of cells per sequence, as llama-server keeps its slots, unless the sequences share
      // fewer cells than they could fill (kvCells). In one unified buffer a step attends over every
      // sequence's cells, masked: 32 conversations x 6 turns on 4 sequences (ConversationLoad) took
      // 192 ms a step at turn 6 where per-sequence streams took 137. Between streams only a whole
      // sequence can be copied (a partial llama_memory_seq_cp aborts the process); see PromptReuse.prepare.
      this.kvUnified = c.effectiveKvCells() < c.contextSize() * c.slots();
      cp.set(JAVA_BOOLEAN, LlamaLibrary.CTX_KV_UNIFIED, kvUnified);
      cp.set(JAVA_BOOLEAN, LlamaLibrary.CTX_SWA_FULL, c.fullSlidingWindowCache());
      // defrag_thold stays off (the library's default): at 0.1, as llama.cpp's tools set it, 8
      // free-running conversations streamed 106-115 tok/s instead of 133-152 (StreamsThroughput).
      this.context = lib.initFromModel(model, cp);
      if (context.equals(MemorySegment.NULL)) {
        lib.modelFree(model);
        throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, c.modelFile(),
            "llama.cpp could not create a context of " + c.effectiveKvCells() + " cells for " + c.modelFile(), null);
      }
      this.memory = lib.getMemory(context);
      this.decodeLimit = Math.min(batchCapacity, lib.nBatch(context));
      this.threadpool = lib.threadpoolNew(Math.max(c.threads(), c.effectiveBatchThreads()));
      if (threadpool.equals(MemorySegment.NULL)) {
        lib.free(context);
        lib.modelFree(model);
        throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, c.modelFile(),
            "ggml could not start a pool of " + Math.max(c.threads(), c.effectiveBatchThreads()) + " threads", null);
      }
      lib.attachThreadpool(context, threadpool, threadpool);
    }
    this.template = c.template() != null ? arena.allocateFrom(c.template()) : fileTemplate();
    this.threadsInUse = c.threads();
    this.batchThreadsInUse = c.effectiveBatchThreads();
    this.seqs = new Sequence[c.slots()];
    for (int i = 0; i < seqs.length; i++) {
      seqs[i] = new Sequence(i, c.contextSize());
    }
    this.logitSeq = new Sequence[batchCapacity];
    this.fillHoles = !kvUnified && seqs.length > 1 && !lib.modelHasRecurrentState(model);
    this.plan = new StepPlan(seqs.length, decodeLimit, fillHoles);
    this.fillerToken = Math.max(0, bos);
    this.batch = new Batch(lib, batchCapacity, arena);
    this.piece = arena.allocate(PIECE_BYTES);
    this.sampling = new Sampling(lib, context, vocab, vocabSize, arena);

    int n = MODELS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    this.delivery = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "parley-ffm-" + n + "-deliver-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    // Linux shows the first 15 characters of a thread's name, and llama.cpp's OpenMP workers, which
    // the loop thread starts, inherit them: "parley-decode-N".
    this.loop = new Thread(this::run, DECODE_THREAD + n);
    this.loop.setDaemon(true);
  }

  /** Loads the model, checks its chat template, starts the decode loop and warms it up. */
  static Engine load(EngineConfig config) {
    FfmEngine engine = new FfmEngine(config);
    ChatFormat format = config.format();
    if (format == null) {
      try {
        engine.applyTemplate("", List.of(Message.user("Hello")));
      } catch (InvalidRequestException e) {
        engine.freeNative();
        throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, config.modelFile(), "llama.cpp does"
            + " not know the chat template of " + config.modelFile() + "; name a built-in one with chatTemplate()", e);
      }
    }
    if (config.promptCache()) {
      engine.turnSeparator = TurnSeparator.find(format == null ? engine::applyTemplate : (system, turns) -> {
        List<Message> messages = new ArrayList<>();
        if (!system.isEmpty()) {
          messages.add(Message.system(system));
        }
        messages.addAll(turns);
        try {
          return format.render(messages);
        } catch (InvalidRequestException e) {
          return ""; // a template that refuses the probe gets no priming
        }
      });
      if (engine.turnSeparator == null) {
        LOG.debug("the chat template of {} does not render turns as a growing prefix: no priming", config.id());
      }
    }
    if (config.stateCacheBytes() > 0) {
      try {
        engine.states = new StateCache(config.stateCacheBytes(), config.stateSpillFolder(), config.stateSpillBytes(),
            Integer.toString(MODELS.get()), engine.stateMemory);
      } catch (IOException e) {
        engine.freeNative();
        throw new ModelLoadException(ModelLoadException.Reason.INCOMPATIBLE_SETTINGS, config.modelFile(),
            "cannot make a folder for conversation states in " + config.stateSpillFolder() + ": " + e, e);
      }
    }
    engine.priming = new TurnPriming(engine.turnSeparator, engine::tokenize, config.addsBos() ? engine.bos : -1,
        config.contextSize(), config.turnPrimingDelay(), (seq, at) -> engine.lib.memorySeqRm(engine.memory, seq.id, at, -1));
    // Cutting cells back is exact only without recurrent state or a sliding window, and the tiled
    // kernel is that of ggml's fused attention on the CPU.
    boolean tiledPrompts = engine.slidingWindow == 0 && !engine.lib.modelHasRecurrentState(engine.model)
        && config.gpuLayers() == 0 && config.flashAttention();
    engine.reuse = new PromptReuse(engine.lib, engine.context, engine.memory, engine.seqs, config, engine.kvUnified,
        engine.slidingWindow, tiledPrompts, engine.states, engine.stateMemory);
    engine.checkpoints = engine.reuse.takesCheckpoints();
    engine.loop.start();
    try {
      engine.warm.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Throwable failed = engine.broken;
    if (failed != null) {
      engine.close();
      throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, config.modelFile(),
          "warm-up of " + config.id() + " failed: " + failed.getMessage(), failed);
    }
    return engine;
  }

  private MemorySegment fileTemplate() {
    MemorySegment t = lib.modelChatTemplate(model);
    return t.equals(MemorySegment.NULL) ? arena.allocateFrom("chatml") : t;
  }

  @Override
  public String name() {
    return "ffm";
  }

  @Override
  public int[] tokenize(String text) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    try (Arena local = Arena.ofConfined()) {
      MemorySegment bytes = local.allocate(Math.max(1, utf8.length));
      MemorySegment.copy(utf8, 0, bytes, JAVA_BYTE, 0, utf8.length);
      int capacity = utf8.length + 2;
      MemorySegment out = local.allocate(JAVA_INT, capacity);
      int n = lib.tokenize(vocab, bytes, utf8.length, out, capacity, false, true);
      if (n < 0) {
        capacity = -n;
        out = local.allocate(JAVA_INT, capacity);
        n = lib.tokenize(vocab, bytes, utf8.length, out, capacity, false, true);
      }
      if (n < 0) {
        throw new InvalidRequestException("llama.cpp could not tokenize a text of " + utf8.length + " bytes");
      }
      return out.asSlice(0, 4L * n).toArray(JAVA_INT);
    }
  }

  @Override
  public String applyTemplate(String system, List<Message> turns) {
    try (Arena local = Arena.ofConfined()) {
      List<String[]> messages = new ArrayList<>(turns.size() + 1);
      if (!system.isEmpty()) {
        messages.add(new String[] {"system", system});
      }
      for (Message m : turns) {
        messages.add(new String[] {m.role() == Role.USER ? "user" : m.role() == Role.SYSTEM ? "system" : "assistant",
            m.content()});
      }
      MemorySegment chat = local.allocate(LlamaLibrary.CHAT_MESSAGE, Math.max(1, messages.size()));
      long total = 0;
      for (int i = 0; i < messages.size(); i++) {
        MemorySegment m = chat.asSlice(i * LlamaLibrary.CHAT_MESSAGE.byteSize(), LlamaLibrary.CHAT_MESSAGE);
        MemorySegment content = local.allocateFrom(messages.get(i)[1]);
        m.set(ADDRESS, LlamaLibrary.MSG_ROLE, local.allocateFrom(messages.get(i)[0]));
        m.set(ADDRESS, LlamaLibrary.MSG_CONTENT, content);
        total += content.byteSize();
      }
      int capacity = (int) Math.min(Integer.MAX_VALUE - 8, 2 * total + 256);
      MemorySegment buf = local.allocate(capacity);
      int n = lib.chatApplyTemplate(template, chat, (long) messages.size(), true, buf, capacity);
      if (n > capacity) {
        capacity = n;
        buf = local.allocate(capacity);
        n = lib.chatApplyTemplate(template, chat, (long) messages.size(), true, buf, capacity);
      }
      if (n < 0) {
        throw new InvalidRequestException("llama.cpp could not apply the chat template of " + config.id());
      }
      return new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }
  }

  @Override
  public GenerationHandle start(String prompt, int[] tokens, int promptTokens, @Nullable String conversation,
      GenerationOptions options, @Nullable String grammar, @Nullable String grammarTrigger, StreamHandler handler) {
    int[] sequence = tokens;
    if (config.addsBos()) {
      sequence = new int[tokens.length + 1];
      sequence[0] = bos;
      System.arraycopy(tokens, 0, sequence, 1, tokens.length);
    }
    Request r = new Request(sequence, promptTokens, conversation, options, grammar, grammarTrigger, handler,
        turnSeparator != null ? prompt : null, delivery, loop, open);
    Throwable failure = broken;
    if (failure != null) {
      throw new GenerationFailedException("the decode loop of " + config.id() + " failed: " + failure, failure);
    }
    if (closing) {
      throw new GenerationFailedException("model " + config.id() + " is closed", null);
    }
    open.add(r);
    incoming.add(r);
    LockSupport.unpark(loop);
    return r;
  }

  @Override
  public EngineStatistics statistics() {
    StateCache cache = states;
    long bytes = 0;
    long saved = 0;
    long restored = 0;
    long restoredByPrefix = 0;
    long misses = 0;
    long evicted = 0;
    if (cache != null) {
      bytes = cache.bytes();
      saved = cache.saved();
      restored = cache.restored();
      restoredByPrefix = cache.restoredByPrefix();
      misses = cache.misses();
      evicted = cache.evicted();
    }
    StateSpill second = cache == null ? null : cache.spill();
    long spilled = 0;
    long readBack = 0;
    long spillBytes = 0;
    long spillLimit = 0;
    if (second != null) {
      spilled = second.spilled();
      readBack = second.readBack();
      spillBytes = second.bytes();
      spillLimit = second.maxBytes();
    }
    return EngineStatistics.builder().engine(name()).steps(steps).stepTokens(stepTokens).fillerTokens(fillerTokens).promptTokens(reuse.promptTokens())
        .promptTokensReused(reuse.promptTokensReused()).statesSaved(saved).statesRestored(restored).statesRestoredByPrefix(restoredByPrefix)
        .stateMisses(misses)
        .statesEvicted(evicted).stateBytes(bytes).stateBytesLimit(config.stateCacheBytes()).decodeNanos(decodeNanos)
        .stepNanos(stepNanos).stateNanos(reuse.stateNanos()).statesSpilled(spilled).statesReadBack(readBack)
        .spillBytes(spillBytes).spillBytesLimit(spillLimit).build();
  }

  /**
   * Cancels what runs and waits, stops the loop and frees the native model, at most the close
   * timeout; a loop still inside llama.cpp after it keeps the model allocated, with an error logged.
   */
  @Override
  public void close() {
    closing = true;
    if (loop.isAlive()) {
      LockSupport.unpark(loop);
      try {
        loop.join(Math.max(1, config.closeTimeout().toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (loop.isAlive()) {
      LOG.error("the decode loop of {} is still running {} after close: the native model is not freed",
          config.id(), config.closeTimeout());
      return;
    }
    // A request that slipped in while the loop stopped.
    for (Request r; (r = incoming.poll()) != null; ) {
      r.end(FinishReason.CANCELLED, null);
    }
    // Replies the loop finished whose text is still being streamed to a slow handler end cancelled.
    for (Request r : open) {
      r.cancelled = true;
    }
    delivery.shutdown();
    StateCache cache = states;
    if (cache != null) {
      cache.close(config.closeTimeout());
    }
    for (Sequence s : seqs) {
      if (s.checkpoint != null) {
        s.checkpoint.free();
        s.checkpoint = null;
      }
    }
    stateMemory.close();
    freeNative();
  }

  private void freeNative() {
    try {
      lib.free(context);
      lib.threadpoolFree(threadpool);
      lib.modelFree(model);
    } finally {
      arena.close();
    }
  }

  // ---- the decode loop ----

  private void run() {
    try {
      warmUp();
    } catch (Throwable e) {
      broken = e;
      warm.countDown();
      return;
    }
    warm.countDown();
    try {
      while (true) {
        for (Request r; (r = incoming.poll()) != null; ) {
          waiting.add(r);
        }
        if (closing) {
          cancelEverything();
          return;
        }
        dropCancelled();
        assignFreeSequences();
        if (!anyActive()) {
          if (incoming.isEmpty() && !closing) {
            long untilPrime = priming.untilNext(seqs, System.nanoTime());
            if (untilPrime < 0) {
              setIdle(true);
              LockSupport.park(this);
            } else {
              LockSupport.parkNanos(this, untilPrime); // a reply's sequence waits out the priming delay
            }
          }
          continue;
        }
        setIdle(false);
        step();
      }
    } catch (Throwable e) {
      broken = e;
      LOG.error("the decode loop of {} failed; the model serves no more requests", config.id(), e);
      GenerationFailedException failure = new GenerationFailedException("the decode loop of " + config.id()
          + " failed: " + e, e);
      for (Sequence s : seqs) {
        if (s.request != null) {
          release(s, null, failure);
        }
      }
      for (Request r; (r = waiting.poll()) != null || (r = incoming.poll()) != null; ) {
        r.end(null, failure);
      }
    }
  }

  private void setIdle(boolean now) {
    if (idle != now) {
      synchronized (idleLock) {
        idle = now;
        idleLock.notifyAll();
      }
    }
  }

  @Override
  public boolean awaitIdle(java.time.Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (idleLock) {
      // A request handed over but not yet taken by the loop is work too.
      while (!idle || !incoming.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !loop.isAlive()) {
          return false;
        }
        // Bounded: a request that arrives and is taken between two checks does not notify.
        TimeUnit.NANOSECONDS.timedWait(idleLock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
      }
    }
    return true;
  }

  /** Decodes one token, so that the weights are paged in and the compute threads exist. */
  private void warmUp() {
    probeSteps(1, 1);
    if (config.calibrateThreads()) {
      calibrateThreads();
    }
  }

  /**
   * Times decode steps at every thread count from 1 to the configured one and keeps the fastest:
   * steps of one token (one stream) set the threads, steps of one token for each slot (several
   * streams) the batch threads. The counts alternate within each round, as this machine's speed
   * drifts, and each count's median round decides. Before the loop serves anything.
   */
  private void calibrateThreads() {
    int most = Math.max(config.threads(), config.effectiveBatchThreads());
    if (most <= 1) {
      return;
    }
    int streams = Math.min(config.slots(), batchCapacity);
    ThreadCalibration.Result r = ThreadCalibration.run(most, streams, CALIBRATION_ROUNDS, CALIBRATION_STEPS,
        new ThreadCalibration.Probe() {
          @Override
          public void useThreads(int n) {
            lib.setNThreads(context, n, n);
          }

          @Override
          public long time(int n, int steps) {
            return probeSteps(n, steps);
          }
        });
    lib.setNThreads(context, r.single(), r.batch());
    threadsInUse = r.single();
    batchThreadsInUse = r.batch();
    LOG.info("{}: calibrated threads {} for one stream, {} for {} (median µs a step, 1 / {} tokens, by threads: {})",
        config.id(), r.single(), r.batch(), streams, streams, r.figures());
  }

  /**
   * Decodes {@code steps} steps of one token in each of {@code streams} sequences, before the loop
   * serves (warm-up, calibration), and clears the cache; returns the nanoseconds they took.
   */
  private long probeSteps(int streams, int steps) {
    long start = System.nanoTime();
    for (int step = 0; step < steps; step++) {
      for (int i = 0; i < streams; i++) {
        batch.add(i, step, bos >= 0 ? bos : 1, true);
      }
      int rc = batch.decode(context);
      if (rc != 0) {
        lib.memoryClear(memory, true);
        throw new DecodeFailedException("llama_decode returned " + rc + " before the model served", rc, null);
      }
    }
    long took = System.nanoTime() - start;
    lib.memoryClear(memory, true);
    return took;
  }

  @Override
  public int threads() {
    return threadsInUse;
  }

  @Override
  public int batchThreads() {
    return batchThreadsInUse;
  }

  /** A request to serve, or priming that is due. */
  private boolean anyActive() {
    long now = System.nanoTime();
    for (Sequence s : seqs) {
      if (s.request != null || TurnPriming.due(s, now)) {
        return true;
      }
    }
    return false;
  }

  private void cancelEverything() {
    for (Sequence s : seqs) {
      if (s.request != null) {
        release(s, FinishReason.CANCELLED, null);
      }
    }
    for (Request r; (r = waiting.poll()) != null; ) {
      r.end(FinishReason.CANCELLED, null);
    }
  }

  private void dropCancelled() {
    for (Sequence s : seqs) {
      Request r = s.request;
      if (r != null && (r.cancelled || r.stopped)) {
        release(s, FinishReason.CANCELLED, null);
      }
    }
    waiting.removeIf(r -> {
      if (r.cancelled) {
        r.end(FinishReason.CANCELLED, null);
        return true;
      }
      return false;
    });
  }

  /**
   * Gives free sequences to the waiting requests, oldest first: the sequence that holds the
   * request's conversation, else the one whose cells share the longest prefix with its prompt
   * ({@link #worthKeeping}; ties: an empty one, then one no conversation owns, then the least
   * recently used).
   */
  private void assignFreeSequences() {
    while (!waiting.isEmpty()) {
      Request r = waiting.peekFirst();
      Sequence target = chooseSequence(r);
      if (target == null) {
        return;
      }
      waiting.pollFirst();
      reuse.prepare(target, r);
      target.request = r;
      target.pending = -1;
      target.generated = 0;
      target.lastUsed = ++stepCounter;
      try {
        if (r.grammar != null) {
          r.grammarSampler = sampling.grammar(r.grammar, r.grammarTrigger);
        }
        r.sampler = Sampling.plainGreedy(r.options) && r.grammar == null ? null : sampling.chain(r.options);
      } catch (IllegalStateException e) {
        release(target, null, new GenerationFailedException("the grammar of a request to " + config.id()
            + " does not parse: " + e.getMessage(), e));
      }
    }
  }

  /** Greedy decoding with nothing before the draw: the token is the first with the highest logit. */
  private @Nullable Sequence chooseSequence(Request r) {
    Sequence best = null;
    int bestShared = -1;
    for (Sequence s : seqs) {
      if (s.request != null) {
        continue;
      }
      if (r.conversation != null && r.conversation.equals(s.conversation) && s.cachedLength > 0) {
        return s;
      }
      int shared = config.promptCache() ? worthKeeping(s, s.sharedPrefix(r.tokens)) : 0;
      if (best == null || shared > bestShared
          || (shared == bestShared && (s.cost() < best.cost() || (s.cost() == best.cost() && s.lastUsed < best.lastUsed)))) {
        best = s;
        bestShared = shared;
      }
    }
    return best;
  }

  /**
   * What {@code shared} tokens of a sequence's cells are worth to a request that would take it:
   * all of them when the prompt goes on from every cell the sequence holds, or when they make a
   * block ({@link PrefixIndex#BLOCK}) or more; else none. A few shared tokens (the start of the
   * chat template) do not make it worth overwriting another conversation's cells (and saving them
   * first) while a sequence holding less is free: the free one computes them again (or shares
   * their cells, in one buffer of cells; {@link PromptReuse}).
   */
  private static int worthKeeping(Sequence s, int shared) {
    return shared == s.cachedLength || shared >= PrefixIndex.BLOCK ? shared : 0;
  }

  /** One llama_decode: every generating sequence's next token, then prompt chunks. */
  private void step() {
    long start = System.nanoTime();
    try {
      buildDecodeAndSample();
    } finally {
      stepNanos += System.nanoTime() - start;
    }
  }

  private void buildDecodeAndSample() {
    // What each sequence takes (StepPlan), then the batch in id order: llama.cpp splits a batch for
    // streams of cells by runs of consecutive ids, in the order their first tokens come.
    long now = System.nanoTime();
    for (Sequence s : seqs) {
      s.stepStart = s.cachedLength;
      s.stepPrefillStart = s.prefilled;
      Request r = s.request;
      plan.generating[s.id] = r != null && s.pending >= 0;
      plan.promptLeft[s.id] = r != null && s.pending < 0 ? r.tokens.length - s.prefilled : 0;
      plan.requestAge[s.id] = s.lastUsed;
      plan.primeLeft[s.id] = r == null && s.prime != null ? s.prime.length - s.cachedLength : 0;
      plan.primeDue[s.id] = TurnPriming.due(s, now);
      plan.fillable[s.id] = s.cachedLength < config.contextSize();
    }
    int n = plan.plan();
    if (n == 0) {
      return;
    }
    int fillers = 0;
    int at = 0;
    for (Sequence s : seqs) {
      int take = plan.count[s.id];
      Request r = s.request;
      if (take == 0) {
        if (plan.fill[s.id]) {
          logitSeq[batch.add(s.id, s.cachedLength, fillerToken, false)] = null;
          fillers++;
        }
      } else if (r != null && s.pending >= 0) {
        at = add(at, s, s.pending, true);
      } else if (r != null) {
        int checkpointAt = checkpoints ? PromptReuse.checkpointAt(r.tokens.length) : 0;
        if (s.prefilled < checkpointAt) {
          take = Math.min(take, checkpointAt - s.prefilled); // the step ends where the checkpoint is taken
        }
        for (int i = 0; i < take; i++) {
          boolean last = s.prefilled + 1 == r.tokens.length;
          at = add(at, s, r.tokens[s.prefilled], last);
          s.prefilled++;
        }
      } else {
        for (int i = 0; i < take; i++) {
          at = add(at, s, s.prime[s.cachedLength], false);
        }
        if (s.cachedLength >= s.prime.length) {
          s.prime = null;
        }
      }
    }
    long decodeStart = System.nanoTime();
    int rc = batch.decode(context);
    decodeNanos += System.nanoTime() - decodeStart;
    if (fillers > 0) {
      removeFillers();
    }
    steps++;
    stepTokens += at; // the plan's n, less what a checkpoint held back
    fillerTokens += fillers;
    if (rc != 0) {
      decodeFailed(rc);
      return;
    }
    if (checkpoints) {
      for (Sequence s : seqs) {
        Request r = s.request;
        if (r != null && s.stepPrefillStart < s.prefilled && s.prefilled == PromptReuse.checkpointAt(r.tokens.length)) {
          reuse.checkpoint(s);
        }
      }
    }
    for (int i = 0; i < at + fillers; i++) {
      Sequence s = logitSeq[i];
      if (s != null) {
        logitSeq[i] = null;
        sample(s, i);
      }
    }
  }

  /** Takes the step's throwaway tokens out of their sequences' cells again. */
  private void removeFillers() {
    for (Sequence s : seqs) {
      if (plan.fill[s.id] && !lib.memorySeqRm(memory, s.id, s.cachedLength, -1)) {
        // Not expected of an attention cache: start the sequence afresh rather than keep a stray cell.
        LOG.debug("{}: could not remove the throwaway cell of sequence {}; its cached prompt is dropped", config.id(), s.id);
        boolean ignored = lib.memorySeqRm(memory, s.id, 0, -1);
        s.cachedLength = 0;
        s.prefilled = 0;
        s.conversation = null;
        s.prime = null;
      }
    }
  }

  private int add(int n, Sequence s, int token, boolean logits) {
    int at = batch.add(s.id, s.cachedLength, token, logits);
    logitSeq[at] = logits ? s : null;
    s.cached[s.cachedLength++] = token;
    return n + 1;
  }

  /** Undoes a failed step: the sequences' cells and positions are as before it. */
  private void rollBack() {
    Arrays.fill(logitSeq, null);
    for (Sequence s : seqs) {
      if (s.cachedLength != s.stepStart) {
        boolean ignored = lib.memorySeqRm(memory, s.id, s.stepStart, -1);
        s.cachedLength = s.stepStart;
        s.prefilled = s.stepPrefillStart;
      }
    }
  }

  /** Frees the cells idle sequences keep for their cached prompts; true if any were freed. */
  private boolean dropIdleCaches() {
    boolean any = false;
    for (Sequence s : seqs) {
      if (s.request == null && s.cachedLength > 0) {
        s.prime = null;
        reuse.save(s);
        s.conversation = null;
        boolean ignored = lib.memorySeqRm(memory, s.id, 0, -1);
        s.cachedLength = 0;
        any = true;
      }
    }
    return any;
  }

  /**
   * Undoes a step llama.cpp could not decode and fails only the requests it must: when the cache
   * had no room, the idle sequences' cached prompts are dropped and the step is tried again; if
   * there is none to drop, the prompts being prefilled fail (they asked for the cells) and the
   * generating sequences go on; a step of generating sequences alone fails them.
   */
  private void decodeFailed(int rc) {
    for (Sequence s : seqs) {
      s.prime = null; // priming is a saving, never worth a failure
    }
    List<Sequence> involved = new ArrayList<>();
    boolean anyPrefill = false;
    for (Sequence s : seqs) {
      if (s.request != null && s.cachedLength != s.stepStart) {
        involved.add(s);
        anyPrefill |= s.prefilled != s.stepPrefillStart;
      }
    }
    rollBack();
    // llama.cpp b4916 returns -3 when it finds no free cells for a micro-batch (the header's 1 is
    // not what this version says), and -3 too when a computation fails.
    boolean maybeNoRoom = rc == 1 || rc == -3;
    if (maybeNoRoom && dropIdleCaches()) {
      LOG.debug("llama_decode returned {} for {}: dropped the idle sequences' cached prompts", rc, config.id());
      return;
    }
    String why = maybeNoRoom
        ? "no room in the KV cache of " + config.id() + " (" + config.effectiveKvCells() + " cells shared by "
            + seqs.length + " sequences; llama_decode returned " + rc + ")"
        : "llama_decode failed with " + rc + " for model " + config.id();
    for (Sequence s : involved) {
      boolean prefilling = s.prefilled < s.request.tokens.length;
      if (!maybeNoRoom || !anyPrefill || prefilling) {
        release(s, null, new DecodeFailedException(why, rc, null));
      }
    }
  }

  private void sample(Sequence s, int index) {
    Request r = s.request;
    int token = r.sampler == null ? sampling.argmax(index) : sampling.draw(r.sampler, r.grammarSampler, index, r.validUtf8);
    s.pending = -1;
    if (token < 0) {
      release(s, null, new GenerationFailedException("the sampler chain of " + config.id()
          + " selected no token (" + r.options + (r.grammar == null ? "" : "; under a grammar that allows none, or only tokens"
          + " that break UTF-8") + ")", null));
      return;
    }
    if (lib.vocabIsEog(vocab, token)) {
      release(s, FinishReason.STOP, null);
      return;
    }
    int len = lib.tokenToPiece(vocab, token, piece, PIECE_BYTES, false);
    byte[] bytes = len > 0 ? piece.asSlice(0, len).toArray(JAVA_BYTE) : new byte[0];
    r.push(bytes);
    if (r.reply != null) {
      r.reply.writeBytes(bytes);
    }
    s.generated++;
    if (s.generated >= r.options.maxTokens() || s.cachedLength + 1 > config.contextSize()) {
      release(s, FinishReason.LENGTH, null);
    } else {
      s.pending = token;
    }
  }

  /** Ends the sequence's request; its cells stay, as the prompt cache for the next request. */
  private void release(Sequence s, @Nullable FinishReason reason, @Nullable ParleyException error) {
    Request r = s.request;
    s.request = null;
    s.pending = -1;
    s.lastUsed = ++stepCounter;
    if (s.prefilled < r.tokens.length) {
      // The prompt was not all processed: the cells hold a prefix of it, which is still valid.
      s.cachedLength = Math.min(s.cachedLength, s.prefilled);
    }
    MemorySegment chain = r.sampler;
    MemorySegment grammar = r.grammarSampler;
    r.sampler = null;
    r.grammarSampler = null;
    if (chain != null) {
      sampling.free(chain);
    }
    if (grammar != null) {
      sampling.free(grammar);
    }
    r.end(reason, error);
    if (error == null && (reason == FinishReason.STOP || reason == FinishReason.LENGTH)) {
      try {
        priming.queue(s, r);
      } catch (RuntimeException e) {
        LOG.debug("could not prepare the next turn of {}", r.conversation, e);
      }
    }
  }

  @Override
  public String toString() {
    return "FfmEngine[" + config.id() + ", " + seqs.length + " sequences, library " + lib.file + "]";
  }

}
