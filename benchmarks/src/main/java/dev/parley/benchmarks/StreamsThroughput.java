package dev.parley.benchmarks;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.llama.EngineStatistics;
import dev.parley.llama.LlamaChatModel;
import dev.parley.llama.ModelPool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Aggregate tokens/s of N conversations generating at once, counted token by token as they stream
 * over a fixed window, so a reply that straddles the window's end counts for what it streamed
 * inside it (JMH counts only whole invocations: with 64-token replies taking seconds, its
 * multi-stream scores lose up to one reply per thread per iteration). Each round measures, one
 * after the other: {@link ModelPool} on the JVM's engine, the same pool on JNI, and llama.cpp's
 * {@code llama-batched-bench} and {@code llama-server -np N} at the same thread count; the
 * rounds repeat, and each line reports its median and samples.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar dev.parley.benchmarks.StreamsThroughput [streams] [rounds] [seconds]</pre>
 *
 * <p>{@code -Dparley.bench.model=qwen3-0.6b-like} runs a Qwen3-0.6B-shaped model instead of the
 * synthetic 135M one ({@link BenchmarkModels#named}); {@code -Dparley.bench.threads=N} sets the
 * engine's threads (the machine's cores by default).
 */
final class StreamsThroughput {
  private StreamsThroughput() {}

  public static void main(String[] args) throws Exception {
    int streams = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    Path model = BenchmarkModels.named(System.getProperty("parley.bench.model", "synthetic-135m"));
    int threads = Integer.getInteger("parley.bench.threads", LlamaChatModel.defaultThreads());
    NativeReference natives = NativeReference.find().orElse(null);
    Map<String, List<Double>> samples = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      add(samples, "ModelPool (" + (Runtime.version().feature() >= 22 ? "FFM" : "JNI") + " engine)",
          parley(model, threads, streams, seconds, false));
      if (Boolean.getBoolean("parley.bench.engineOnly")) {
        System.out.println("round " + (r + 1) + ": " + samples);
        continue;
      }
      if (Runtime.version().feature() >= 22) {
        add(samples, "ModelPool (JNI engine)", parley(model, threads, streams, seconds, true));
      }
      if (natives != null && streams == 1) {
        // One stream's target is llama-bench tg64 at its best thread count: measure each.
        for (int t = 1; t <= threads; t++) {
          add(samples, "llama-bench tg" + InferenceBenchmark.TOKENS + ", " + t + " threads",
              natives.llamaBench(model, t, InferenceBenchmark.TOKENS));
        }
      }
      if (natives != null) {
        add(samples, "llama-batched-bench, " + threads + " threads",
            natives.batchedBench(model, threads, streams, 32, InferenceBenchmark.TOKENS));
        try (ChildServer server = natives.server(model, threads, streams, InferenceBenchmark.CONTEXT)) {
          add(samples, "llama-server -np " + streams + ", " + threads + " threads",
              server.throughput(InferenceBenchmark.rawPrompt(), streams, InferenceBenchmark.TOKENS, 3));
        }
      }
      System.out.println("round " + (r + 1) + ": " + samples);
    }
    System.out.printf("%d conversations, %s, %d threads, %d rounds of %d s%n", streams, model.getFileName(), threads,
        rounds, seconds);
    for (Map.Entry<String, List<Double>> e : samples.entrySet()) {
      System.out.printf("%-40s median %7.1f tok/s  samples %s%n", e.getKey(), ResultTable.median(e.getValue()),
          e.getValue().stream().map(v -> String.format("%.1f", v)).toList());
    }
    // This host's speed drifts over minutes: the ratio within each round (measured back to back)
    // is steadier than the ratio of the medians.
    String engine = samples.keySet().iterator().next();
    List<Double> ours = samples.get(engine);
    for (Map.Entry<String, List<Double>> e : samples.entrySet()) {
      if (e.getKey().equals(engine)) {
        continue;
      }
      List<Double> ratios = new ArrayList<>();
      for (int r = 0; r < Math.min(ours.size(), e.getValue().size()); r++) {
        ratios.add(ours.get(r) / e.getValue().get(r));
      }
      System.out.printf("%s / %s, per round: median %.3f [%.3f-%.3f]%n", engine, e.getKey(), ResultTable.median(ratios),
          ratios.stream().mapToDouble(Double::doubleValue).min().orElse(0),
          ratios.stream().mapToDouble(Double::doubleValue).max().orElse(0));
    }
  }

  private static void add(Map<String, List<Double>> samples, String label, double value) {
    samples.computeIfAbsent(label, k -> new ArrayList<>()).add(value);
  }

  /** Tokens streamed per second by {@code streams} clients, each asking for 64-token replies in a loop. */
  static double parley(Path model, int threads, int streams, int seconds, boolean jni) throws Exception {
    String before = System.getProperty("parley.llama.engine");
    if (jni) {
      System.setProperty("parley.llama.engine", "jni");
    }
    ModelPool pool;
    try {
      LlamaChatModel.Builder settings = LlamaChatModel.builder(model)
          .contextSize(Integer.getInteger("parley.bench.contextPerSlot", InferenceBenchmark.CONTEXT))
          .threads(threads);
      ModelPool.Builder builder = ModelPool.builder(settings).slots(streams);
      String flash = System.getProperty("parley.bench.flashAttention");
      if (flash != null) { // else the model's default for its slots
        settings.flashAttention(Boolean.parseBoolean(flash));
      }
      pool = builder.build();
    } finally {
      if (before == null) {
        System.clearProperty("parley.llama.engine");
      } else {
        System.setProperty("parley.llama.engine", before);
      }
    }
    LongAdder pieces = new LongAdder();
    // A piece is what onToken gets: a token, or several when a character's UTF-8 bytes span tokens
    // (random weights produce many byte tokens). Finished replies give the tokens per piece.
    LongAdder finishedPieces = new LongAdder();
    LongAdder finishedTokens = new LongAdder();
    ChatRequest request = new ChatRequest(InferenceBenchmark.PROMPT,
        GenerationOptions.builder().maxTokens(InferenceBenchmark.TOKENS).temperature(0).build());
    ExecutorService clients = Executors.newFixedThreadPool(streams);
    stop = false;
    try (ModelPool closing = pool) {
      for (int i = 0; i < streams; i++) {
        clients.execute(() -> {
          while (!stop) {
            long[] mine = {0};
            StreamHandler counting = new StreamHandler() {
              @Override
              public void onToken(String token) {
                pieces.increment();
                mine[0]++;
              }

              @Override
              public void onComplete(ChatResponse response) {
                finishedPieces.add(mine[0]);
                finishedTokens.add(response.usage().completionTokens());
              }

              @Override
              public void onError(ParleyException error) {}
            };
            try {
              pool.stream(request, counting).completion().toCompletableFuture().get(5, TimeUnit.MINUTES);
            } catch (Exception e) {
              return;
            }
          }
        });
      }
      Thread.sleep(5_000); // warm-up: every stream running, pages touched
      long start = System.nanoTime();
      long first = pieces.sum();
      EngineStatistics atStart = pool.engineStatistics();
      Thread.sleep(seconds * 1000L);
      long counted = pieces.sum() - first;
      double elapsed = (System.nanoTime() - start) / 1e9;
      EngineStatistics after = pool.engineStatistics();
      stop = true;
      double tokensPerPiece = finishedPieces.sum() == 0 ? 1 : (double) finishedTokens.sum() / finishedPieces.sum();
      long steps = after.steps() - atStart.steps();
      if (steps > 0) {
        System.out.printf("  %s: %.1f steps/s, %.2f tokens a step, %.2f ms a step of which %.2f in llama_decode,"
                + " %.3f tokens a piece%n", after.engine(), steps / elapsed,
            (double) (after.stepTokens() - atStart.stepTokens()) / steps,
            (after.stepNanos() - atStart.stepNanos()) / 1e6 / steps,
            (after.decodeNanos() - atStart.decodeNanos()) / 1e6 / steps, tokensPerPiece);
      }
      return counted * tokensPerPiece / elapsed;
    } finally {
      clients.shutdownNow();
    }
  }

  /** Tells the clients to stop asking. */
  private static volatile boolean stop;
}
