package dev.parley.benchmarks;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.ParleyException;
import dev.parley.chat.ResponseFormat;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolChoice;
import dev.parley.chat.ToolSpecification;
import dev.parley.llama.LlamaChatModel;
import dev.parley.llama.ModelPool;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.LongAdder;

/**
 * Whether constrained requests slow the unconstrained ones beside them. N streams generate at once
 * on one {@link ModelPool}; each round measures, back to back on the same pool, the tokens per
 * second of streams 1..N-1 while stream 0 asks (a) for free text too, (b) for a JSON-Schema reply,
 * (c) for a required tool call, and reports (b)/(a) and (c)/(a) per round, with medians and ranges.
 * Free-text requests never carry a grammar, so a ratio near 1 says a neighbour's grammar costs them
 * nothing beyond the share of each step its own token takes.
 *
 * <p>The native reference, in the same rounds when {@code $PARLEY_NATIVE_LLAMA_BIN} holds llama.cpp's
 * tools ({@code scripts/bench.sh} builds them): {@code llama-server -np N} on the same model, its
 * {@code /completion} streamed, stream 0 asking (a) for free text and (b) for the same schema
 * ({@code json_schema}, llama.cpp's own converter), the free streams' tokens counted as they stream.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar dev.parley.benchmarks.GrammarNeighbours [streams] [rounds] [seconds]</pre>
 */
