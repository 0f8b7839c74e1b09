package dev.parley.llama;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.Pair;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationFailedException;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.ParleyException;
import dev.parley.chat.Role;
import dev.parley.chat.StreamHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine on java-llama.cpp's JNI API, for every JDK: llama.cpp's server loop with its parallel
 * slots (continuous batching) and per-slot prompt cache; one Java thread per running generation
 * reads its tokens.
 */
final class JniEngine implements Engine {
  private static final Logger LOG = LoggerFactory.getLogger(JniEngine.class);
  private static final AtomicInteger MODELS = new AtomicInteger();
  private static final int MICRO_BATCH = 64;

  private final EngineConfig config;
  private final LlamaModel model;
  private final ExecutorService executor;
  private final Set<JniGeneration> active = ConcurrentHashMap.newKeySet();
  /** Single-byte tokens ruled out under a grammar (ByteTokens); read from the file when first needed. */
  private volatile int @Nullable [] riskyBytes;

  JniEngine(EngineConfig c) {
    this.config = c;
    ModelParameters params =
        new ModelParameters()
            .setModel(c.modelFile().toString())
            .setCtxSize(c.effectiveKvCells())
            .setParallel(c.slots())
            .setThreads(c.threads())
            .setThreadsBatch(c.effectiveBatchThreads())
            .enableContBatching()
            // llama.cpp b4916 needs one contiguous run of free KV cells per micro-batch and fails
            // the whole batch when there is none. With many conversations rotating through the
            // slots, their cached prompts fragment the shared cache: at the default 512 the
            // example server lost replies under 100 sessions on 8 slots; at 64 it lost none.
            .setUbatchSize(MICRO_BATCH)
            // llama.cpp's warm-up decode runs on the thread that loads the model, and every other
            // decode on java-llama.cpp's own server thread. The native library uses OpenMP, which
            // keeps a thread team per calling thread: two teams of n threads on n cores make
            // libgomp count more threads than cores and sleep in the kernel at every barrier of
            // every decode (measured here: 2 threads, one stream, 25-37 tok/s instead of 97-108).
            // So the warm-up is done below, through the server thread.
            .skipWarmup()
            .disableLog();
    if (c.gpuLayers() > 0) {
      params.setGpuLayers(c.gpuLayers());
    }
    if (c.template() != null) {
      params.setChatTemplate(c.template());
    }
    NativeLog.loadLibrary();
    try {
      this.model = new LlamaModel(params);
    } catch (RuntimeException e) {
      throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, c.modelFile(),
          "llama.cpp b4916 (the JNI engine, JDK 17-21) could not load " + c.modelFile() + " (architecture "
              + architecture(c.modelFile()) + "): " + e.getMessage() + ". On JDK 22 or newer the FFM engine runs"
              + " llama.cpp 0.4.0, which loads the model families of 2025-26 (Qwen3, Gemma 3, ...)", e);
    }
    NativeLog.install();
    NativeThreads.modelOpened();
    warmUp();
    int n = MODELS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "parley-llama-" + n + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** The GGUF file's {@code general.architecture}, or "unknown". Never throws. */
  private static String architecture(java.nio.file.Path file) {
    try {
      return GgufFile.read(file).architecture();
    } catch (RuntimeException e) {
      return "unknown";
    }
  }

