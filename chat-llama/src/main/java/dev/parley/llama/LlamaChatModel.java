package dev.parley.llama;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.Pair;
import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationFailedException;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.chat.ParleyException;
import dev.parley.chat.Role;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.TokenUsage;
import dev.parley.chat.Tokenizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChatModel} and {@link Tokenizer} over one GGUF model loaded in llama.cpp.
 *
 * <p>Messages become a prompt through the model's chat template (the file's own, or the one named
 * with {@link Builder#chatTemplate}; ChatML when the file has none). llama.cpp's template API takes
 * one system prompt, so every system message is joined, in order, into it. Generation streams token
 * by token on the model's own threads; {@link GenerationHandle#cancel()} stops it at the next token
 * and frees its slot. Stop sequences are applied here, not in llama.cpp, so a reply that ends on one
 * is reported as {@link FinishReason#STOP_SEQUENCE} and no part of the stop sequence is streamed.
 *
 * <p>Token counts use the model's own tokenizer. {@link #countTokens(Message)} counts a message
 * rendered alone through the template, generation prompt included, so a sum of per-message counts
 * never underestimates the real prompt.
 *
 * <p>Thread-safe. {@code slots} conversations generate at once (llama.cpp's parallel slots with
 * continuous batching); more wait inside llama.cpp. Close it to free the native model: {@link
 * #close()} cancels what is running and waits for it first. llama.cpp's log goes to SLF4J ({@code
 * dev.parley.llama.native}).
 */
public final class LlamaChatModel implements ChatModel, Tokenizer, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LlamaChatModel.class);
  private static final AtomicInteger MODELS = new AtomicInteger();
  private static final int MICRO_BATCH = 64;

  private final String id;
  private final LlamaModel model;
  private final int contextSize;
  private final boolean addsBos;
  private final ExecutorService executor;
  private final Set<Generation> active = ConcurrentHashMap.newKeySet();
  private final Duration closeTimeout;
  private final boolean promptCache;
  private volatile boolean closed;

  private LlamaChatModel(Builder b, GgufFile file) {
    this.id = b.id != null ? b.id : b.modelFile.getFileName().toString();
    this.contextSize = b.contextSize;
    this.closeTimeout = b.closeTimeout;
    this.promptCache = b.promptCache;
    Object bos = file.metadata().get("tokenizer.ggml.add_bos_token");
    this.addsBos = bos instanceof Boolean flag ? flag : "llama".equals(file.metadata().get("tokenizer.ggml.model"));
    ModelParameters params =
        new ModelParameters()
            .setModel(b.modelFile.toString())
            .setCtxSize(b.contextSize * b.slots)
            .setParallel(b.slots)
            .setThreads(b.threads)
            .setThreadsBatch(b.batchThreads > 0 ? b.batchThreads : b.threads)
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
    if (b.gpuLayers > 0) {
      params.setGpuLayers(b.gpuLayers);
    }
    String template = b.chatTemplate != null ? b.chatTemplate : file.hasChatTemplate() ? null : "chatml";
    if (template != null) {
      params.setChatTemplate(template);
    }
    NativeLog.loadLibrary();
    try {
      this.model = new LlamaModel(params);
    } catch (RuntimeException e) {
      throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, b.modelFile,
          "llama.cpp could not load " + b.modelFile + ": " + e.getMessage(), e);
    }
    NativeLog.install();
    NativeThreads.modelOpened();
    warmUp(b.modelFile);
    int n = MODELS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "parley-llama-" + n + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    LOG.info("loaded {} ({}, context {} x {} slots, {} threads{})", id, file.architecture(), b.contextSize,
        b.slots, b.threads, template == null ? "" : ", template " + template);
  }

  /**
   * Decodes one token on the server thread, so that the weights are paged in and the compute
   * threads exist before the first request, as llama.cpp's own warm-up would.
   */
  private void warmUp(Path file) {
    try {
      model.complete(new InferenceParameters("Hello").setNPredict(1).setCachePrompt(false));
    } catch (RuntimeException e) {
      model.close();
      NativeThreads.modelClosed();
      throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, file, "warm-up of " + id + " failed: "
          + e.getMessage(), e);
    }
  }

  /**
   * Compute threads a model gets when none are set: one per physical core the JVM may use, as
   * llama.cpp's own tools choose.
   */
  public static int defaultThreads() {
    return CpuCores.defaultThreads();
  }

  /** Loads {@code modelFile} with default settings. */
  public static LlamaChatModel load(Path modelFile) {
    return builder(modelFile).build();
  }

  public static Builder builder(Path modelFile) {
    return new Builder(modelFile);
  }

  @Override
  public String id() {
    return id;
  }

  /** Tokens of each conversation's context (one slot). */
  public int contextSize() {
    return contextSize;
  }

  @Override
  public GenerationHandle stream(ChatRequest request, StreamHandler handler) {
    if (request == null) {
      throw new IllegalArgumentException("request must not be null");
    }
    if (handler == null) {
      throw new IllegalArgumentException("handler must not be null");
    }
    ensureOpen();
    String prompt = render(request.messages());
    int promptTokens = model.encode(prompt).length + (addsBos ? 1 : 0);
    if (promptTokens >= contextSize) {
      throw new InvalidRequestException("prompt of " + promptTokens + " tokens does not fit the context of "
          + contextSize + " tokens of model " + id);
    }
    Generation g = new Generation(prompt, promptTokens, request.options(), handler);
    active.add(g);
    try {
      executor.execute(g);
    } catch (RuntimeException e) {
      active.remove(g);
      throw new GenerationFailedException("model " + id + " is closed", e);
    }
    return g;
  }

  // ---- Tokenizer ----

  @Override
  public int countTokens(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text must not be null");
    }
    ensureOpen();
    return model.encode(text).length;
  }

  @Override
  public int countTokens(Message message) {
    if (message == null) {
      throw new IllegalArgumentException("message must not be null");
    }
    ensureOpen();
    return model.encode(render(List.of(message))).length;
  }

  @Override
  public int countTokens(List<Message> messages) {
    if (messages == null) {
      throw new IllegalArgumentException("messages must not be null");
    }
    ensureOpen();
    return model.encode(render(messages)).length + (addsBos ? 1 : 0);
  }

  /** The prompt llama.cpp sees for {@code messages}, rendered with the chat template. */
  public String render(List<Message> messages) {
    StringBuilder system = new StringBuilder();
    List<Pair<String, String>> turns = new ArrayList<>(messages.size());
    for (Message m : messages) {
      if (m.role() == Role.SYSTEM) {
        if (system.length() > 0) {
          system.append("\n\n");
        }
        system.append(m.content());
      } else {
        turns.add(new Pair<>(m.role() == Role.USER ? "user" : "assistant", m.content()));
      }
    }
    ensureOpen();
    return model.applyTemplate(new InferenceParameters("").setMessages(system.toString(), turns));
  }

  private void ensureOpen() {
    if (closed) {
      throw new GenerationFailedException("model " + id + " is closed", null);
    }
  }

  /**
   * Cancels running generations, waits for them (up to the close timeout) and frees the native
   * model. Idempotent. If a generation is still inside llama.cpp after the timeout, the native model
   * is left allocated rather than freed under it, and an error is logged.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    executor.shutdown();
    for (Generation g : active) {
      g.cancel();
    }
    long deadline = System.nanoTime() + closeTimeout.toNanos();
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
          active.size(), id, closeTimeout);
      return;
    }
    model.close();
    NativeThreads.modelClosed();
    LOG.info("closed {}", id);
  }

  @Override
  public String toString() {
    return "LlamaChatModel[" + id + "]";
  }

  /** One generation, run on the model's executor. */
  private final class Generation implements Runnable, GenerationHandle {
    private final String prompt;
    private final int promptTokens;
    private final GenerationOptions options;
    private final StreamHandler handler;
    private final CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    private final int holdback;
    private int delivered;
    private int tokens;
    private volatile boolean cancelled;

    Generation(String prompt, int promptTokens, GenerationOptions options, StreamHandler handler) {
      this.prompt = prompt;
      this.promptTokens = promptTokens;
      this.options = options;
      this.handler = handler;
      int longest = 0;
      for (String s : options.stopSequences()) {
        longest = Math.max(longest, s.length());
      }
      this.holdback = Math.max(0, longest - 1);
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
              .setCachePrompt(promptCache);
      if (options.seed().isPresent()) {
        ip.setSeed((int) options.seed().getAsLong());
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
          if (!last || !out.text.isEmpty()) {
            tokens++;
          }
          text.append(out.text);
          int stop = findStop();
          if (stop >= 0) {
            if (!last) {
              it.cancel();
            }
            deliver(stop);
            return FinishReason.STOP_SEQUENCE;
          }
          deliver(last ? text.length() : Math.max(delivered, text.length() - holdbackNeeded()));
        }
        return tokens >= options.maxTokens() ? FinishReason.LENGTH : FinishReason.STOP;
      } catch (HandlerFailure e) {
        if (it.hasNext()) {
          it.cancel();
        }
        throw e;
      }
    }

    /** Where the earliest stop sequence starts in the undelivered text, or -1. */
    private int findStop() {
      int best = -1;
      for (String s : options.stopSequences()) {
        int i = text.indexOf(s, Math.max(0, delivered - s.length() + 1));
        if (i >= 0 && (best < 0 || i < best)) {
          best = i;
        }
      }
      return best;
    }

    /** Characters at the end of the text that may be the start of a stop sequence. */
    private int holdbackNeeded() {
      if (holdback == 0) {
        return 0;
      }
      int n = Math.min(holdback, text.length() - delivered);
      for (int k = n; k > 0; k--) {
        String tail = text.substring(text.length() - k);
        for (String s : options.stopSequences()) {
          if (s.startsWith(tail)) {
            return k;
          }
        }
      }
      return 0;
    }

    private void deliver(int end) {
      if (end > delivered) {
        String piece = text.substring(delivered, end);
        delivered = end;
        try {
          handler.onToken(piece);
        } catch (RuntimeException e) {
          throw new HandlerFailure(e);
        }
      }
    }

    /** Ends the generation; text held back for a possible stop sequence and never delivered is dropped. */
    private void complete(FinishReason reason) {
      text.setLength(delivered);
      ChatResponse r = new ChatResponse(text.toString(), reason, new TokenUsage(promptTokens, tokens));
      try {
        handler.onComplete(r);
      } catch (RuntimeException e) {
        LOG.debug("stream handler failed on completion", e);
      }
      done.complete(r);
    }

    private void fail(ParleyException error) {
      try {
        handler.onError(error);
      } catch (RuntimeException e) {
        LOG.debug("stream handler failed on error", e);
      }
      done.completeExceptionally(error);
    }

    @Override
    public void cancel() {
      cancelled = true;
    }

    @Override
    public CompletionStage<ChatResponse> completion() {
      return done.minimalCompletionStage();
    }
  }

  /** Carries a handler's exception out of the generation loop. */
  private static final class HandlerFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HandlerFailure(RuntimeException cause) {
      super(cause);
    }
  }

  /** Builds a {@link LlamaChatModel}; each setter checks its argument at once. */
  public static final class Builder {
    private final Path modelFile;
    private @Nullable String id;
    private int contextSize;
    private int threads = CpuCores.defaultThreads();
    private int batchThreads;
    private int slots = 1;
    private int gpuLayers;
    private @Nullable String chatTemplate;
    private Duration closeTimeout = Duration.ofSeconds(30);
    private boolean promptCache = true;

    private Builder(Path modelFile) {
      if (modelFile == null) {
        throw new IllegalArgumentException("modelFile must not be null");
      }
      this.modelFile = modelFile;
    }

    /** The model's id in responses and cache keys; the file name by default. */
    public Builder id(String id) {
      if (id == null || id.isBlank()) {
        throw new IllegalArgumentException("id must not be blank, was " + (id == null ? "null" : "\"" + id + "\""));
      }
      this.id = id;
      return this;
    }

    /** Tokens of context per conversation; by default the model's trained length, at most 4096. */
    public Builder contextSize(int tokens) {
      if (tokens <= 0) {
        throw new IllegalArgumentException("contextSize must be > 0, was " + tokens);
      }
      this.contextSize = tokens;
      return this;
    }

    /**
     * Compute threads; by default one per physical core the JVM may use, as llama.cpp's own tools
     * do. One decode of a small model reads every weight once, so a single stream is limited by
     * memory bandwidth, which one core cannot use up: on the 2-core machine of Parley's benchmarks
     * one thread streams 70-76 tokens/s and two 98-112.
     */
    public Builder threads(int threads) {
      if (threads <= 0) {
        throw new IllegalArgumentException("threads must be > 0, was " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Compute threads for batches: a prompt, or several slots decoding one token each together.
     * By default the same as {@link #threads(int)}.
     */
    public Builder batchThreads(int threads) {
      if (threads <= 0) {
        throw new IllegalArgumentException("batchThreads must be > 0, was " + threads);
      }
      this.batchThreads = threads;
      return this;
    }

    /** Conversations generating at once (llama.cpp parallel slots); 1 by default. */
    public Builder slots(int slots) {
      if (slots <= 0) {
        throw new IllegalArgumentException("slots must be > 0, was " + slots);
      }
      this.slots = slots;
      return this;
    }

    /** Layers to offload to a GPU, for builds with one; 0 by default. */
    public Builder gpuLayers(int layers) {
      if (layers < 0) {
        throw new IllegalArgumentException("gpuLayers must be >= 0, was " + layers);
      }
      this.gpuLayers = layers;
      return this;
    }

    /** A llama.cpp built-in template name (such as {@code chatml}) used instead of the file's own. */
    public Builder chatTemplate(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("chatTemplate must not be blank");
      }
      this.chatTemplate = name;
      return this;
    }

    /**
     * Reuse each slot's cached prompt, so the next turn of a conversation processes only its new
     * messages; on by default. Off is for measuring what reuse saves.
     */
    public Builder promptCache(boolean reuse) {
      this.promptCache = reuse;
      return this;
    }

    /** How long {@link #close()} waits for running generations; 30 seconds by default. */
    public Builder closeTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative()) {
        throw new IllegalArgumentException("closeTimeout must be >= 0, was " + timeout);
      }
      this.closeTimeout = timeout;
      return this;
    }

    /**
     * Checks the file and loads it.
     *
     * @throws ModelLoadException if the file is missing, not GGUF, truncated, refused by llama.cpp,
     *     or the context is larger than the model was trained for
     */
    public LlamaChatModel build() {
      GgufFile file = GgufFile.read(modelFile);
      long trained = file.contextLength().orElse(Long.MAX_VALUE);
      if (contextSize == 0) {
        contextSize = (int) Math.min(trained, 4096);
      } else if (contextSize > trained) {
        throw new ModelLoadException(ModelLoadException.Reason.INCOMPATIBLE_SETTINGS, modelFile,
            "contextSize " + contextSize + " is larger than the " + trained + " tokens model " + modelFile
                + " was trained for", null);
      }
      return new LlamaChatModel(this, file);
    }
  }
}
