package dev.parley.benchmarks;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.Pair;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.StreamHandler;
import de.kherud.llama.ModelParameters;
import dev.parley.llama.LlamaChatModel;
import dev.parley.llama.ModelPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Resident memory of serving 8 conversations at once: one {@code ModelPool} with 8 slots (on this
 * JDK's engine, and on the JNI engine) against the seed's design of 8 whole model instances. Each is
 * measured in its own child JVM, in the same run: VmRSS from /proc after loading and a 32-token
 * reply in each of the 8 conversations (generated at once on the pools), and again "settled", after
 * a GC and 6 s, when start-up garbage and the JIT's scratch memory are gone.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.parley.benchmarks.MemoryFootprint [synthetic-135m|tiny] [rounds]</pre>
 */
public final class MemoryFootprint {
  private static final int CONVERSATIONS = 8;
  private static final int CONTEXT = 512;
  private static final int REPLY_TOKENS = 32;

  private MemoryFootprint() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].startsWith("--child=")) {
      child(args[0].substring("--child=".length()), Path.of(args[1]));
      return;
    }
    String model = args.length > 0 ? args[0] : "synthetic-135m";
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path file = BenchmarkModels.named(model);
    String[] kinds = {"pool", "pool-jni", "seed"};
    String[] names = {"ModelPool: 1 model x 8 slots", "ModelPool, JNI engine", "seed pool: 8 model instances"};
    // kib[kind][round][column]: the kinds alternate within each round (this host's memory use
    // drifts less than its speed, but the page cache and the JIT do not repeat exactly).
    long[][][] kib = new long[kinds.length][rounds][];
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < kinds.length; i++) {
        kib[i][r] = measure(kinds[i], file);
      }
    }
    System.out.printf("model %s, %d conversations at once, context %d each, Java %d (pool: %s engine), median of %d"
            + " rounds [min-max]%n", model, CONVERSATIONS, CONTEXT, Runtime.version().feature(),
        Runtime.version().feature() >= 22 ? "FFM" : "JNI", rounds);
    String[] columns = {"VmRSS MiB", "RssAnon MiB", "RssFile MiB", "settled VmRSS MiB", "settled RssAnon MiB"};
    System.out.printf("%-32s", "");
    for (String c : columns) {
      System.out.printf(" %21s", c);
    }
    System.out.println();
    for (int i = 0; i < kinds.length; i++) {
      System.out.printf("%-32s", names[i]);
      for (int c = 0; c < columns.length; c++) {
        System.out.printf(" %21s", cell(kib[i], c));
      }
      System.out.println();
    }
    for (int other : new int[] {1, 2}) {
      System.out.printf("%-32s", "ratio " + (other == 1 ? "JNI" : "seed") + " / ModelPool");
      for (int c = 0; c < columns.length; c++) {
        System.out.printf(" %21.3f", median(kib[other], c) / median(kib[0], c));
      }
      System.out.println();
    }
  }

  private static double median(long[][] rounds, int column) {
    List<Double> values = new ArrayList<>();
    for (long[] round : rounds) {
      values.add(round[column] / 1024.0);
    }
    return ResultTable.median(values);
  }

  private static String cell(long[][] rounds, int column) {
    double min = Double.MAX_VALUE;
    double max = 0;
    for (long[] round : rounds) {
      min = Math.min(min, round[column] / 1024.0);
      max = Math.max(max, round[column] / 1024.0);
    }
    return String.format("%.1f [%.1f-%.1f]", median(rounds, column), min, max);
  }

  static long[] measure(String kind, Path file) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx512m"));
    if (Runtime.version().feature() >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    if (kind.equals("pool-jni")) {
      command.add("-Dparley.llama.engine=jni"); // ModelPool on the JNI engine, on any JDK
    }
    String extra = System.getProperty("parley.bench.childJvmArgs"); // JVM options for every child, space-separated
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.trim().split("\\s+")));
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), MemoryFootprint.class.getName(),
        "--child=" + kind, file.toString()));
    Process p = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException(kind + " child failed: " + out);
    }
    long[] kib = new long[5];
    for (String line : out.split("\n")) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 2 && parts[0].matches("(settled-)?(VmRSS|RssAnon|RssFile):")) {
        int i = switch (parts[0]) {
          case "VmRSS:" -> 0;
          case "RssAnon:" -> 1;
          case "RssFile:" -> 2;
          case "settled-VmRSS:" -> 3;
          case "settled-RssAnon:" -> 4;
          default -> -1;
        };
        if (i >= 0) {
          kib[i] = Long.parseLong(parts[1]);
        }
      }
    }
    if (kib[0] == 0) {
      throw new IllegalStateException(kind + " child printed no RSS: " + out);
    }
    return kib;
  }

  private static void printRss(String prefix) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:") || line.startsWith("RssAnon:") || line.startsWith("RssFile:")) {
        System.out.println(prefix + line.replace(" kB", ""));
      }
    }
  }

  private static void child(String kind, Path file) throws Exception {
    List<AutoCloseable> loaded = new ArrayList<>();
    ChatRequest request = new ChatRequest(InferenceBenchmark.PROMPT,
        GenerationOptions.builder().maxTokens(REPLY_TOKENS).temperature(0).build());
    if (kind.startsWith("pool")) {
      ModelPool pool = ModelPool.builder(LlamaChatModel.builder(file).contextSize(CONTEXT).threads(1)).slots(CONVERSATIONS).build();
      loaded.add(pool);
      // 8 conversations at once, each a whole reply: the memory of serving, not of a loaded model.
      List<CompletableFuture<ChatResponse>> replies = new ArrayList<>();
      for (int i = 0; i < CONVERSATIONS; i++) {
        replies.add(pool.stream(request.withConversation("c" + i), StreamHandler.ignoringTokens())
            .completion().toCompletableFuture());
      }
      for (CompletableFuture<ChatResponse> reply : replies) {
        reply.get(5, TimeUnit.MINUTES);
      }
    } else {
      for (int i = 0; i < CONVERSATIONS; i++) {
        LlamaModel model = new LlamaModel(new ModelParameters().setModel(file.toString()).setCtxSize(CONTEXT)
            .setThreads(1).disableLog().setChatTemplate("chatml"));
        loaded.add(model);
        model.complete(new InferenceParameters(model.applyTemplate(new InferenceParameters("")
            .setMessages(InferenceBenchmark.PROMPT.get(0).content(),
                List.of(new Pair<>("user", InferenceBenchmark.PROMPT.get(1).content())))))
            .setNPredict(REPLY_TOKENS).setTemperature(0));
      }
    }
    printRss("");
    // What the process holds, not what warming up touched: the heap's garbage from start-up (the
    // FFM engine's bindings spin ~10 MB of method-handle classes) collected and given back, and
    // the JIT's scratch memory freed (HotSpot frees compiler arenas on a 5 s timer).
    System.gc();
    Thread.sleep(6_000);
    printRss("settled-");
    Runtime.getRuntime().halt(0);
  }
}
