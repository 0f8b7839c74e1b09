package dev.parley.benchmarks;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.Pair;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.StreamHandler;
import de.kherud.llama.ModelParameters;
import dev.parley.llama.ModelPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Resident memory of serving 8 conversations at once: one {@code ModelPool} with 8 slots against
 * the seed's design of 8 whole model instances. Each is measured in its own child JVM (VmRSS from
 * /proc after loading and a 32-token reply in each of the 8 conversations, generated at once on
 * the pools), in the same run.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.parley.benchmarks.MemoryFootprint [synthetic-135m|tiny]</pre>
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
    Path file = BenchmarkModels.named(model);
    long[] pool = measure("pool", file);
    long[] seed = measure("seed", file);
    System.out.printf("model %s, %d conversations at once, context %d each%n", model, CONVERSATIONS, CONTEXT);
    System.out.printf("%-32s %14s %14s %14s%n", "", "VmRSS KiB", "RssAnon KiB", "RssFile KiB");
    System.out.printf("%-32s %,14d %,14d %,14d%n", "ModelPool: 1 model x 8 slots", pool[0], pool[1], pool[2]);
    System.out.printf("%-32s %,14d %,14d %,14d%n", "seed pool: 8 model instances", seed[0], seed[1], seed[2]);
    System.out.printf("%-32s %14.2f %14.2f %14.2f%n", "ratio seed / ModelPool", (double) seed[0] / pool[0],
        (double) seed[1] / pool[1], (double) seed[2] / pool[2]);
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
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), MemoryFootprint.class.getName(),
        "--child=" + kind, file.toString()));
    Process p = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException(kind + " child failed: " + out);
    }
    long[] kib = new long[3];
    for (String line : out.split("\n")) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 2 && parts[0].matches("VmRSS:|RssAnon:|RssFile:")) {
        int i = parts[0].equals("VmRSS:") ? 0 : parts[0].equals("RssAnon:") ? 1 : 2;
        kib[i] = Long.parseLong(parts[1]);
      }
    }
    if (kib[0] == 0) {
      throw new IllegalStateException(kind + " child printed no RSS: " + out);
    }
    return kib;
  }

  private static void child(String kind, Path file) throws Exception {
    List<AutoCloseable> loaded = new ArrayList<>();
    ChatRequest request = new ChatRequest(InferenceBenchmark.PROMPT,
        GenerationOptions.builder().maxTokens(REPLY_TOKENS).temperature(0).build());
    if (kind.startsWith("pool")) {
      ModelPool pool = ModelPool.builder(file).slots(CONVERSATIONS).contextSize(CONTEXT).threads(1).build();
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
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:") || line.startsWith("RssAnon:") || line.startsWith("RssFile:")) {
        System.out.println(line.replace(" kB", ""));
      }
    }
    Runtime.getRuntime().halt(0);
  }
}
