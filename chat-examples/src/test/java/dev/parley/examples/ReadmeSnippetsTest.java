package dev.parley.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.memory.ConversationManager;
import dev.parley.micrometer.PipelineMetrics;
import dev.parley.openai.ChatCompletionRequest;
import dev.parley.openai.ChatCompletions;
import dev.parley.pipeline.ChatPipeline;
import dev.parley.pipeline.ReplyListener;
import dev.parley.pipeline.ReplyResult;
import dev.parley.pipeline.ReplyStatus;
import dev.parley.pipeline.Turn;
import dev.parley.pipeline.TurnOutcome;
import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.RateLimitHeaders;
import dev.parley.ratelimit.TokenBucketRateLimiter;
import dev.parley.store.jdbc.JdbcConversationStore;
import dev.parley.testing.FakeChatModel;
import io.javalin.Javalin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's and the docs' snippets, run here; {@link #everyJavaBlockOfTheReadmeAndTheDocsIsATestedSnippet}
 * fails when a page and the tests drift apart. A snippet is the code between {@code // README:name}
 * and {@code // README:end} in any test of this module, compared without its indentation.
 */
class ReadmeSnippetsTest {

  static Javalin chatApp(ChatModel model, String jdbcUrl, int port) {
    // README:javalin
    JdbcConversationStore store = JdbcConversationStore.builder(jdbcUrl).build();
    ChatPipeline pipeline = ChatPipeline.builder(model, ConversationManager.builder()
            .store(store.creating(id -> true)).maxMessages(40).build())
        .rateLimiter(TokenBucketRateLimiter.builder().limit(Limit.perMinute(20)).build())
        .build();
    return Javalin.create(config -> config.routes.post("/chat/{id}", ctx -> {
      String user = Objects.requireNonNullElse(ctx.header("X-User"), "anonymous"); // authenticate your way
      CompletableFuture<ReplyResult> done = new CompletableFuture<>();
      TurnOutcome outcome = pipeline.send(Turn.message(user, ctx.pathParam("id"), ctx.body()), new ReplyListener() {
        @Override
        public void onToken(String token) {} // stream it instead: SSE, a WebSocket...

        @Override
        public void onEnd(ReplyResult result) {
          done.complete(result);
        }
      });
      if (outcome instanceof TurnOutcome.Rejected r) {
        ctx.status(400).result(r.message());
      } else if (outcome instanceof TurnOutcome.RateLimited r) {
        RateLimitHeaders.of(r.decision()).forEach(ctx::header);
        ctx.status(429).result("slow down");
      } else {
        ReplyResult reply = done.get(60, TimeUnit.SECONDS);
        ctx.result(reply.status() == ReplyStatus.FAILED ? "the model failed" : reply.response().text());
      }
    })).start(port);
    // README:end
  }

  @Test
  void thePipelineInAPlainJavalinApp() throws Exception {
    Path db = Files.createTempDirectory("parley-readme").resolve("chat.db");
    Javalin app = chatApp(FakeChatModel.thatEchoes(), "jdbc:sqlite:" + db, 0);
    try {
      HttpClient http = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + app.port() + "/chat/trip");
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("X-User", "alice")
          .POST(HttpRequest.BodyPublishers.ofString("Where should I stay?")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertEquals("Where should I stay?", r.body(), "the fake model echoes");
      HttpResponse<String> empty = http.send(HttpRequest.newBuilder(uri).header("X-User", "alice")
          .POST(HttpRequest.BodyPublishers.ofString("  ")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(400, empty.statusCode());
      // 20 a minute: 25 at once from bob meet the limit (one comes back every 3 s).
      HttpResponse<String> limited = null;
      for (int i = 0; i < 25 && limited == null; i++) {
        HttpResponse<String> each = http.send(HttpRequest.newBuilder(uri).header("X-User", "bob")
            .POST(HttpRequest.BodyPublishers.ofString("hi " + i)).build(), HttpResponse.BodyHandlers.ofString());
        if (each.statusCode() == 429) {
          limited = each;
        }
      }
      assertTrue(limited != null, "bob met the limit");
      assertTrue(limited.headers().firstValue("Retry-After").isPresent());
    } finally {
      app.stop();
    }
  }

  @Test
  void openAisWireFormatWithoutAFramework() {
    ChatModel model = FakeChatModel.thatEchoes();
    String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":16}";
    // README:openai
    ChatCompletions api = ChatCompletions.builder(model.id()).maxReplyTokens(512).build();
    ChatCompletionRequest request = api.parse(body);      // or OpenAiError: answer e.status() with e.toJson()
    String json = api.completion(model.generate(new ChatRequest(request.messages(), request.options())));
    // README:end
    assertTrue(json.contains("\"content\":\"hi\"") && json.contains("\"finish_reason\":\"stop\""), json);
  }

  @Test
  void metersForThePipeline() {
    ChatModel model = FakeChatModel.thatEchoes();
    ConversationManager memory = ConversationManager.builder().build();
    // README:micrometer
    SimpleMeterRegistry registry = new SimpleMeterRegistry(); // or your Prometheus registry
    PipelineMetrics metrics = new PipelineMetrics(registry);
    ChatPipeline pipeline = ChatPipeline.builder(model, memory).listener(metrics).build();
    metrics.bindInFlight(pipeline);
    // README:end
    pipeline.close();
    assertEquals(0, registry.get("parley.replies.in.flight").gauge().value());
  }

  /**
   * Every Java block of the README and of {@code docs/} is a snippet of this module's tests, word for
   * word (indentation aside), and every snippet is on a page: a page's code compiles, and most of it
   * runs, or this fails.
   */
  @Test
  void everyJavaBlockOfTheReadmeAndTheDocsIsATestedSnippet() throws Exception {
    Map<String, String> snippets = new LinkedHashMap<>();
    try (Stream<Path> sources = Files.walk(Path.of("src/test/java"))) {
      for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = Pattern.compile("// README:(\\w+)\\n(.*?)\\n\\s*// README:end", Pattern.DOTALL)
            .matcher(Files.readString(source, StandardCharsets.UTF_8));
        while (m.find()) {
          assertNull(snippets.put(normalize(m.group(2)), m.group(1) + " in " + source.getFileName()), "twice: " + m.group(1));
        }
      }
    }
    List<Path> pages = new ArrayList<>(List.of(Path.of("../README.md")));
    try (Stream<Path> docs = Files.list(Path.of("../docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    Set<String> onPages = new HashSet<>();
    for (Path page : pages) {
      Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(page, StandardCharsets.UTF_8));
      while (m.find()) {
        String block = normalize(m.group(1));
        assertTrue(snippets.containsKey(block), page + " has a Java block no test compiles; mark it in a test with "
            + "// README:name ... // README:end:\n" + m.group(1));
        onPages.add(block);
      }
    }
    for (Map.Entry<String, String> s : snippets.entrySet()) {
      assertTrue(onPages.contains(s.getKey()), "the snippet " + s.getValue() + " is on no page; copy it again:\n" + s.getKey());
    }
    assertTrue(onPages.size() >= 9, "Java blocks found on the pages: " + onPages.size());
  }

  /** Each line without its leading and trailing blanks. */
  private static String normalize(String text) {
    return text.lines().map(String::strip).reduce((a, b) -> a + "\n" + b).orElse("");
  }
}