  /**
   * Decodes one token on the server thread, so that the weights are paged in and the compute
   * threads exist before the first request, as llama.cpp's own warm-up would.
   */
  private void warmUp() {
    try {
      model.complete(new InferenceParameters("Hello").setNPredict(1).setCachePrompt(false));
    } catch (RuntimeException e) {
      model.close();
      NativeThreads.modelClosed();
      throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, config.modelFile(), "warm-up of "
          + config.id() + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public String name() {
    return "jni";
  }

  @Override
  public int[] tokenize(String text) {
    return model.encode(text);
  }

  @Override
  public String applyTemplate(String system, List<Message> turns) {
    List<Pair<String, String>> pairs = new ArrayList<>(turns.size());
    for (Message m : turns) {
      pairs.add(new Pair<>(m.role() == Role.USER ? "user" : "assistant", m.content()));
    }
    return model.applyTemplate(new InferenceParameters("").setMessages(system, pairs));
  }

  @Override
  public GenerationHandle start(String prompt, int[] tokens, int promptTokens, @Nullable String conversation,
      GenerationOptions options, @Nullable String grammar, @Nullable String grammarTrigger, StreamHandler handler) {
    // java-llama.cpp has no lazy grammars: a reply constrained only after a trigger is left free.
    JniGeneration g = new JniGeneration(prompt, promptTokens, options, grammarTrigger == null ? grammar : null, handler);
    active.add(g);
    try {
      executor.execute(g);
    } catch (RuntimeException e) {
      active.remove(g);
      throw new GenerationFailedException("model " + config.id() + " is closed", e);
    }
    return g;
  }

  private int[] riskyBytes() {
    int[] r = riskyBytes;
    if (r == null) {
      GgufFile file = GgufFile.readKeepingArrays(config.modelFile(), Set.of("tokenizer.ggml.tokens", "tokenizer.ggml.token_type"));
      Object model = file.metadata().get("tokenizer.ggml.model");
      r = file.types().containsKey("tokenizer.ggml.tokens") && file.types().containsKey("tokenizer.ggml.token_type")
          ? ByteTokens.risky(String.valueOf(model), file.array("tokenizer.ggml.tokens").values(),
              file.array("tokenizer.ggml.token_type").values())
          : new int[0];
      riskyBytes = r;
    }
    return r;
  }

  @Override
  public EngineStatistics statistics() {
    return EngineStatistics.none(name());
  }

  /** As configured: java-llama.cpp's server takes its threads at load (no calibration). */
  @Override
  public int threads() {
    return config.threads();
  }

  @Override
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (active) {
      while (!active.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(active, left);
      }
    }
    return true;
  }

  @Override
  public int batchThreads() {
    return config.effectiveBatchThreads();
  }

  /**
   * Cancels running generations, waits for them (up to the close timeout) and frees the native
   * model. If a generation is still inside llama.cpp after the timeout, the native model is left
   * allocated rather than freed under it, and an error is logged.
   */
  @Override
  public void close() {
    executor.shutdown();
    for (JniGeneration g : active) {
      g.cancel();
    }
    long deadline = System.nanoTime() + config.closeTimeout().toNanos();
    synchronized (active) {
      while (!active.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(active, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    if (!active.isEmpty()) {
      LOG.error("{} generation(s) of {} still running {} after close: the native model is not freed",
          active.size(), config.id(), config.closeTimeout());
      return;
    }
    model.close();
    NativeThreads.modelClosed();
  }

  /** One generation, run on the engine's executor. */
  private final class JniGeneration extends Generation implements Runnable {
    private final String prompt;
    private final @Nullable String grammar;
    private volatile boolean cancelled;

    JniGeneration(String prompt, int promptTokens, GenerationOptions options, @Nullable String grammar, StreamHandler handler) {
      super(promptTokens, options, handler);
      this.prompt = prompt;
      this.grammar = grammar;
    }

    @Override
    public void run() {
      // The native part: nothing here calls the handler's terminal methods, so that close() can
      // free the model as soon as this generation has left llama.cpp.
      FinishReason finish = null;
      ParleyException error = null;
      try {
        finish = generate();
      } catch (HandlerFailure e) {
        error = new GenerationFailedException("stream handler threw " + e.getCause(), e.getCause());
      } catch (RuntimeException e) {
        error = ParleyException.from(e);
      } finally {
        synchronized (active) {
          active.remove(this);
          active.notifyAll();
        }
      }
      if (error != null) {
        fail(error);
      } else {
        complete(finish);
      }
    }

    private FinishReason generate() {
      if (cancelled) {
        return FinishReason.CANCELLED;
      }
      InferenceParameters ip =
          new InferenceParameters(prompt)
              .setNPredict(options.maxTokens())
              .setTemperature((float) options.temperature())
              .setTopP((float) options.topP())
              .setTopK(options.topK())
              .setMinP((float) options.minP())
              .setRepeatPenalty((float) options.repeatPenalty())
              .setFrequencyPenalty((float) options.frequencyPenalty())
              .setPresencePenalty((float) options.presencePenalty())
              .setCachePrompt(config.promptCache());
      if (options.seed().isPresent()) {
        ip.setSeed((int) options.seed().getAsLong());
      }
      java.util.Map<Integer, Float> bias = options.logitBias();
      if (grammar != null) {
        ip.setGrammar(grammar);
        // The grammar reads bytes loosely: rule out the byte tokens that could make invalid UTF-8
        // of what it allows (-100: java-llama.cpp writes one bias list, so no "false" beside numbers).
        bias = new java.util.HashMap<>(bias);
        for (int t : riskyBytes()) {
          bias.put(t, -100f);
        }
      }
      if (!bias.isEmpty()) {
        ip.setTokenIdBias(bias);
      }
      LlamaIterator it = model.generate(ip).iterator();
      try {
        while (it.hasNext()) {
          if (cancelled) {
            it.cancel();
            return FinishReason.CANCELLED;
          }
          LlamaOutput out = it.next();
          boolean last = !it.hasNext();
          if (accept(out.text, !last || !out.text.isEmpty(), last)) {
            if (!last) {
              it.cancel();
            }
            return FinishReason.STOP_SEQUENCE;
          }
        }
        return tokens() >= options.maxTokens() ? FinishReason.LENGTH : FinishReason.STOP;
      } catch (HandlerFailure e) {
        if (it.hasNext()) {
          it.cancel();
        }
        throw e;
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
    }
  }
}
