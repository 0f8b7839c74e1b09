package dev.parley.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.Role;
import dev.parley.llama.EngineStatistics;
import dev.parley.llama.LlamaChatModel;
import dev.parley.llama.ModelPool;
import dev.parley.memory.ConversationManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Many conversations taking turns on few sequences: {@code conversations} conversations, {@code
 * turns} turns each, {@code users} users sending at a time (each sends its next message when its
 * reply has ended), replies of {@code replyTokens} tokens, memory in a {@link ConversationManager}.
 * Reports the time to first token of every turn (median, p90): when a conversation's history must be
 * processed again on every turn, later turns wait longer; when its KV state is kept, they do not.
 *
 * <p>Backends: Parley's {@link ModelPool} on the JVM's engine (FFM on JDK 22+), the same forced onto
 * JNI, and llama.cpp's own {@code llama-server} over HTTP (its OpenAI-compatible chat endpoint,
 * streamed). {@code -Dparley.bench.stateCacheBytes=N} sets the FFM engine's state cache (default:
 * Parley's) to see what evictions cost, {@code -Dparley.bench.stateSpillFolder=DIR} writes the states
 * it evicts there, {@code -Dparley.bench.contextSize=N} sets the context per sequence (2048),
 * {@code -Dparley.bench.flashAttention=true|false} chooses fused attention (default: Parley's),
 * {@code -Dparley.bench.turnPrimingDelayMillis=N} the engine's turn-priming delay. Over HTTP a turn's
 * row also has the server's steps: the example server's engine steps, or {@code llama-server}'s
 * {@code llama_decode} calls (from its {@code /metrics}).
 */
final class ConversationLoad {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SYSTEM = "You are a helpful assistant for a travel agency. Answer in two short"
      + " sentences, mention the season, and never invent prices or dates.";

  enum Backend {
    /** Each request names its conversation ({@code ChatRequest#conversationId}). */
    PARLEY,
    /** Each request sends the whole history and names nothing, as over OpenAI's {@code /v1}. */
    PARLEY_STATELESS,
    PARLEY_JNI,
    /**
     * Parley's example server in a child JVM, over its OpenAI-compatible {@code /v1} (streamed), as
     * llama-server is driven: the whole history each turn, authentication, quotas and the pipeline.
     */
    PARLEY_SERVER,
    LLAMA_SERVER
  }

  private ConversationLoad() {}

  /**
   * {@code java -cp benchmarks.jar dev.parley.benchmarks.ConversationLoad [BACKEND...]}: the issue's
   * scenario (32 conversations x 6 turns on 4 sequences, 4 users, 24-token replies) on the
   * synthetic 135M model ({@code -Dparley.bench.model=qwen3-0.6b-like} for a Qwen3-0.6B-shaped one),
   * each backend in turn; prints one JSON object per backend.
   */
  public static void main(String[] args) throws Exception {
    List<Backend> backends = args.length == 0 ? List.of(Backend.values())
        : Arrays.stream(args).map(Backend::valueOf).toList();
    Path model = BenchmarkModels.named(System.getProperty("parley.bench.model", "synthetic-135m"));
    int threads = LlamaChatModel.defaultThreads();
    NativeReference natives = NativeReference.find().orElse(null);
    for (Backend b : backends) {
      if (b == Backend.LLAMA_SERVER && natives == null) {
        System.err.println("skipping LLAMA_SERVER: set " + NativeReference.BIN_ENV + " (scripts/bench.sh builds it)");
        continue;
      }
      System.out.println(JSON.writeValueAsString(measure(b, model, threads, 4, 32, 6, 4, 24, natives)));
    }
  }

  /**
   * Runs the scenario on {@code backend}; returns {"backend", "turns": [{"turn", "medianMs",
   * "p90Ms", "maxMs"}], "engine": {...}}.
   */
  static ObjectNode measure(Backend backend, Path model, int threads, int sequences, int conversations, int turns,
      int users, int replyTokens, NativeReference natives) throws Exception {
    ObjectNode result = JSON.createObjectNode();
    result.put("backend", backend.name());
    ConversationManager memory = ConversationManager.builder().maxMessages(64).build();
    GenerationOptions options = GenerationOptions.builder().temperature(0).maxTokens(replyTokens).build();
    Turn turn;
    AutoCloseable resource;
    ChildServer httpServer = null;
    ModelPool pool = null;
    if (backend == Backend.LLAMA_SERVER || backend == Backend.PARLEY_SERVER) {
      ChildServer server = backend == Backend.LLAMA_SERVER ? natives.server(model, threads, sequences, 2048)
          : ChildServer.parleyExample(model, threads, sequences, 2048);
      resource = server;
      httpServer = server;
      // HTTP/1.1: the JDK client's default h2c upgrade request is not for llama-server.
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      turn = (id, request) -> chatOverHttp(http, server, request, replyTokens);
    } else {
      String before = System.getProperty("parley.llama.engine");
      if (backend == Backend.PARLEY_JNI) {
        System.setProperty("parley.llama.engine", "jni");
      }
      try {
        LlamaChatModel.Builder b = LlamaChatModel.builder(model)
            .contextSize(Integer.getInteger("parley.bench.contextSize", 2048)).threads(threads);
        String bytes = System.getProperty("parley.bench.stateCacheBytes");
        if (bytes != null) {
          b.stateCacheBytes(Long.parseLong(bytes));
        }
        String spill = System.getProperty("parley.bench.stateSpillFolder");
        if (spill != null) {
          b.stateSpillFolder(Path.of(spill));
        }
        String flash = System.getProperty("parley.bench.flashAttention");
        if (flash != null) { // else the engine's default
          b.flashAttention(Boolean.parseBoolean(flash));
        }
        Long priming = Long.getLong("parley.bench.turnPrimingDelayMillis");
        if (priming != null) {
          b.turnPrimingDelay(java.time.Duration.ofMillis(priming));
        }
        pool = ModelPool.builder(b).slots(sequences).maxQueue(conversations).build();
      } finally {
        if (before == null) {
          System.clearProperty("parley.llama.engine");
        } else {
          System.setProperty("parley.llama.engine", before);
        }
      }
      ModelPool p = pool;
      resource = pool;
      turn = (id, request) -> {
        long start = System.nanoTime();
        long[] first = {-1};
        StreamHandler h = new StreamHandler() {
          @Override
          public void onToken(String token) {
            if (first[0] < 0) {
              first[0] = System.nanoTime();
            }
          }

          @Override
          public void onComplete(ChatResponse response) {}

          @Override
          public void onError(ParleyException error) {}
        };
        ChatRequest sent = backend == Backend.PARLEY_STATELESS ? request.withConversation(null) : request;
        ChatResponse r = p.stream(sent, h).completion().toCompletableFuture().get(10, TimeUnit.MINUTES);
        return new Reply(r.text(), first[0] < 0 ? System.nanoTime() - start : first[0] - start, -1);
      };
    }
    ArrayNode perTurn = result.putArray("turns");
    ExecutorService clients = Executors.newFixedThreadPool(users);
    try (AutoCloseable closing = resource) {
      for (int c = 0; c < conversations; c++) {
        memory.append("c" + c, Message.system(SYSTEM));
      }
      for (int t = 1; t <= turns; t++) {
        EngineStatistics before = pool == null ? null : pool.engineStatistics();
        Map<String, Double> countersBefore = httpServer == null ? null : httpServer.counters();
        long turnStart = System.nanoTime();
        List<Future<Reply>> replies = new ArrayList<>();
        for (int c = 0; c < conversations; c++) {
          String id = "c" + c;
          String text = "Turn " + t + " of traveller " + c + ": which coastal town would you suggest for a quiet week"
              + " by the sea, and what should I pack?";
          int n = t;
          replies.add(clients.submit(() -> {
            memory.append(id, Message.user(text));
            Reply r = turn.take(id, memory.request(id, options));
            memory.append(id, Message.assistant(r.text().isEmpty() ? "(no reply " + n + ")" : r.text()));
            return r;
          }));
        }
        long[] nanos = new long[conversations];
        long serverComputed = 0;
        for (int c = 0; c < conversations; c++) {
          Reply r = replies.get(c).get(30, TimeUnit.MINUTES);
          nanos[c] = r.firstTokenNanos();
          serverComputed = serverComputed < 0 || r.computedTokens() < 0 ? -1 : serverComputed + r.computedTokens();
        }
        long wallNanos = System.nanoTime() - turnStart;
        Arrays.sort(nanos);
        ObjectNode row = perTurn.addObject();
        row.put("turn", t);
        row.put("wallMs", wallNanos / 1e6);
        row.put("medianMs", nanos[nanos.length / 2] / 1e6);
        row.put("p90Ms", nanos[(int) Math.min(nanos.length - 1, Math.ceil(nanos.length * 0.9) - 1)] / 1e6);
        row.put("maxMs", nanos[nanos.length - 1] / 1e6);
        if (backend == Backend.LLAMA_SERVER && serverComputed >= 0) {
          // llama-server's own count: the prompt tokens it processed (timings.prompt_n), the rest from its caches
          row.put("computedTokensPerRequest", (double) serverComputed / conversations);
        }
        if (pool != null && before != null) {
          EngineStatistics after = pool.engineStatistics();
          long prompt = after.promptTokens() - before.promptTokens();
          if (prompt > 0) {
            // FFM only: prompt tokens computed per request this turn (the rest came from cells kept)
            row.put("promptTokensPerRequest", (double) prompt / conversations);
            row.put("computedTokensPerRequest",
                (double) (prompt - (after.promptTokensReused() - before.promptTokensReused())) / conversations);
            long steps = after.steps() - before.steps();
            row.put("steps", steps);
            row.put("tokensPerStep", (double) (after.stepTokens() - before.stepTokens()) / steps);
            row.put("msPerStep", (after.stepNanos() - before.stepNanos()) / 1e6 / steps);
            // Saving evicted conversations and restoring returning ones, per request: the loop runs no step meanwhile.
            row.put("stateMsPerRequest", (after.stateNanos() - before.stateNanos()) / 1e6 / conversations);
          }
        }
        if (countersBefore != null) {
          // The example server's engine, from its /metrics: the same figures as in process, less the times.
          // llama-server's: its llama_decode calls, the steps of its loop.
          Map<String, Double> after = httpServer.counters();
          double decodes = delta(after, countersBefore, "llamacpp:n_decode_total");
          if (decodes > 0) {
            row.put("steps", (long) decodes);
          }
          double prompt = delta(after, countersBefore, "parley_engine_prompt_tokens_total");
          double steps = delta(after, countersBefore, "parley_engine_steps_total");
          if (steps > 0) {
            row.put("computedTokensPerRequest",
                (prompt - delta(after, countersBefore, "parley_engine_prompt_tokens_reused_total")) / conversations);
            row.put("steps", (long) steps);
            row.put("tokensPerStep", delta(after, countersBefore, "parley_engine_step_tokens_total") / steps);
            row.put("msPerStep", delta(after, countersBefore, "parley_engine_step_seconds_total") * 1e3 / steps);
            row.put("stateMsPerRequest", delta(after, countersBefore, "parley_engine_state_seconds_total") * 1e3 / conversations);
          }
        }
      }
      if (pool != null) {
        result.set("engine", engineJson(pool.engineStatistics()));
      }
    } finally {
      clients.shutdownNow();
    }
    return result;
  }

  /** One turn over an OpenAI-compatible endpoint, streamed: the reply and its first token's delay. */
  private static Reply chatOverHttp(HttpClient http, ChildServer server, ChatRequest request,
      int replyTokens) throws Exception {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode messages = body.putArray("messages");
    for (Message m : request.messages()) {
      messages.addObject().put("role", m.role() == Role.SYSTEM ? "system" : m.role() == Role.USER ? "user" : "assistant")
          .put("content", m.content());
    }
    body.put("max_tokens", replyTokens).put("temperature", 0).put("stream", true);
    if (server.apiKey == null) {
      body.put("cache_prompt", true); // llama-server's own field
    }
    long start = System.nanoTime();
    HttpResponse<InputStream> r;
    try {
      HttpRequest.Builder post = HttpRequest.newBuilder(server.base.resolve("/v1/chat/completions"))
          .header("Content-Type", "application/json").header("Connection", "close")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      if (server.apiKey != null) {
        post.header("Authorization", "Bearer " + server.apiKey);
      }
      r = http.send(post.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new IOException("the server failed a request: " + e.getMessage() + "; its log ends:\n"
          + server.logTail(), e);
    }
    long first = -1;
    int computed = -1;
    StringBuilder text = new StringBuilder();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      if (r.statusCode() != 200) {
        throw new IllegalStateException("the server answered " + r.statusCode() + "; its log ends:\n" + server.logTail());
      }
      for (String line; (line = in.readLine()) != null; ) {
        if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
          continue;
        }
        JsonNode event = JSON.readTree(line.substring(6));
        JsonNode promptN = event.path("timings").path("prompt_n"); // llama-server's, in its last event
        if (promptN.isInt()) {
          computed = promptN.asInt();
        }
        JsonNode content = event.path("choices").path(0).path("delta").path("content");
        if (content.isTextual() && !content.asText().isEmpty()) {
          if (first < 0) {
            first = System.nanoTime();
          }
          text.append(content.asText());
        }
      }
    }
    return new Reply(text.toString(), (first < 0 ? System.nanoTime() : first) - start, computed);
  }

  private static double delta(Map<String, Double> after, Map<String, Double> before, String counter) {
    return after.getOrDefault(counter, 0.0) - before.getOrDefault(counter, 0.0);
  }

  /** A reply, its first token's delay, and the prompt tokens the server says it computed (-1: it does not say). */
  private record Reply(String text, long firstTokenNanos, int computedTokens) {}

  @FunctionalInterface
  private interface Turn {
    Reply take(String conversation, ChatRequest request) throws Exception;
  }

  /** The engine's counts as JSON, by name. */
  private static com.fasterxml.jackson.databind.node.ObjectNode engineJson(EngineStatistics s) {
    com.fasterxml.jackson.databind.node.ObjectNode o = JSON.createObjectNode();
    o.put("engine", s.engine()).put("steps", s.steps()).put("stepTokens", s.stepTokens())
        .put("promptTokens", s.promptTokens()).put("promptTokensReused", s.promptTokensReused())
        .put("statesSaved", s.statesSaved()).put("statesRestored", s.statesRestored())
        .put("statesRestoredByPrefix", s.statesRestoredByPrefix()).put("stateMisses", s.stateMisses())
        .put("statesEvicted", s.statesEvicted()).put("stateBytes", s.stateBytes()).put("stateBytesLimit", s.stateBytesLimit())
        .put("decodeNanos", s.decodeNanos()).put("stepNanos", s.stepNanos()).put("stateNanos", s.stateNanos())
        .put("statesSpilled", s.statesSpilled()).put("statesReadBack", s.statesReadBack()).put("spillBytes", s.spillBytes())
        .put("spillBytesLimit", s.spillBytesLimit());
    return o;
  }
}
