package dev.parley.llama;

import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationFailedException;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.chat.ResponseFormat;
import dev.parley.chat.Role;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.Tokenizer;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolSpecification;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChatModel} and {@link Tokenizer} over one GGUF model loaded in llama.cpp.
 *
 * <p>Messages become a prompt through the model's chat template. The file's own Jinja template is
 * rendered as Hugging Face renders it with Python's jinja2 ({@code chat-templates}), so every model
 * family's format is what its authors wrote; a template that refuses a conversation (roles out of
 * order, say) fails the request with an {@link InvalidRequestException} that gives its reason. A
 * template that cannot be rendered, or a built-in one named with {@link Builder#chatTemplate} (ChatML
 * when the file has none), goes through llama.cpp's template API instead, which takes one system
 * prompt, so every system message is joined, in order, into it there.
 *
 * <p>Tools ({@link GenerationOptions#tools()}) are offered as the template offers them, and calls
 * are read back in the syntax the template writes them in, found at load by rendering a probe call
 * (Hermes and Qwen {@code <tool_call>}, Llama 3.x JSON, Mistral {@code [TOOL_CALLS]}, DeepSeek, Kimi,
 * gpt-oss and functionary markers). A model whose template writes no calls is told about the tools
 * in a system message and answers in one JSON object, a call or a reply, under a grammar. A
 * required or named tool choice is sampled under a grammar of calls to the allowed tools, so the
 * arguments fit their schemas; an {@code auto} choice leaves the reply free until it opens a call
 * and constrains it from there (llama.cpp's lazy grammar; the FFM engine only, the JNI engine leaves
 * it free); calls reach {@link StreamHandler#onToolCall} once each is whole, and
 * the reply ends with {@link FinishReason#TOOL_CALLS}. Reasoning a template sets apart ({@code
 * <think>…</think>}) reaches {@link StreamHandler#onReasoning} and {@link
 * dev.parley.chat.ChatResponse#reasoning()}, not the text. Generation streams token
 * by token; {@link GenerationHandle#cancel()} stops it at the next token and frees its slot. Stop
 * sequences are applied here, not in llama.cpp, so a reply that ends on one is reported as {@link
 * FinishReason#STOP_SEQUENCE} and no part of the stop sequence is streamed.
 *
 * <p>Token counts use the model's own tokenizer. {@link #countTokens(Message)} counts a message
 * rendered alone through the template, generation prompt included, so a sum of per-message counts
 * never underestimates the real prompt.
 *
 * <p>Two engines run the model, with the same behaviour: on JDK 22 and newer, llama.cpp's C API
 * through the Foreign Function & Memory API, with one decode loop that batches every slot's next
 * token into one step; on JDK 17 to 21, java-llama.cpp's JNI server. {@link #engine()} says which;
 * {@code -Dparley.llama.engine=jni} forces the JNI one. Run JDK 22+ with {@code
 * --enable-native-access=ALL-UNNAMED} (or the module's name) to silence the JDK's warning.
 *
 * <p>Thread-safe. {@code slots} conversations generate at once (continuous batching); more wait
 * for a slot in a bounded first-come-first-served queue ({@link Builder#maxQueue}, {@link
 * Builder#maxWait}), past which a request fails fast with {@link PoolExhaustedException}. Close it to free the native model: {@link #close()} cancels what is running and waits
 * for it first. llama.cpp's log goes to SLF4J ({@code dev.parley.llama.native}).
 */
public final class LlamaChatModel implements ChatModel, Tokenizer, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LlamaChatModel.class);
  /** {@link Builder#stateCacheBytes}'s default. */
  static final long DEFAULT_STATE_CACHE_BYTES = 1L << 30;
  /** {@link Builder#turnPrimingDelay}'s default, in milliseconds. */
  static final long DEFAULT_TURN_PRIMING_DELAY_MILLIS = 50;
  static final Duration DEFAULT_TURN_PRIMING_DELAY = Duration.ofMillis(DEFAULT_TURN_PRIMING_DELAY_MILLIS);
  /** {@link Builder#stateSpillBytes}'s default. */
  static final long DEFAULT_STATE_SPILL_BYTES = 8L << 30;
  private static final String TOKENS = "tokenizer.ggml.tokens";
  private static final String TOKEN_TYPES = "tokenizer.ggml.token_type";

  private final String id;
  private final Engine engine;
  private final int contextSize;
  private final boolean addsBos;
  /** What content must not spell: the special tokens' texts (see {@link #render}). */
  private final SpecialTokens special;
  /** Token ids run from 0 to this, exclusive (the embedding table's rows); 0 when unknown. */
  private final long vocabSize;
  /** The queue in front of the engine, which never holds more requests than its slots. */
  private final Admission admission;
  /** The file's own Jinja template, or null where llama.cpp's built-in formats render prompts. */
  private final @Nullable JinjaChatFormat jinja;
  /** How this model writes tool calls: as its template shows, or Parley's generic JSON. */
  private final ToolCallSyntax toolSyntax;
  /** The markers around this model's reasoning, as its template shows them; null: it has none. */
  private final @Nullable ReasoningSyntax reasoningSyntax;
  private volatile boolean closed;

  private LlamaChatModel(Builder b, GgufFile file) {
    this.id = b.id != null ? b.id : b.modelFile.getFileName().toString();
    this.contextSize = b.contextSize;
    Object bos = file.metadata().get("tokenizer.ggml.add_bos_token");
    this.addsBos = bos instanceof Boolean flag ? flag : "llama".equals(file.metadata().get("tokenizer.ggml.model"));
    this.special = file.types().containsKey(TOKENS) && file.types().containsKey(TOKEN_TYPES)
        ? SpecialTokens.of(file.array(TOKENS).values(), file.array(TOKEN_TYPES).values()) : SpecialTokens.NONE;
    this.vocabSize = file.tensors().stream().filter(t -> t.name().equals("token_embd.weight") && t.dims().length == 2)
        .mapToLong(t -> t.dims()[1]).findFirst().orElse(0);
    String template = b.chatTemplate != null ? b.chatTemplate : file.hasChatTemplate() ? null : "chatml";
    JinjaChatFormat fileTemplate = b.chatTemplate == null ? JinjaChatFormat.of(file, id, addsBos) : null;
    SpecialTokens specials = special;
    this.jinja = fileTemplate;
    ToolCallSyntax derived = fileTemplate == null ? null
        : ToolCallSyntax.derive((messages, tools) -> fileTemplate.render(messages, tools, false, null));
    this.toolSyntax = derived != null ? derived : ToolCallSyntax.GENERIC;
    this.reasoningSyntax = fileTemplate == null ? null
        : ReasoningSyntax.derive((messages, generationPrompt) -> fileTemplate.render(messages, List.of(), generationPrompt,
            true));
    this.engine = Engines.load(new EngineConfig(b.modelFile, id, b.contextSize, b.slots, b.threads, b.batchThreads,
        b.gpuLayers, template, b.closeTimeout, b.promptCache, addsBos, b.kvCells, b.promptCache ? b.stateCacheBytes : 0,
        b.effectiveFlashAttention(), b.promptCache ? b.stateSpillFolder : null, b.stateSpillBytes, b.calibrateThreads,
        b.nativeLibraries, b.cpuVariant, b.turnPrimingDelay, b.fullSlidingWindowCache,
        fileTemplate == null ? null : messages -> renderEscaped(fileTemplate, specials, messages),
        TiledPrompt.attentionPerHistoryToken(file)));
    this.admission = new Admission(id, new int[] {b.slots}, b.maxQueue, b.maxWait, System::nanoTime);
    LOG.info("loaded {} ({}, context {} x {} slots, {} threads{}, {} engine)", id, file.architecture(), b.contextSize,
        b.slots, engine.threads(), jinja != null ? ", the file's Jinja template, tool calls as " + toolSyntax
            + (reasoningSyntax == null ? "" : ", reasoning in " + reasoningSyntax.open() + reasoningSyntax.close())
            : template == null ? "" : ", template " + template, engine.name());
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

  /** Compute threads of a one-token step: as set, or as {@link Builder#calibrateThreads} measured. */
  public int threads() {
    return engine.threads();
  }

  /** Compute threads of a batched step (a prompt, several slots): as set, or as calibrated. */
  public int batchThreads() {
    return engine.batchThreads();
  }

  /**
   * The engine that runs this model: {@code "ffm"} (llama.cpp's C API through the Foreign Function
   * & Memory API, JDK 22 and newer) or {@code "jni"} (java-llama.cpp's server).
   */
  public String engine() {
    return engine.name();
  }

  /**
   * Starts the generation now if a slot is free, else queues it.
   *
   * @throws InvalidRequestException if the prompt does not fit the context or the options name a
   *     token the vocabulary lacks
   * @throws PoolExhaustedException when every slot is busy and the queue is full
   */
  @Override
  public GenerationHandle stream(ChatRequest request, StreamHandler handler) {
    Checks.notNull(request, "request");
    Checks.notNull(handler, "handler");
    Prompt p = prepare(request);
    return admission.admit((target, h) -> p.start(h), handler);
  }

  /** Starts {@code request} on the engine at once, past this model's own queue: {@link ModelPool} admits. */
  GenerationHandle startNow(ChatRequest request, StreamHandler handler) {
    return prepare(request).start(handler);
  }

  private Prompt prepare(ChatRequest request) {
    ensureOpen();
    checkLogitBias(request.options()); // before any tokenizing: a bad id costs nothing
    ToolUse tools = ToolUse.plan(request.options(), request.messages(), toolSyntax);
    String grammar = tools != null && tools.grammar != null ? tools.grammar
        : grammar(request.options().responseFormat()); // a schema it cannot honour costs nothing either
    String prompt = tools == null ? render(request.messages(), List.of(), request.options().thinking())
        : render(tools.messages, tools.templateTools, request.options().thinking());
    int[] tokens = engine.tokenize(prompt);
    int promptTokens = tokens.length + (addsBos ? 1 : 0);
    if (promptTokens >= contextSize) {
      throw new InvalidRequestException("prompt of " + promptTokens + " tokens does not fit the context of "
          + contextSize + " tokens of model " + id);
    }
    return new Prompt(prompt, tokens, promptTokens, request, grammar, tools);
  }

  /** The grammar a response format asks for, or null for free text. */
  private static @Nullable String grammar(ResponseFormat format) {
    try {
      return switch (format.type()) {
        case TEXT -> null;
        case JSON_OBJECT -> JsonSchemaGrammar.anyObject();
        case JSON_SCHEMA -> JsonSchemaGrammar.fromSchema(format.schema(), format.strict());
      };
    } catch (InvalidRequestException e) {
      throw new InvalidRequestException("responseFormat " + format.name() + ": " + e.getMessage());
    }
  }

  /** A request rendered and tokenized, checked to fit. */
  private final class Prompt {
    final String text;
    final int[] tokens;
    final int count;
    final ChatRequest request;
    final @Nullable String grammar;
    final @Nullable ToolUse tools;

    Prompt(String text, int[] tokens, int count, ChatRequest request, @Nullable String grammar, @Nullable ToolUse tools) {
      this.text = text;
      this.tokens = tokens;
      this.count = count;
      this.request = request;
      this.grammar = grammar;
      this.tools = tools;
    }

    GenerationHandle start(StreamHandler handler) {
      StreamHandler h = tools == null ? handler : tools.wrap(handler);
      if (reasoningSyntax != null && (grammar == null || (tools != null && tools.trigger != null))) {
        // A reply under a grammar from its first character is a call or a document: no reasoning.
        // Under a lazy grammar (an auto tool choice) the model may reason before it calls.
        h = new ReasoningStream(h, reasoningSyntax, reasoningSyntax.startsInside(text));
      }
      return engine.start(text, tokens, count, request.conversationId(), request.options(), grammar,
          tools == null ? null : tools.trigger, h);
    }
  }

  /** Slots in use, requests waiting, started and refused, tokens generated, mean time to first token. */
  public PoolStatistics slotStatistics() {
    return admission.statistics();
  }

  /** The token ids of {@code text}, special tokens parsed (tests). */
  int[] tokenize(String text) {
    return engine.tokenize(text);
  }

  /** Token ids run from 0 to this, exclusive; 0 when the file does not say (tests). */
  long vocabSize() {
    return vocabSize;
  }

  private void checkLogitBias(GenerationOptions options) {
    if (vocabSize > 0 && !options.logitBias().isEmpty()) {
      int highest = java.util.Collections.max(options.logitBias().keySet());
      if (highest >= vocabSize) {
        throw new InvalidRequestException("logitBias names token " + highest + ", but the vocabulary of " + id
            + " has tokens 0 to " + (vocabSize - 1));
      }
    }
  }

  /** What the engine did so far: decode steps, batch sizes, prompt tokens reused, saved states. */
  public EngineStatistics statistics() {
    return engine.statistics();
  }

  /** Waits until the engine has nothing to compute, at most {@code timeout} (tests). */
  boolean awaitIdle(Duration timeout) throws InterruptedException {
    return engine.awaitIdle(timeout);
  }

  // ---- Tokenizer ----

  @Override
  public int countTokens(String text) {
    Checks.notNull(text, "text");
    ensureOpen();
    return engine.tokenize(special.escape(text)).length;
  }

  @Override
  public int countTokens(Message message) {
    Checks.notNull(message, "message");
    ensureOpen();
    try {
      return engine.tokenize(render(List.of(message))).length;
    } catch (InvalidRequestException e) {
      // A template that refuses a conversation of this one message (one that must start with a
      // user turn, say): count it framed as a user turn, its calls as their JSON.
      StringBuilder text = new StringBuilder(message.content());
      message.toolCalls().forEach(c -> text.append('\n').append(c.name()).append(' ').append(c.arguments()));
      if (message.reasoning() != null) {
        text.append('\n').append(message.reasoning());
      }
      return engine.tokenize(render(List.of(Message.user(text.toString())))).length;
    }
  }

  @Override
  public int countTokens(List<Message> messages) {
    Checks.notNull(messages, "messages");
    ensureOpen();
    return engine.tokenize(render(messages)).length + (addsBos ? 1 : 0);
  }

  /**
   * The prompt llama.cpp sees for {@code messages}, rendered with the chat template. Only the
   * template's markers are special tokens: text in a message that spells one (a user typing {@code
   * <|im_end|>} or {@code </s>}) is broken by a zero-width space, so it stays text and cannot end
   * a turn or open another role.
   */
  public String render(List<Message> messages) {
    if (jinja != null) {
      ensureOpen();
      return renderEscaped(jinja, special, messages);
    }
    StringBuilder system = new StringBuilder();
    List<Message> turns = new ArrayList<>(messages.size());
    for (Message m : messages) {
      if (m.role() == Role.SYSTEM) {
        if (system.length() > 0) {
          system.append("\n\n");
        }
        system.append(special.escape(m.content()));
      } else {
        String content = special.escape(m.content());
        turns.add(content.equals(m.content()) ? m : m.withContent(content));
      }
    }
    ensureOpen();
    return engine.applyTemplate(system.toString(), turns);
  }

  /**
   * The prompt for {@code messages} with {@code tools} offered to the file's template (which writes
   * them where its authors put them); without a template that renders tools, as {@link #render(List)}.
   */
  private String render(List<Message> messages, List<ToolSpecification> tools, @Nullable Boolean thinking) {
    if (jinja == null || (tools.isEmpty() && thinking == null)) {
      return render(messages);
    }
    ensureOpen();
    List<ToolSpecification> escaped = new ArrayList<>(tools.size());
    for (ToolSpecification t : tools) {
      escaped.add(new ToolSpecification(t.name(), special.escape(t.description()), special.escape(t.parameters())));
    }
    return jinja.render(escape(special, messages), escaped, true, thinking);
  }

  /** {@code messages} through {@code format}, their text kept from spelling special tokens. */
  private static String renderEscaped(ChatFormat format, SpecialTokens special, List<Message> messages) {
    return format.render(escape(special, messages));
  }

  /** The messages with their text, reasoning and call arguments kept from spelling special tokens. */
  private static List<Message> escape(SpecialTokens special, List<Message> messages) {
    List<Message> escaped = new ArrayList<>(messages.size());
    for (Message m : messages) {
      String content = special.escape(m.content());
      Message e = content.equals(m.content()) ? m : m.withContent(content);
      if (m.reasoning() != null) {
        e = e.withReasoning(special.escape(m.reasoning()));
      }
      if (m.hasToolCalls()) {
        List<ToolCall> calls = new ArrayList<>();
        for (ToolCall c : m.toolCalls()) {
          calls.add(new ToolCall(c.id(), c.name(), special.escape(c.arguments())));
        }
        e = e.withToolCalls(calls);
      }
      escaped.add(e);
    }
    return escaped;
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
    admission.close();
    engine.close();
    LOG.info("closed {}", id);
  }

  @Override
  public String toString() {
    return "LlamaChatModel[" + id + ", " + engine.name() + "]";
  }

  /** Builds a {@link LlamaChatModel}; each setter checks its argument at once. */
  public static final class Builder {
    private final Path modelFile;
    private @Nullable String id;
    private int contextSize;
    private int threads = CpuCores.defaultThreads();
    /** Whether {@link #threads(int)} was called: a pool shares the default out among its replicas. */
    boolean threadsSet;
    private int batchThreads;
    int slots = 1;
    private int gpuLayers;
    private @Nullable String chatTemplate;
    private Duration closeTimeout = Duration.ofSeconds(30);
    private Duration turnPrimingDelay = DEFAULT_TURN_PRIMING_DELAY;
    private boolean promptCache = true;
    private int kvCells;
    private long stateCacheBytes = DEFAULT_STATE_CACHE_BYTES;
    private @Nullable Path stateSpillFolder;
    private long stateSpillBytes = DEFAULT_STATE_SPILL_BYTES;
    private boolean calibrateThreads;
    private boolean fullSlidingWindowCache = true;
    private int maxQueue = 64;
    private Duration maxWait = Duration.ofSeconds(30);
    private @Nullable Boolean flashAttention;
    private @Nullable Path nativeLibraries;
    private @Nullable String cpuVariant;

    private Builder(Path modelFile) {
      Checks.notNull(modelFile, "modelFile");
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
      Checks.positive(tokens, "contextSize");
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
      Checks.positive(threads, "threads");
      this.threads = threads;
      this.threadsSet = true;
      return this;
    }

    /**
     * Compute threads for batches: a prompt, or several slots decoding one token each together.
     * By default the same as {@link #threads(int)}.
     */
    public Builder batchThreads(int threads) {
      Checks.positive(threads, "batchThreads");
      this.batchThreads = threads;
      return this;
    }

    /**
     * Measures at load which thread counts decode fastest on this machine, instead of trusting the
     * default of one per physical core: decode steps of one token, and of one token for each slot,
     * are timed at 1 to {@link #threads(int) threads} threads (3 alternating rounds; about 2 s
     * more at load for a 135M model on 2 cores), and the fastest of each is kept ({@link LlamaChatModel#threads()}
     * and {@link LlamaChatModel#batchThreads()} say which). Worth it where the cores are shared or
     * hyper-threaded and fewer threads than cores can win. Off by default. FFM engine only; the JNI
     * engine keeps the configured counts.
     */
    public Builder calibrateThreads(boolean calibrate) {
      this.calibrateThreads = calibrate;
      return this;
    }

    /** Conversations generating at once (llama.cpp parallel slots); 1 by default. */
    public Builder slots(int slots) {
      Checks.positive(slots, "slots");
      this.slots = slots;
      return this;
    }

    /** Layers to offload to a GPU, for builds with one; 0 by default. */
    public Builder gpuLayers(int layers) {
      Checks.notNegative(layers, "gpuLayers");
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
     * messages; on by default. Off (which also keeps no conversation states) is for measuring what
     * reuse saves.
     */
    public Builder promptCache(boolean reuse) {
      this.promptCache = reuse;
      return this;
    }

    /**
     * Host memory for the KV states of slots given to other requests: a returning conversation
     * gets its state back and processes only its new tokens. A request that names its conversation
     * ({@link ChatRequest#conversationId()}) gets that conversation's state; any other request gets
     * the state that shares the longest token prefix with its prompt (at least 32 tokens more than
     * a live sequence offers), so a client that resends its whole history every turn, as over
     * OpenAI's {@code /v1}, is served as well. 1 GiB by default, off the Java heap; 0 keeps none.
     * Past the bound, Caffeine's policy (recency and frequency) picks the states to drop. A state
     * costs its tokens times the model's KV bytes per token (f16: 2 x layers x KV width x 2 bytes;
     * about 23 KB for a 135M model, 128 KB for an 8B one), so size this to the conversations that
     * come back. Beside it the engine keeps the memory of states it freed, up to an eighth of this,
     * to copy the next ones into: memory fresh from the system costs a page fault per page on first
     * touch, more than the copy (large states take huge pages where Linux grants them). FFM engine
     * only.
     */
    public Builder stateCacheBytes(long bytes) {
      Checks.notNegative(bytes, "stateCacheBytes");
      this.stateCacheBytes = bytes;
      return this;
    }

    /**
     * A folder for conversation states that no longer fit in {@linkplain #stateCacheBytes host
     * memory}: instead of dropping the state the memory tier evicts, the engine writes it to a file
     * there and reads it back when its conversation returns, so only the new tokens are processed.
     * Reading a 500-token state of a 135M model (~12 MB) takes milliseconds; computing those tokens
     * again on a CPU takes seconds. Bounded by {@link #stateSpillBytes}. The engine writes in a
     * folder of its own inside {@code folder} ({@code parley-states-*}, made at load, deleted at
     * close; a process that dies leaves it behind, and any such folder no running process holds
     * may be deleted) and reads only what it wrote. A write that fails (a full disk, the folder
     * gone) loses that state, never a reply. Off by default; needs {@code stateCacheBytes > 0}. FFM
     * engine only.
     *
     * @throws NullPointerException if null
     */
    public Builder stateSpillFolder(Path folder) {
      this.stateSpillFolder = Checks.notNull(folder, "stateSpillFolder");
      return this;
    }

    /**
     * The most bytes of conversation states the {@linkplain #stateSpillFolder spill folder} holds; 8
     * GiB by default. Past it, Caffeine's policy picks the files to delete.
     */
    public Builder stateSpillBytes(long bytes) {
      Checks.positive(bytes, "stateSpillBytes");
      this.stateSpillBytes = bytes;
      return this;
    }

    /**
     * llama.cpp's fused attention kernel: on by default, as llama.cpp itself chooses on CPU. It
     * stores V untransposed, so saving a conversation's KV state copies one run of cells per layer
     * rather than one per cell and V row, and a step over a short history is faster. On some CPUs
     * (AVX2 without AVX-512) it is slower over long histories. Its sums run in another order, so a
     * seeded reply can differ in later tokens depending on what else was in the batch; turn it off
     * for replies that are the same under any load. The README's performance section has the
     * measurements. FFM engine only.
     */
    public Builder flashAttention(boolean on) {
      this.flashAttention = on;
      return this;
    }

    /**
     * Whether the layers that attend to a sliding window (Gemma 3's, five of every six) keep a
     * cell for every token of the context (true, the default) or only for their window and one
     * micro-batch. The window alone takes a fraction of the KV memory at long contexts (Gemma 3's
     * window is 1,024 tokens; saved conversation states hold only the window either way). The price: a
     * sequence's cells can then be cut back only as far as its windowed cells reach, or to the end of
     * its last prompt, whose windowed cells the engine keeps a copy of (a checkpoint, as
     * llama-server keeps: a reply sent back in other words costs only what follows the prompt). A
     * prompt that departs from them further back (an edited message, another conversation that
     * shares only the system prompt) is computed from its start. Models without sliding-window
     * layers are not affected. FFM engine only.
     */
    public Builder fullSlidingWindowCache(boolean full) {
      this.fullSlidingWindowCache = full;
      return this;
    }

    /**
     * A folder holding your own build of llama.cpp release 0.4.0 (CUDA, Vulkan, Metal, ROCm...) to
     * open instead of chat-llama-natives' CPU build: {@code libllama}, {@code libggml},
     * {@code libggml-base} and the backend libraries ({@code GGML_BACKEND_DL} builds) or a
     * {@code libggml} with them built in. Its release is checked at load; {@link #gpuLayers(int)}
     * says how many layers go to the GPU, and the devices found are logged. Also
     * {@code -Dparley.llama.natives} or {@code PARLEY_LLAMA_NATIVES}. The libraries are opened once
     * per JVM: every model of it must name the same folder or none. FFM engine only.
     */
    public Builder nativeLibraries(Path folder) {
      this.nativeLibraries = Objects.requireNonNull(folder, "folder must not be null");
      return this;
    }

    /**
     * The ggml CPU variant to load ({@code "haswell"}, {@code "zen4"}, {@code "sapphirerapids"}...)
     * instead of the one Parley picks: the variant built for the most instruction-set features this
     * CPU has, AMX variants only after they pass a trial run in a child process. A variant needing
     * a feature this CPU lacks is refused. Also {@code -Dparley.llama.cpuVariant} or
     * {@code PARLEY_LLAMA_CPU_VARIANT}. Chosen once per JVM. FFM engine only.
     */
    public Builder cpuVariant(String variant) {
      Objects.requireNonNull(variant, "variant must not be null");
      if (!variant.matches("[A-Za-z0-9_.]+")) {
        throw new IllegalArgumentException("cpuVariant must be a variant's name such as haswell, was \"" + variant + "\"");
      }
      this.cpuVariant = variant;
      return this;
    }

    /**
     * After a reply the engine computes what the chat template puts before the next user message
     * (turn priming), so that the conversation's next turn finds it done. Priming starts once the
     * sequence has been idle this long: a client whose next request comes sooner (back to back, or
     * an application's next call) finds no priming step in its way, and no step pays for work the
     * prompt would do as cheaply. Then it rides along other conversations' steps (one sequence's a
     * step, never beside a prompt) or takes a step of its own. 50 ms by default; zero primes at
     * once. Needs the prompt cache. FFM engine only.
     */
    public Builder turnPrimingDelay(Duration delay) {
      this.turnPrimingDelay = Checks.delay(delay, "turnPrimingDelay");
      return this;
    }

    /** The choice {@link #flashAttention(boolean)} made, else the default (on). */
    boolean effectiveFlashAttention() {
      return flashAttention == null || flashAttention;
    }

    /** KV cache cells in all, fewer than {@code contextSize * slots}: for tests of a full cache. */
    Builder kvCells(int cells) {
      Checks.positive(cells, "kvCells");
      this.kvCells = cells;
      return this;
    }

    /** How long {@link #close()} waits for running generations; 30 seconds by default. */
    public Builder closeTimeout(Duration timeout) {
      Checks.notNegative(timeout, "closeTimeout");
      this.closeTimeout = timeout;
      return this;
    }

    /**
     * Requests that may wait for a slot; 64 by default. 0 refuses whatever finds no free slot. (A
     * {@link ModelPool} has its own: it admits for all its replicas.)
     */
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
     * Checks the file and loads it.
     *
     * @throws ModelLoadException if the file is missing, not GGUF, truncated, refused by llama.cpp,
     *     or the context is larger than the model was trained for
     */
    public LlamaChatModel build() {
      // The vocabulary is llama.cpp's to read; Parley keeps only which tokens are special.
      GgufFile file = GgufFile.readKeepingArrays(modelFile, java.util.Set.of(TOKENS, TOKEN_TYPES));
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
