package dev.parley.benchmarks;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.Pair;
import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.llama.LlamaChatModel;
import dev.parley.llama.ModelPool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Tokens per second through each way of running a llama.cpp model, in one run: raw
 * java-llama.cpp ({@code LlamaModel.generate}), Parley's {@code LlamaChatModel}, Parley's {@code
 * ModelPool}, and the seed's design ({@code N} whole model copies behind a blocking queue). Every
 * implementation gets the same model file, prompt, thread count, context and 64 generated tokens.
 *
 * <p>Every call generates exactly 64 tokens (a shorter reply fails the run), and the score is
 * counted per token ({@code @OperationsPerInvocation}): {@code ops/s} is tokens per second, summed
 * over the JMH threads. Run {@code streams} JMH threads at once (use {@code -t}); each
 * implementation then has that many slots (or copies).
 *
 * <p>Tokens are not counted with {@code @AuxCounters}: JMH adds the calls that threads make while
 * waiting for the others to start or finish an iteration to those counters, which with calls of
 * seconds and several threads doubled the aggregate figure.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 10)
@Measurement(iterations = 3, time = 10)
public class InferenceBenchmark {
  static final int TOKENS = 64;
  static final int CONTEXT = 512;
  static final List<Message> PROMPT =
      List.of(Message.system("You are a helpful assistant."), Message.user("Tell me a story about the sea."));

  /** {@link #PROMPT} in ChatML, the template every implementation here uses: for llama-server's /completion. */
  static String rawPrompt() {
    return "<|im_start|>system\n" + PROMPT.get(0).content() + "<|im_end|>\n<|im_start|>user\n"
        + PROMPT.get(1).content() + "<|im_end|>\n<|im_start|>assistant\n";
  }

  /** What runs the model. */
  public enum Implementation {
    /** java-llama.cpp used directly: the floor for any wrapper's overhead. */
    RAW_LLAMA,
    /** Parley's ChatModel over one model. */
    LLAMA_CHAT_MODEL,
    /**
     * Parley's pool: one model, parallel slots, a bounded queue; on the JVM's engine (FFM on JDK
     * 22+, JNI before).
     */
    MODEL_POOL,
    /** Parley's pool forced onto the JNI engine ({@code -Dparley.llama.engine=jni}): FFM vs JNI in one run. */
    MODEL_POOL_JNI,
    /** The seed's pool: a whole model copy per concurrent stream, behind a blocking queue. */
    SEED_POOL,
    /**
     * No model: per "token", {@code threads} threads read as many bytes of memory as one decode
     * step of the synthetic model reads weights. Single-stream decoding cannot be faster than this
     * memory-bandwidth ceiling; one stream only.
     */
    MEMORY_CEILING
  }

  @Param({"RAW_LLAMA", "LLAMA_CHAT_MODEL", "MODEL_POOL"})
  public Implementation implementation;

  /**
   * Compute threads per model; 0 = Parley's default ({@link LlamaChatModel#defaultThreads()}), and
   * for {@code SEED_POOL} that default shared out among its copies (at least 1 each), as the seed
   * gave each copy a share of the hardware.
   */
  @Param({"0"})
  public int threads;

  @Param({"1"})
  public int streams;

  /** Compute threads for batches (prompts, several streams at once); 0 = as {@code threads}. */
  @Param({"0"})
  public int batchThreads;

  @Param({"synthetic-135m"})
  public String model;

  /** {@link #threads} with 0 resolved. */
  private int computeThreads;
  private long[] weights;
  private ExecutorService readers;
  private volatile long sink;
  private LlamaModel raw;
  private String rawPrompt;
  private BlockingQueue<LlamaModel> seedPool;
  private AutoCloseable parley;
  private ChatModel chat;
  private ChatRequest request;