final class GrammarNeighbours {
  private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":40},"
      + "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":12},\"maxItems\":8}},"
      + "\"required\":[\"name\",\"tags\"]}";

  private GrammarNeighbours() {}

  public static void main(String[] args) throws Exception {
    int streams = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
    Path model = BenchmarkModels.named(System.getProperty("parley.bench.model", "synthetic-135m"));
    GenerationOptions free = GenerationOptions.builder().maxTokens(InferenceBenchmark.TOKENS).temperature(0).build();
    GenerationOptions schema = free.toBuilder().responseFormat(ResponseFormat.jsonSchema("answer", SCHEMA, true)).build();
    GenerationOptions tool = free.toBuilder().tools(new ToolSpecification("lookup", "Looks a word up.", SCHEMA))
        .toolChoice(ToolChoice.REQUIRED).build();
    List<Double> schemaRatios = new ArrayList<>();
    List<Double> toolRatios = new ArrayList<>();
    List<Double> nativeRatios = new ArrayList<>();
    int threads = LlamaChatModel.defaultThreads();
    NativeReference natives = NativeReference.find().orElse(null);
    try (ModelPool pool = ModelPool.builder(LlamaChatModel.builder(model).contextSize(InferenceBenchmark.CONTEXT)
            .threads(threads)).slots(streams).build();
        ChildServer server = natives == null ? null : natives.server(model, threads, streams, InferenceBenchmark.CONTEXT)) {
      if (server != null) {
        nativeNeighbours(server, streams, true, seconds); // warm-up: its prompt cache filled, its pages touched
      }
      for (int r = 0; r < rounds; r++) {
        double a = neighbours(pool, streams, free, free, seconds);
        double b = neighbours(pool, streams, schema, free, seconds);
        double c = neighbours(pool, streams, tool, free, seconds);
        schemaRatios.add(b / a);
        toolRatios.add(c / a);
        System.out.printf("round %d: free neighbour %.1f tok/s, JSON-Schema neighbour %.1f, tool-call neighbour %.1f%n",
            r + 1, a, b, c);
        if (server != null) {
          double na = nativeNeighbours(server, streams, false, seconds);
          double nb = nativeNeighbours(server, streams, true, seconds);
          nativeRatios.add(nb / na);
          System.out.printf("round %d: llama-server free neighbour %.1f tok/s, JSON-Schema neighbour %.1f%n", r + 1, na, nb);
        }
      }
    }
    System.out.printf("%d streams, %s: the %d free streams' tok/s beside a constrained one / beside a free one%n", streams,
        model.getFileName(), streams - 1);
    report("JSON-Schema neighbour", schemaRatios);
    report("tool-call neighbour", toolRatios);
    if (!nativeRatios.isEmpty()) {
      report("llama-server, JSON-Schema", nativeRatios);
    }
  }

  /**
   * llama-server's free streams' tokens/s (streams 1..N-1, counted as they stream) while stream 0
   * asks for free text or for {@link #SCHEMA}.
   */
  private static double nativeNeighbours(ChildServer server, int streams, boolean constrained, int seconds)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode freeBody = json.createObjectNode().put("prompt", InferenceBenchmark.rawPrompt())
        .put("n_predict", InferenceBenchmark.TOKENS).put("temperature", 0).put("cache_prompt", true).put("stream", true);
    com.fasterxml.jackson.databind.node.ObjectNode firstBody = freeBody.deepCopy();
    if (constrained && "parley".equals(System.getProperty("parley.bench.nativeGrammar"))) {
      // Parley's own GBNF for the schema: the two servers then sample stream 0 under the same grammar.
      firstBody.put("grammar", dev.parley.llama.Grammars.fromSchema(SCHEMA, true));
    } else if (constrained) {
      firstBody.set("json_schema", json.readTree(SCHEMA));
    }
    LongAdder tokens = new LongAdder();
    LongAdder firstReplies = new LongAdder();
    LongAdder firstTokens = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService clients = Executors.newFixedThreadPool(streams);
    try {
      for (int i = 0; i < streams; i++) {
        boolean counted = i > 0;
        String body = (i == 0 ? firstBody : freeBody).toString();
        clients.execute(() -> {
          while (!stop.get()) {
            try {
              HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(server.base.resolve("/completion"))
                  .header("Content-Type", "application/json").header("Connection", "close")
                  .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
              try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(),
                  java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null && !stop.get(); line = in.readLine()) {
                  if (line.startsWith("data: {") && line.contains("\"content\"")) {
                    (counted ? tokens : firstTokens).increment();
                  }
                }
                if (!counted) {
                  firstReplies.increment();
                }
              }
            } catch (java.io.IOException e) {
              // llama-server dropped the connection (it does under load now and then): ask again.
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            } catch (InterruptedException e) {
              return;
            }
          }
        });
      }
      Thread.sleep(3_000);
      long start = System.nanoTime();
      long first = tokens.sum();
      long replies0 = firstReplies.sum();
      long tokens0 = firstTokens.sum();
      Thread.sleep(seconds * 1000L);
      long counted = tokens.sum() - first;
      double elapsed = (System.nanoTime() - start) / 1e9;
      stop.set(true);
      System.out.printf("  llama-server stream 0 (%s): %d replies, %d pieces%n", constrained ? "constrained" : "free",
          firstReplies.sum() - replies0, firstTokens.sum() - tokens0);
      return counted / elapsed;
    } finally {
      clients.shutdownNow();
      clients.awaitTermination(5, TimeUnit.MINUTES);
    }
  }

  private static void report(String label, List<Double> ratios) {
    System.out.printf("%-24s median %.3f [%.3f-%.3f] %s%n", label, ResultTable.median(ratios),
        ratios.stream().mapToDouble(Double::doubleValue).min().orElse(0),
        ratios.stream().mapToDouble(Double::doubleValue).max().orElse(0),
        ratios.stream().map(v -> String.format("%.3f", v)).toList());
  }

  /** Tokens per second of streams 1..N-1 (asking {@code others}) while stream 0 asks {@code first}. */
  private static double neighbours(ModelPool pool, int streams, GenerationOptions first, GenerationOptions others,
      int seconds) throws Exception {
    LongAdder completed = new LongAdder();
    LongAdder pieces = new LongAdder();
    LongAdder finishedPieces = new LongAdder();
    LongAdder firstReplies = new LongAdder();
    LongAdder firstTokens = new LongAdder();
    ExecutorService clients = Executors.newFixedThreadPool(streams);
    AtomicBoolean stop = new AtomicBoolean();
    try {
      for (int i = 0; i < streams; i++) {
        boolean counted = i > 0;
        ChatRequest request = new ChatRequest(InferenceBenchmark.PROMPT, i == 0 ? first : others);
        clients.execute(() -> {
          while (!stop.get()) {
            long[] mine = {0};
            StreamHandler h = new StreamHandler() {
              @Override
              public void onToken(String token) {
                if (counted) {
                  pieces.increment();
                  mine[0]++;
                }
              }

              @Override
              public void onComplete(ChatResponse response) {
                if (counted) {
                  finishedPieces.add(mine[0]);
                  completed.add(response.usage().completionTokens());
                } else {
                  firstReplies.increment();
                  firstTokens.add(response.usage().completionTokens());
                }
              }

              @Override
              public void onError(ParleyException error) {}
            };
            try {
              pool.stream(request, h).completion().toCompletableFuture().get(5, TimeUnit.MINUTES);
            } catch (Exception e) {
              return;
            }
          }
        });
      }
      Thread.sleep(3_000);
      long start = System.nanoTime();
      long first0 = pieces.sum();
      long replies0 = firstReplies.sum();
      long tokens0 = firstTokens.sum();
      Thread.sleep(seconds * 1000L);
      long counted = pieces.sum() - first0;
      double elapsed = (System.nanoTime() - start) / 1e9;
      stop.set(true);
      System.out.printf("  Parley stream 0: %d replies, %d tokens%n", firstReplies.sum() - replies0, firstTokens.sum() - tokens0);
      double tokensPerPiece = finishedPieces.sum() == 0 ? 1 : (double) completed.sum() / finishedPieces.sum();
      return counted * tokensPerPiece / elapsed;
    } finally {
      clients.shutdownNow();
      clients.awaitTermination(5, TimeUnit.MINUTES);
    }
  }
}
