package dev.parley.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * An OpenAI-compatible chat server in a child process on a loopback port: llama.cpp's
 * {@code llama-server} ({@link NativeReference#server}) or Parley's example server
 * ({@link #parleyExample}); {@link #close()} stops it.
 */
final class ChildServer implements AutoCloseable {
  static {
    // llama-server (cpp-httplib) closes a keep-alive connection after a few requests without
    // saying so on streamed replies, and the JDK's client would send the next request on it and
    // read nothing: every request says "Connection: close", which the JDK lets a program set only
    // when allowed here (before its HTTP client is first used).
    if (System.getProperty("jdk.httpclient.allowRestrictedHeaders") == null) {
      System.setProperty("jdk.httpclient.allowRestrictedHeaders", "connection");
    }
  }
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final Process process;
  final URI base;
  /** The bearer token requests carry, or null. */
  final @Nullable String apiKey;
  private final Path log;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private ChildServer(String name, Process process, URI base, @Nullable String apiKey, Path log) {
    this.name = name;
    this.process = process;
    this.base = base;
    this.apiKey = apiKey;
    this.log = log;
  }

  /** Runs {@code command}, which serves on {@code port}, and waits until its /health answers 200. */
  static ChildServer start(String name, List<String> command, int port, @Nullable String apiKey, Duration timeout)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("parley-" + name, ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ChildServer server = new ChildServer(name, p, URI.create("http://127.0.0.1:" + port), apiKey, log);
    server.awaitHealthy(timeout);
    return server;
  }

  /**
   * Parley's example server ({@code chat-examples}) on {@code model} in a child JVM of this JVM's
   * kind and class path: {@code slots} sequences of {@code contextPerSlot} tokens, one API key,
   * and its per-user request and token quotas lifted so that they do not shape the load.
   */
  static ChildServer parleyExample(Path model, int threads, int slots, int contextPerSlot)
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path db = Files.createTempFile("parley-bench-store", ".db");
    db.toFile().deleteOnExit();
    String key = "bench-key";
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "dev.parley.examples.server.ChatServer", "--host", "127.0.0.1", "--port", Integer.toString(port),
        "--model", model.toString(), "--slots", Integer.toString(slots), "--context-size",
        Integer.toString(contextPerSlot), "--threads", Integer.toString(threads), "--api-keys", key + "=bench",
        "--requests-per-minute", "1000000", "--tokens-per-day", "0", "--db", "jdbc:sqlite:" + db));
    return start("parley-example-server", command, port, key, Duration.ofSeconds(120));
  }
  private void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(name + " exited " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/health")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(200);
    }
    close();
    throw new IOException(name + " was not healthy within " + timeout + ":\n" + Files.readString(log));
  }

  /**
   * {@code streams} clients at once, each asking {@code rounds} times for {@code tokens} tokens
   * of the same prompt (its slot's prompt cache keeps it, as a JMH invocation's would): the
   * aggregate generation tokens/s over the whole run.
   */
  double throughput(String prompt, int streams, int tokens, int rounds) throws Exception {
    String body = JSON.writeValueAsString(JSON.createObjectNode().put("prompt", prompt).put("n_predict", tokens)
        .put("temperature", 0).put("cache_prompt", true).put("ignore_eos", true));
    ExecutorService clients = Executors.newFixedThreadPool(streams);
    try {
      // one round to warm up (prompt caches filled, pages touched)
      runRound(clients, body, streams);
      long start = System.nanoTime();
      long generated = 0;
      for (int r = 0; r < rounds; r++) {
        generated += runRound(clients, body, streams);
      }
      return generated / ((System.nanoTime() - start) / 1e9);
    } finally {
      clients.shutdownNow();
    }
  }

  private long runRound(ExecutorService clients, String body, int streams) throws Exception {
    List<Future<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      calls.add(clients.submit(() -> {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/completion"))
            .header("Content-Type", "application/json").header("Connection", "close").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          throw new IOException(name + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body()).get("tokens_predicted").asInt();
      }));
    }
    long n = 0;
    for (Future<Integer> f : calls) {
      n += f.get(5, TimeUnit.MINUTES);
    }
    return n;
  }

  /**
   * The server's Prometheus counters ({@code /metrics}), each name's samples summed over their
   * tags: the engine's steps and tokens for a benchmark row. Empty where the server has no such
   * endpoint (llama-server without {@code --metrics}).
   */
  Map<String, Double> counters() throws IOException, InterruptedException {
    HttpRequest.Builder get = HttpRequest.newBuilder(base.resolve("/metrics")).GET();
    if (apiKey != null) {
      get.header("Authorization", "Bearer " + apiKey);
    }
    HttpResponse<String> r = http.send(get.build(), HttpResponse.BodyHandlers.ofString());
    Map<String, Double> sums = new HashMap<>();
    if (r.statusCode() != 200) {
      return sums;
    }
    for (String line : r.body().split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      int brace = line.indexOf('{');
      String metric = line.substring(0, brace > 0 && brace < space ? brace : space);
      try {
        sums.merge(metric, Double.parseDouble(line.substring(space + 1)), Double::sum);
      } catch (NumberFormatException notANumber) {
        // NaN and the like are not counters
      }
    }
    return sums;
  }

  /** The last lines the server logged, for an error message. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    try {
      if (!Boolean.getBoolean("parley.bench.keepServerLog")) {
        Files.deleteIfExists(log);
      } else {
        System.err.println(name + " log kept: " + log);
      }
    } catch (IOException ignored) {
      // a temporary file
    }
  }
}