  @Setup(Level.Trial)
  public void load() {
    int parleyDefault = LlamaChatModel.defaultThreads();
    computeThreads = threads > 0 ? threads
        : implementation == Implementation.SEED_POOL ? Math.max(1, parleyDefault / streams) : parleyDefault;
    if (implementation == Implementation.MEMORY_CEILING) {
      if (streams != 1 || !model.equals("synthetic-135m")) {
        throw new IllegalArgumentException("MEMORY_CEILING is the ceiling of one stream of synthetic-135m");
      }
      weights = new long[Math.toIntExact(BenchmarkModels.synthetic135mBytesPerToken() / Long.BYTES)];
      Arrays.setAll(weights, i -> i * 0x9E3779B97F4A7C15L);
      readers = Executors.newFixedThreadPool(computeThreads);
      return;
    }
    Path file = BenchmarkModels.named(model);
    request = new ChatRequest(PROMPT, GenerationOptions.builder().maxTokens(TOKENS).temperature(0).build());
    switch (implementation) {
      case RAW_LLAMA -> {
        raw = new LlamaModel(rawParameters(file, streams));
        rawPrompt = raw.applyTemplate(new InferenceParameters("").setMessages(PROMPT.get(0).content(),
            List.of(new Pair<>("user", PROMPT.get(1).content()))));
      }
      case SEED_POOL -> {
        seedPool = new ArrayBlockingQueue<>(streams);
        for (int i = 0; i < streams; i++) {
          seedPool.add(new LlamaModel(rawParameters(file, 1)));
        }
        rawPrompt = seedPool.peek().applyTemplate(new InferenceParameters("").setMessages(PROMPT.get(0).content(),
            List.of(new Pair<>("user", PROMPT.get(1).content()))));
      }
      case LLAMA_CHAT_MODEL -> {
        LlamaChatModel.Builder b = LlamaChatModel.builder(file).contextSize(CONTEXT).slots(streams).threads(computeThreads);
        LlamaChatModel m = (batchThreads > 0 ? b.batchThreads(batchThreads) : b).build();
        parley = m;
        chat = m;
      }
      case MODEL_POOL, MODEL_POOL_JNI -> {
        if (implementation == Implementation.MODEL_POOL_JNI) {
          System.setProperty("parley.llama.engine", "jni"); // each JMH fork is its own JVM
        }
        LlamaChatModel.Builder m = LlamaChatModel.builder(file).contextSize(CONTEXT).threads(computeThreads);
        ModelPool p = ModelPool.builder(batchThreads > 0 ? m.batchThreads(batchThreads) : m).slots(streams).build();
        parley = p;
        chat = p;
      }
    }
  }

  private ModelParameters rawParameters(Path file, int slots) {
    return new ModelParameters().setModel(file.toString()).setCtxSize(CONTEXT * slots).setParallel(slots)
        .setThreads(computeThreads).setThreadsBatch(batchThreads > 0 ? batchThreads : computeThreads).enableContBatching().disableLog().setChatTemplate("chatml")
        // As Parley loads models: llama.cpp's warm-up on the loading thread would give OpenMP a
        // second thread team and slow every decode (see LlamaChatModel); JMH's warm-up warms it.
        .skipWarmup();
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    if (readers != null) {
      readers.shutdownNow();
    }
    if (raw != null) {
      raw.close();
    }
    if (seedPool != null) {
      for (LlamaModel m : seedPool) {
        m.close();
      }
    }
    if (parley != null) {
      parley.close();
    }
  }

  /** Reads all of {@code weights} once per token, split among {@code threads} threads. */
  private int readWeights() throws InterruptedException {
    int chunk = (weights.length + computeThreads - 1) / computeThreads;
    List<Callable<Long>> parts = new ArrayList<>(computeThreads);
    for (int t = 0; t < computeThreads; t++) {
      int from = t * chunk;
      int to = Math.min(weights.length, from + chunk);
      parts.add(() -> sum(weights, from, to));
    }
    long total = 0;
    for (int token = 0; token < TOKENS; token++) {
      for (Future<Long> f : readers.invokeAll(parts)) {
        try {
          total += f.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException(e.getCause());
        }
      }
    }
    sink = total;
    return TOKENS;
  }

  private static long sum(long[] values, int from, int to) {
    long s = 0;
    for (int i = from; i < to; i++) {
      s += values[i];
    }
    return s;
  }

  private int generateRaw(LlamaModel m) {
    InferenceParameters p = new InferenceParameters(rawPrompt).setNPredict(TOKENS).setTemperature(0f).setCachePrompt(true);
    int n = 0;
    for (LlamaOutput out : m.generate(p)) {
      if (!out.text.isEmpty()) {
        n++;
      }
    }
    return n;
  }

  @Benchmark
  @OperationsPerInvocation(TOKENS)
  public int generate() throws InterruptedException {
    int n;
    switch (implementation) {
      case RAW_LLAMA -> n = generateRaw(raw);
      case MEMORY_CEILING -> n = readWeights();
      case SEED_POOL -> {
        LlamaModel m = seedPool.take();
        try {
          n = generateRaw(m);
        } finally {
          seedPool.put(m);
        }
      }
      default -> n = chat.generate(request).usage().completionTokens();
    }
    if (n != TOKENS) {
      throw new IllegalStateException(implementation + " generated " + n + " tokens, not " + TOKENS
          + ": the score would not be tokens per second");
    }
    return n;
  }
}
