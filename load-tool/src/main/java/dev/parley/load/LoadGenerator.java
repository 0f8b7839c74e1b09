package dev.parley.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Load for the example chat server: N concurrent WebSocket sessions and M Server-Sent-Event
 * sessions on loopback, messages sent at a set rate, bounded in count and time, then a report:
 * success rate, time to first token (p50/p95/p99, and what the server added on top of the
 * model's own first-token delay), p99 total latency, tokens per second and the server's resident
 * memory.
 *
 * <p>By default it starts the server itself in a child JVM on the fake model, so the server is
 * what gets measured; {@code --model} runs it on a GGUF instead, {@code --url} targets a server
 * that is already running. Exits 0 when every session opened and every message was answered, 1
 * otherwise.
 *
 * <pre>
 * java -jar load-tool/target/parley-load.jar \
 *     --ws-sessions 5000 --messages 2 --rate 250
 * </pre>
 */
@Command(name = "parley-load", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Drives the Parley example chat server with concurrent WebSocket and SSE sessions and reports latency, throughput and memory.")
public final class LoadGenerator implements java.util.concurrent.Callable<Integer> {
  private static final String API_KEY = "load-key";

  @Option(names = "--ws-sessions", defaultValue = "100", description = "Concurrent WebSocket sessions. Default: ${DEFAULT-VALUE}")
  int wsSessions;

  @Option(names = "--sse-sessions", defaultValue = "0", description = "Concurrent SSE sessions (REST messages). Default: ${DEFAULT-VALUE}")
  int sseSessions;

  @Option(names = "--messages", defaultValue = "2", description = "Messages each session sends. Default: ${DEFAULT-VALUE}")
  int messages;

  @Option(names = "--rate", defaultValue = "100", description = "Messages per second over all sessions. Default: ${DEFAULT-VALUE}")
  double rate;

  @Option(names = "--connect-concurrency", defaultValue = "64",
      description = "Sessions being created or connected at once. Default: ${DEFAULT-VALUE}")
  int connectConcurrency;

  @Option(names = "--duration-seconds", defaultValue = "300",
      description = "Hard limit for the whole run; what is unanswered then counts as failed. Default: ${DEFAULT-VALUE}")
  int durationSeconds;

  @Option(names = "--model", description = "Start the server on this GGUF file instead of the fake model.")
  @Nullable Path model;

  @Option(names = "--fake-token-delay-ms", defaultValue = "20",
      description = "The fake model's delay before each token; subtracted from time to first token to give what the server adds. Default: ${DEFAULT-VALUE}")
  int fakeTokenDelayMs;

  @Option(names = "--server-arg", description = "Extra flag for the started server (repeat), e.g. --server-arg=--slots=8")
  List<String> serverArgs = new ArrayList<>();

  @Option(names = "--server-jvm-arg", description = "JVM flag for the started server (repeat), e.g. --server-jvm-arg=-Xmx1g")
  List<String> serverJvmArgs = new ArrayList<>();

  @Option(names = "--url", description = "Target this running server instead of starting one (its API key: --api-key).")
  @Nullable URI url;

  @Option(names = "--api-key", defaultValue = API_KEY, description = "API key for --url. Default: ${DEFAULT-VALUE}")
  String apiKey;

  @Option(names = "--model-first-token-ms", description = "With --url: the model's own first-token delay to subtract. Default: 0")
  @Nullable Integer modelFirstTokenMs;

  @Option(names = "--work-dir", defaultValue = "target/load", description = "Where the started server keeps its database and log. Default: ${DEFAULT-VALUE}")
  Path workDir;

  @Option(names = "--json", description = "Also write the report here as JSON.")
  @Nullable Path json;

  private final PrintStream out;

  @CommandLine.Spec
  CommandLine.Model.@Nullable CommandSpec spec;

  LoadGenerator(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(execute(System.out, System.err, args));
  }

  /** Runs the tool; returns its exit code: 0 all answered, 1 something failed, 2 bad flags. */
  public static int execute(PrintStream out, PrintStream err, String... args) {
    return new CommandLine(new LoadGenerator(out))
        .setOut(new java.io.PrintWriter(out, true))
        .setErr(new java.io.PrintWriter(err, true))
        .execute(args);
  }

  @Override
  public Integer call() throws Exception {
    validate();
    Map<String, Object> report = run();
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    if (json != null) {
      if (json.toAbsolutePath().getParent() != null) {
        Files.createDirectories(json.toAbsolutePath().getParent());
      }
      mapper.writeValue(json.toFile(), report);
    }
    out.println(LoadReport.text(report));
    return LoadReport.passed(report) ? 0 : 1;
  }

  private void validate() {
    check(wsSessions >= 0 && sseSessions >= 0 && wsSessions + sseSessions > 0,
        "--ws-sessions and --sse-sessions must not be negative, and at least one must be > 0; were " + wsSessions + " and " + sseSessions);
    check(messages > 0, "--messages must be > 0, was " + messages);
    check(rate > 0, "--rate must be > 0, was " + rate);
    check(connectConcurrency > 0, "--connect-concurrency must be > 0, was " + connectConcurrency);
    check(durationSeconds > 0, "--duration-seconds must be > 0, was " + durationSeconds);
    check(fakeTokenDelayMs >= 0, "--fake-token-delay-ms must be >= 0, was " + fakeTokenDelayMs);
    check(model == null || Files.isRegularFile(model), "--model " + model + " is not a file");
    check(url == null || model == null, "--url and --model exclude each other: --model starts a server");
  }

  private void check(boolean ok, String message) {
    if (!ok) {
      throw new CommandLine.ParameterException(java.util.Objects.requireNonNull(spec).commandLine(), message);
    }
  }

  Map<String, Object> run() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds);
    LoadResults results = new LoadResults();
    ServerProcess server = null;
    URI base = url;
    String key = apiKey;
    long modelDelayMs = modelFirstTokenMs != null ? modelFirstTokenMs : 0;
    if (base == null) {
      List<String> args = new ArrayList<>();
      addDefault(args, "--api-keys", API_KEY + "=load");
      addDefault(args, "--requests-per-minute", "100000000");
      addDefault(args, "--requests-per-day", "1000000000");
      addDefault(args, "--ws-idle-seconds", "300");
      addDefault(args, "--ws-max-per-user", "1000000"); // every simulated session is the one user "load"
      addDefault(args, "--max-open-requests-per-user", "1000000"); // its SSE streams and session creations too
      addDefault(args, "--tokens-per-day", "0"); // the load is one user: no daily token quota
      if (model != null) {
        args.addAll(List.of("--model", model.toString()));
      } else {
        args.add("--fake-model");
        addDefault(args, "--fake-token-delay-ms", Integer.toString(fakeTokenDelayMs));
        modelDelayMs = fakeTokenDelayMs;
      }
      args.addAll(serverArgs);
      out.println("starting the server: " + String.join(" ", args));
      server = ServerProcess.start(serverJvmArgs, args, workDir, Duration.ofMinutes(3));
      base = server.base();
      key = API_KEY;
    }
    ExecutorService callbacks = Executors.newFixedThreadPool(4, daemon("parley-load-client"));
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(daemon("parley-load-memory"));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(callbacks)
        .connectTimeout(Duration.ofSeconds(10)).build();
    AtomicLong peakRss = new AtomicLong();
    List<LoadSession> sessions = new ArrayList<>();
    long connectStarted = System.nanoTime();
    double connectSeconds;
    double runSeconds;
    boolean finished = false;
    try {
      if (server != null) {
        ServerProcess s = server;
        sampler.scheduleAtFixedRate(() -> s.residentBytes().ifPresent(b -> peakRss.accumulateAndGet(b, Math::max)),
            0, 250, TimeUnit.MILLISECONDS);
      }
      sessions = connect(client, base, key, results, deadline);
      connectSeconds = (System.nanoTime() - connectStarted) / 1e9;
      out.printf("%d sessions open in %.1f s (%d failed); sending %d messages at %.0f/s%n", sessions.size(),
          connectSeconds, results.sessionsFailed.get(), (long) sessions.size() * messages, rate);
      long started = System.nanoTime();
      send(sessions, results, deadline);
      awaitReplies(sessions, deadline);
      runSeconds = (System.nanoTime() - started) / 1e9;
      finished = true;
    } finally {
      for (LoadSession s : sessions) {
        s.close("unanswered when the run ended");
      }
      sampler.shutdownNow();
      if (server != null && !finished) {
        server.stop();
      }
    }
    Map<String, Object> serverFacts = new java.util.LinkedHashMap<>();
    serverFacts.put("url", base.toString());
    if (server != null) {
      OptionalLong hwm = server.peakResidentBytes();
      serverFacts.put("peakResidentMb", mb(Math.max(peakRss.get(), hwm.orElse(0))));
      serverFacts.put("residentMbAtEnd", server.residentBytes().isPresent() ? mb(server.residentBytes().getAsLong()) : null);
      serverFacts.put("heapUsedMbAtEnd", heapUsedMb(client, base, key));
      Thread.sleep(200); // let the close frames go out before SIGTERM
      serverFacts.put("exitCode", server.stop());
      serverFacts.put("log", server.log().toString());
    }
    callbacks.shutdownNow();
    return LoadReport.of(settings(modelDelayMs), results, connectSeconds, runSeconds, modelDelayMs, serverFacts);
  }

  /** A flag for the started server, unless --server-arg gives it. */
  private void addDefault(List<String> args, String flag, String value) {
    for (String given : serverArgs) {
      if (given.equals(flag) || given.startsWith(flag + "=")) {
        return;
      }
    }
    args.add(flag);
    args.add(value);
  }

  private Map<String, Object> settings(long modelDelayMs) {
    Map<String, Object> s = new java.util.LinkedHashMap<>();
    s.put("model", model != null ? model.getFileName().toString() : url != null ? "(running server)" : "fake");
    s.put("modelFirstTokenMs", modelDelayMs);
    s.put("wsSessions", wsSessions);
    s.put("sseSessions", sseSessions);
    s.put("messagesPerSession", messages);
    s.put("ratePerSecond", rate);
    s.put("serverArgs", serverArgs);
    s.put("cores", Runtime.getRuntime().availableProcessors());
    return s;
  }

  /** Creates every chat session, then opens the WebSockets, at most connectConcurrency at a time. */
  private List<LoadSession> connect(HttpClient client, URI base, String key, LoadResults results, long deadline)
      throws InterruptedException {
    Semaphore permits = new Semaphore(connectConcurrency);
    List<CompletableFuture<LoadSession>> pending = new ArrayList<>();
    ObjectMapper mapper = new ObjectMapper();
    for (int i = 0; i < wsSessions + sseSessions; i++) {
      int all = wsSessions + sseSessions;
      // SSE sessions spread evenly among the WebSocket ones
      boolean ws = (long) (i + 1) * sseSessions / all == (long) i * sseSessions / all;
      permits.acquire();
      HttpRequest create = HttpRequest.newBuilder(URI.create(base + "/api/conversations"))
          .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
          .timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofString("{\"title\": \"load " + i + "\"}")).build();
      CompletableFuture<LoadSession> f = client.sendAsync(create, HttpResponse.BodyHandlers.ofString())
          .thenCompose(r -> {
            if (r.statusCode() != 201) {
              throw new IllegalStateException("POST /api/conversations answered " + r.statusCode());
            }
            String id = readId(mapper, r.body());
            return ws
                ? WebSocketLoadSession.open(client, base, key, id, results).<LoadSession>thenApply(s -> s)
                : CompletableFuture.<LoadSession>completedFuture(new SseLoadSession(client, base, key, id, results));
          })
          .whenComplete((s, e) -> permits.release());
      pending.add(f);
      if (System.nanoTime() > deadline) {
        break;
      }
    }
    List<LoadSession> open = new ArrayList<>();
    for (CompletableFuture<LoadSession> f : pending) {
      try {
        open.add(f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        results.sessionsOpened.incrementAndGet();
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
            ? c.getCause() : e.getCause();
        results.sessionFailed(cause.getClass().getSimpleName() + ": " + cause.getMessage());
      } catch (java.util.concurrent.TimeoutException e) {
        results.sessionFailed("not open when the run ended");
      }
    }
    return open;
  }

  private static String readId(ObjectMapper mapper, String body) {
    try {
      return mapper.readTree(body).path("id").asText();
    } catch (IOException e) {
      throw new IllegalStateException("POST /api/conversations answered something that is not JSON", e);
    }
  }

  /** Message k of session s falls due at start + (k × sessions + s) / rate: an even stream over the run. */
  private void send(List<LoadSession> sessions, LoadResults results, long deadline) {
    if (sessions.isEmpty()) {
      return;
    }
    long period = (long) (1e9 / rate);
    long start = System.nanoTime();
    long total = (long) sessions.size() * messages;
    for (long i = 0; i < total; i++) {
      long due = start + i * period;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      if (System.nanoTime() > deadline) {
        results.failed("not sent: the run's duration was over");
        continue;
      }
      sessions.get((int) (i % sessions.size())).due(due);
    }
  }

  private static void awaitReplies(List<LoadSession> sessions, long deadline) throws InterruptedException {
    while (System.nanoTime() < deadline) {
      long outstanding = 0;
      for (LoadSession s : sessions) {
        outstanding += s.outstanding();
      }
      if (outstanding == 0) {
        return;
      }
      Thread.sleep(20);
    }
  }

  private static @Nullable Double heapUsedMb(HttpClient client, URI base, String key) {
    try {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
          .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      double bytes = 0;
      boolean found = false;
      for (String line : r.body().split("\n")) {
        if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
          bytes += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          found = true;
        }
      }
      return found ? mb((long) bytes) : null;
    } catch (IOException | RuntimeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static double mb(long bytes) {
    return Math.round(bytes / 1024.0 / 1024.0 * 10) / 10.0;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
