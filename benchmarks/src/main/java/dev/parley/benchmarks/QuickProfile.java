package dev.parley.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.llama.LlamaChatModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Every benchmark suite, short enough for a 2-core machine (about a quarter of an hour), each
 * against its baseline in the same run; writes {@code results.json} (the JMH results of every run
 * plus the memory comparison) and {@code results.md} (the tables with ratio columns).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.parley.benchmarks.QuickProfile [--out DIR] [--only REGEX]
 * </pre>
 *
 * {@code --only} keeps the runs whose id matches (ids: inference-threads, inference-tiny,
 * inference-streams-1/4/8, multi-turn, conversation, cache, sanitizer, rate-limiter, memory,
 * conversations). With {@code PARLEY_NATIVE_LLAMA_BIN} set (scripts/bench.sh does), each
 * inference-streams run is measured between two rounds of llama.cpp's own tools on the same model.
 */
public final class QuickProfile {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private QuickProfile() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of("benchmarks", "target", "quick-profile");
    Pattern only = Pattern.compile(".*");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(value(args, ++i, "--out"));
        case "--only" -> only = Pattern.compile(value(args, ++i, "--only"));
        default -> {
          System.err.println("unknown argument " + args[i] + "; usage: QuickProfile [--out DIR] [--only REGEX]");
          System.exit(2);
        }
      }
    }
    List<Suite> suites = new ArrayList<>();
    for (Suite s : suites()) {
      if (only.matcher(s.id()).matches()) {
        suites.add(s);
      }
    }
    boolean memory = only.matcher("memory").matches();
    Path json = run(suites, memory, only.matcher("conversations").matches(), out);
    String md = Files.readString(json.resolveSibling("results.md"));
    System.out.println(md);
    System.out.println("wrote " + json.toAbsolutePath() + " and " + json.resolveSibling("results.md").toAbsolutePath());
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      System.err.println(flag + " needs a value");
      System.exit(2);
    }
    return args[i];
  }

  /** The quick profile. */
  static List<Suite> suites() {
    int cores = Runtime.getRuntime().availableProcessors();
    List<String> threadCounts = IntStream.rangeClosed(1, cores).mapToObj(Integer::toString).toList();
    List<String> inferenceSubjects = List.of("LLAMA_CHAT_MODEL", "MODEL_POOL");
    List<String> inferenceBaselines = List.of("RAW_LLAMA", "SEED_POOL", "MODEL_POOL_JNI", "MEMORY_CEILING");
    // On a JDK 22+ MODEL_POOL runs the FFM engine and MODEL_POOL_JNI the JNI one, in the same run.
    boolean ffm = Runtime.version().feature() >= 22;
    String inference = "dev.parley.benchmarks.InferenceBenchmark.generate";
    List<Suite> suites = new ArrayList<>();
    suites.add(new Suite("inference-threads", "Tokens/s, one stream, synthetic 135M model, compute threads 1.." + cores,
        inference, Map.of("implementation", List.of("RAW_LLAMA", "LLAMA_CHAT_MODEL", "MODEL_POOL", "MEMORY_CEILING"),
            "threads", threadCounts, "streams", List.of("1"), "model", List.of("synthetic-135m")),
        1, new int[] {1, 5}, new int[] {3, 5}, "implementation", inferenceSubjects, inferenceBaselines, null,
        "tokens/s"));
    suites.add(new Suite("inference-tiny", "Tokens/s, one stream, tiny model (wrapper overhead per token)",
        inference, Map.of("implementation", List.of("RAW_LLAMA", "LLAMA_CHAT_MODEL", "MODEL_POOL"),
            "threads", List.of("1"), "streams", List.of("1"), "model", List.of("tiny")),
        1, new int[] {1, 3}, new int[] {3, 3}, "implementation", inferenceSubjects, inferenceBaselines, null,
        "tokens/s"));
    for (int streams : new int[] {1, 4, 8}) {
      suites.add(new Suite("inference-streams-" + streams,
          "Aggregate tokens/s, " + streams + " concurrent conversation" + (streams > 1 ? "s" : "")
              + ", synthetic 135M model, default compute threads (threads 0: Parley's default, "
              + LlamaChatModel.defaultThreads() + " here; the seed pool's copies share them)",
          inference, Map.of("implementation", withJni(ffm, streams == 1
                  ? List.of("RAW_LLAMA", "MODEL_POOL", "SEED_POOL", "MEMORY_CEILING")
                  : List.of("RAW_LLAMA", "MODEL_POOL", "SEED_POOL")),
              "threads", List.of("0"), "streams", List.of(Integer.toString(streams)), "model", List.of("synthetic-135m")),
          streams, new int[] {1, streams > 1 ? 10 : 5}, new int[] {3, streams > 1 ? 10 : 5}, "implementation", inferenceSubjects, inferenceBaselines,
          null, "tokens/s"));
    }
    suites.add(new Suite("multi-turn", "Time to first token, turn 1 and turn 10, with and without prompt-cache reuse",
        "dev.parley.benchmarks.MultiTurnBenchmark", Map.of("model", List.of("synthetic-135m")), 1,
        new int[] {1, 3}, new int[] {3, 3}, "promptCache", List.of("true"), List.of("false"), null, null));
    suites.add(new Suite("conversation", "ConversationManager: append + trim on a 200-message conversation at its token budget",
        "dev.parley.benchmarks.ConversationManagerBenchmark", Map.of(), 1, new int[] {2, 2}, new int[] {3, 2},
        "implementation", List.of("PARLEY"), List.of("RECOUNT_BASELINE"), null, null));
    suites.add(new Suite("cache", "ResponseCache: a hit", "dev.parley.benchmarks.ResponseCacheBenchmark", Map.of(), 1,
        new int[] {2, 2}, new int[] {3, 2}, "implementation", List.of("PARLEY_HIT"),
        List.of("CAFFEINE_BY_REQUEST_HIT", "FAKE_MODEL_GENERATES"), null, null));
    suites.add(new Suite("sanitizer", "InputSanitizer: cleaning 1, 8 and 64 KB of chat text",
        "dev.parley.benchmarks.InputSanitizerBenchmark", Map.of(), 1, new int[] {2, 2}, new int[] {3, 2},
        "implementation", List.of("PARLEY"), List.of("REGEX_BASELINE"), null, null));
    suites.add(new Suite("rate-limiter", "Rate limiter: permits per µs, 1 and 100,000 keys, 1 and 2 threads",
        "dev.parley.benchmarks.RateLimiterBenchmark", Map.of(), 0, new int[] {2, 1}, new int[] {3, 1},
        "implementation", List.of("PARLEY"), List.of("BUCKET4J", "SYNCHRONIZED_MAP"), null, null));
    return suites;
  }

  private static List<String> withJni(boolean ffm, List<String> implementations) {
    if (!ffm) {
      return implementations;
    }
    List<String> all = new ArrayList<>(implementations);
    all.add(all.indexOf("MODEL_POOL") + 1, "MODEL_POOL_JNI");
    return all;
  }

  /**
   * llama.cpp's own tools measured around a run (before and after it: this host's speed drifts),
   * on the same model, at every thread count: {@code llama-bench} for one stream, {@code
   * llama-batched-bench} and {@code llama-server} for N conversations.
   */
  static List<NativeCase> nativeCases(Suite s, NativeReference natives) {
    if (!s.id().startsWith("inference-streams-")) {
      return List.of();
    }
    int streams = Integer.parseInt(s.id().substring("inference-streams-".length()));
    Path model = BenchmarkModels.synthetic135m();
    String prompt = InferenceBenchmark.rawPrompt();
    List<NativeCase> cases = new ArrayList<>();
    for (int t = 1; t <= Runtime.getRuntime().availableProcessors(); t++) {
      int threads = t;
      if (streams == 1) {
        cases.add(new NativeCase("llama-bench tg" + InferenceBenchmark.TOKENS + ", " + t + " thread(s)",
            () -> natives.llamaBench(model, threads, InferenceBenchmark.TOKENS)));
      } else {
        cases.add(new NativeCase("llama-batched-bench, " + streams + " sequences, " + t + " thread(s)",
            () -> natives.batchedBench(model, threads, streams, 32, InferenceBenchmark.TOKENS)));
        cases.add(new NativeCase("llama-server -np " + streams + ", " + t + " thread(s)", () -> {
          try (ChildServer server = natives.server(model, threads, streams, InferenceBenchmark.CONTEXT)) {
            return server.throughput(prompt, streams, InferenceBenchmark.TOKENS, 3);
          }
        }));
      }
    }
    return cases;
  }

  /** One native measurement: a label and what it measures (tokens/s). */
  record NativeCase(String label, java.util.concurrent.Callable<Double> measure) {}

  private static void measureNatives(List<NativeCase> cases, Map<String, List<Double>> samples) throws Exception {
    for (NativeCase c : cases) {
      samples.computeIfAbsent(c.label(), k -> new ArrayList<>()).add(c.measure().call());
    }
  }

  /** Runs the suites (and the memory comparison), writes results.json and results.md into {@code out}. */
  static Path run(List<Suite> suites, boolean memory, Path out) throws Exception {
    return run(suites, memory, false, out);
  }

  /** Also runs the many-conversations scenario ({@link ConversationLoad}) when {@code conversations}. */
  static Path run(List<Suite> suites, boolean memory, boolean conversations, Path out) throws Exception {
    Files.createDirectories(out);
    ObjectNode doc = JSON.createObjectNode();
    ObjectNode machine = doc.putObject("machine");
    machine.put("cores", Runtime.getRuntime().availableProcessors());
    machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    machine.put("jdk", System.getProperty("java.version"));
    machine.put("date", LocalDate.now().toString());
    ArrayNode runs = doc.putArray("runs");
    Path json = out.resolve("results.json");
    NativeReference natives = NativeReference.find().orElse(null);
    if (natives == null) {
      System.err.println("no native reference: " + NativeReference.BIN_ENV + " is not set (scripts/bench.sh builds"
          + " llama.cpp's tools and sets it)");
    }
    for (Suite s : suites) {
      Path raw = out.resolve("jmh-" + s.id() + ".json");
      List<NativeCase> nativeCases = natives == null ? List.of() : nativeCases(s, natives);
      Map<String, List<Double>> nativeSamples = new LinkedHashMap<>();
      measureNatives(nativeCases, nativeSamples);
      new Runner(options(s, raw)).run();
      measureNatives(nativeCases, nativeSamples);
      ObjectNode run = runs.addObject();
      run.put("id", s.id());
      run.put("title", s.title());
      run.put("axis", s.axis());
      s.subjects().forEach(run.putArray("subjects")::add);
      s.baselines().forEach(run.putArray("baselines")::add);
      if (s.metric() != null) {
        run.put("metric", s.metric());
      }
      if (s.metricUnit() != null) {
        run.put("metricUnit", s.metricUnit());
      }
      run.set("jmh", JSON.readTree(raw.toFile()));
      if (!nativeSamples.isEmpty()) {
        ArrayNode n = run.putArray("native");
        nativeSamples.forEach((label, values) -> {
          ObjectNode c = n.addObject().put("label", label);
          values.forEach(c.putArray("samples")::add);
        });
      }
      write(doc, json);
    }
    if (conversations) {
      doc.set("conversations", conversations(natives));
      write(doc, json);
    }
    if (memory) {
      doc.set("memory", memory());
    }
    write(doc, json);
    return json;
  }

  private static void write(JsonNode doc, Path json) throws IOException {
    JSON.writeValue(json.toFile(), doc);
    Files.writeString(json.resolveSibling("results.md"), ResultTable.markdown(doc), StandardCharsets.UTF_8);
  }

  static org.openjdk.jmh.runner.options.Options options(Suite s, Path raw) {
    ChainedOptionsBuilder o = new OptionsBuilder()
        .include(s.include())
        .forks(1)
        .warmupIterations(s.warmup()[0]).warmupTime(TimeValue.seconds(s.warmup()[1]))
        .measurementIterations(s.measure()[0]).measurementTime(TimeValue.seconds(s.measure()[1]))
        .shouldFailOnError(true)
        .resultFormat(ResultFormatType.JSON).result(raw.toString());
    if (s.threads() > 0) {
      o.threads(s.threads()); // else the benchmark's own @Threads
    }
    for (Map.Entry<String, List<String>> p : s.params().entrySet()) {
      o.param(p.getKey(), p.getValue().toArray(String[]::new));
    }
    return o.build();
  }

  /** 32 conversations x 6 turns on 4 sequences: Parley on each engine and llama-server, in turn. */
  private static ObjectNode conversations(NativeReference natives) throws Exception {
    ObjectNode c = JSON.createObjectNode();
    c.put("title", "Time to first token per turn, 32 conversations x 6 turns on 4 sequences, 4 users at a time,"
        + " 24-token replies, synthetic 135M model, default threads (ConversationLoad)");
    ArrayNode backends = c.putArray("backends");
    Path model = BenchmarkModels.synthetic135m();
    int threads = LlamaChatModel.defaultThreads();
    List<ConversationLoad.Backend> order = new ArrayList<>(List.of(ConversationLoad.Backend.PARLEY));
    if (Runtime.version().feature() >= 22) {
      order.add(ConversationLoad.Backend.PARLEY_JNI);
    }
    if (natives != null) {
      order.add(ConversationLoad.Backend.LLAMA_SERVER);
    }
    for (ConversationLoad.Backend b : order) {
      backends.add(ConversationLoad.measure(b, model, threads, 4, 32, 6, 4, 24, natives));
    }
    return c;
  }

  private static ObjectNode memory() throws IOException, InterruptedException {
    ObjectNode m = JSON.createObjectNode();
    m.put("title", "Resident memory, 8 conversations at once, synthetic 135M model (MemoryFootprint)");
    Path file = BenchmarkModels.synthetic135m();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("pool", "ModelPool: 1 model × 8 slots"
        + (Runtime.version().feature() >= 22 ? " (FFM engine)" : " (JNI engine)"));
    if (Runtime.version().feature() >= 22) {
      labels.put("pool-jni", "ModelPool on the JNI engine");
    }
    labels.put("seed", "seed pool: 8 model instances");
    for (Map.Entry<String, String> e : labels.entrySet()) {
      long[] kib = MemoryFootprint.measure(e.getKey(), file);
      ObjectNode k = m.putObject(e.getKey());
      k.put("label", e.getValue());
      k.put("vmRssMb", kib[0] / 1024.0);
      k.put("rssAnonMb", kib[1] / 1024.0);
      k.put("rssFileMb", kib[2] / 1024.0);
    }
    return m;
  }
}
