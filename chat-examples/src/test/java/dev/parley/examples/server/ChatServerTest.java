package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.GenerationFailedException;
import dev.parley.store.jdbc.JdbcConversationStore;
import dev.parley.testing.FakeChatModel;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server end to end over real HTTP, SSE and WebSocket, on the fake model. */
class ChatServerTest {
  private static ServerHarness h;

  @BeforeAll
  static void start() throws Exception {
    h = ServerHarness.start("--requests-per-minute", "1000", "--requests-per-day", "10000", "--max-message-chars", "500",
        "--max-body-bytes", "4096");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void healthNeedsNoCredentialsAndReportsEachComponent() throws Exception {
    HttpResponse<String> r = h.get("/health", null);
    assertEquals(200, r.statusCode());
    JsonNode health = ServerHarness.json(r);
    assertEquals("UP", health.get("status").asText());
    assertEquals("UP", health.at("/components/model/status").asText());
    assertTrue(health.at("/components/model/fake").asBoolean());
    assertEquals("sqlite", health.at("/components/store/kind").asText());
  }

  @Test
  void everyEndpointButHealthNeedsAKeyOrToken() throws Exception {
    for (String path : List.of("/api/conversations", "/api/info", "/v1/models", "/metrics")) {
      HttpResponse<String> none = h.get(path, null);
      assertEquals(401, none.statusCode(), path);
      assertEquals("unauthorized", ServerHarness.json(none).at("/error/code").asText());
      assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(null));
      assertEquals(401, h.get(path, "not-a-key").statusCode(), path);
    }
    CompletionException ws = assertThrows(CompletionException.class, () -> h.connect("/ws/rooms/lobby", null));
    assertEquals(401, ((WebSocketHandshakeException) ws.getCause()).getResponse().statusCode());
  }

  @Test
  void aSignedTokenNamesTheUserAndAForgedOneIsRefused() throws Exception {
    String token = JWT.create().withSubject("carol").withExpiresAt(Date.from(Instant.now().plusSeconds(60)))
        .sign(Algorithm.HMAC256(ServerHarness.JWT_SECRET));
    HttpResponse<String> r = h.get("/api/info", token);
    assertEquals(200, r.statusCode());
    assertEquals("carol", ServerHarness.json(r).get("user").asText());
    String forged = JWT.create().withSubject("carol").sign(Algorithm.HMAC256("another-secret-of-at-least-32-characters!"));
    assertEquals(401, h.get("/api/info", forged).statusCode());
    String expired = JWT.create().withSubject("carol").withExpiresAt(Date.from(Instant.now().minusSeconds(600)))
        .sign(Algorithm.HMAC256(ServerHarness.JWT_SECRET));
    assertEquals(401, h.get("/api/info", expired).statusCode());
  }

  @Test
  void conversationsAreCreatedListedReadAndDeleted() throws Exception {
    HttpResponse<String> created = h.post("/api/conversations", ServerHarness.ALICE, "{\"title\":\"Trip plans\"}");
    assertEquals(201, created.statusCode());
    String id = ServerHarness.json(created).get("id").asText();
    assertEquals("/api/conversations/" + id, created.headers().firstValue("Location").orElseThrow());

    JsonNode list = ServerHarness.json(h.get("/api/conversations", ServerHarness.ALICE)).get("conversations");
    assertTrue(list.findValuesAsText("id").contains(id));
    assertFalse(ServerHarness.json(h.get("/api/conversations", ServerHarness.BOB)).get("conversations").findValuesAsText("id").contains(id));

    JsonNode one = ServerHarness.json(h.get("/api/conversations/" + id, ServerHarness.ALICE));
    assertEquals("Trip plans", one.get("title").asText());
    assertEquals("system", one.at("/messages/0/role").asText(), "the system prompt is pinned first");

    assertEquals(204, h.delete("/api/conversations/" + id, ServerHarness.ALICE).statusCode());
    assertEquals(404, h.get("/api/conversations/" + id, ServerHarness.ALICE).statusCode());
  }

  @Test
  void anotherUsersConversationIsNotFoundNotForbidden() throws Exception {
    String id = h.createConversation(ServerHarness.ALICE);
    HttpResponse<String> get = h.get("/api/conversations/" + id, ServerHarness.BOB);
    assertEquals(404, get.statusCode());
    assertEquals("not_found", ServerHarness.json(get).at("/error/code").asText());
    assertEquals(404, h.delete("/api/conversations/" + id, ServerHarness.BOB).statusCode());
    assertEquals(404, h.post("/api/conversations/" + id + "/messages", ServerHarness.BOB, "{\"content\":\"hi\"}").statusCode());
    ServerHarness.Socket ws = h.connect("/ws/conversations/" + id, ServerHarness.BOB);
    assertEquals("not_found", ws.next().at("/error/code").asText());
    assertEquals(4404, ws.closed.get(10, TimeUnit.SECONDS));
    // Still there for its owner.
    assertEquals(200, h.get("/api/conversations/" + id, ServerHarness.ALICE).statusCode());
  }

  @Test
  void aMessageStreamsTokenByTokenThenDoneWithUsageAndBothAreStored() throws Exception {
    String id = h.createConversation(ServerHarness.ALICE);
    List<ServerHarness.Event> events = h.stream("/api/conversations/" + id + "/messages", ServerHarness.ALICE,
        "{\"content\":\"Hello there\"}");
    ServerHarness.Event done = events.get(events.size() - 1);
    assertEquals("done", done.name());
    List<ServerHarness.Event> tokens = events.subList(0, events.size() - 1);
    assertTrue(tokens.size() > 5, "streamed as many token events: " + tokens.size());
    StringBuilder text = new StringBuilder();
    for (ServerHarness.Event e : tokens) {
      assertEquals("token", e.name());
      text.append(e.data().get("text").asText());
    }
    assertEquals(done.data().get("text").asText(), text.toString());
    assertTrue(text.toString().contains("Hello there"), text.toString());
    assertEquals("STOP", done.data().get("finishReason").asText());
    assertEquals(tokens.size(), done.data().at("/usage/completionTokens").asInt());
    assertTrue(done.data().at("/usage/promptTokens").asInt() > 0);

    JsonNode messages = ServerHarness.json(h.get("/api/conversations/" + id, ServerHarness.ALICE)).get("messages");
    assertEquals(3, messages.size());
    assertEquals("user", messages.get(1).get("role").asText());
    assertEquals("Hello there", messages.get(1).get("content").asText());
    assertEquals("alice", messages.get(1).get("author").asText());
    assertEquals("assistant", messages.get(2).get("role").asText());
    assertEquals(text.toString(), messages.get(2).get("content").asText());
  }

  @Test
  void aClientThatDisconnectsCancelsTheGenerationAndThePartialReplyIsKept() throws Exception {
    dev.parley.testing.TokenGate gate = dev.parley.testing.TokenGate.closed();
    FakeChatModel slow = FakeChatModel.builder().responder(r -> "word ".repeat(400)).gate(gate).build();
    gate.release(3); // the three token events read below
    try (ServerHarness own = ServerHarness.start(ModelRuntime.of(slow, 2))) {
      String id = own.createConversation(ServerHarness.ALICE);
      HttpResponse<InputStream> r = own.http.send(own.request("/api/conversations/" + id + "/messages", ServerHarness.ALICE)
          .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"go\"}")).build(), HttpResponse.BodyHandlers.ofInputStream());
      BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
      assertEquals(3, ServerHarness.readEvents(in, 3).size());
      assertEquals(1, slow.activeGenerations());
      in.close(); // the client goes away mid-reply

      // The server learns of the disconnect when a write fails: let one token more through at a
      // time until it has cancelled the generation.
      org.awaitility.Awaitility.await("the generation was cancelled in the model").atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(20)).until(() -> {
            gate.release(1);
            return slow.cancellations() == 1;
          });
      assertEquals(0, slow.activeGenerations());
      own.awaitInFlight(0);
      JsonNode messages = ServerHarness.json(own.get("/api/conversations/" + id, ServerHarness.ALICE)).get("messages");
      JsonNode last = messages.get(messages.size() - 1);
      assertEquals("assistant", last.get("role").asText());
      assertTrue(last.get("cancelled").asBoolean());
      assertTrue(last.get("content").asText().length() < 400 * 5, "only part of the reply was generated");
    }
  }

  @Test
  void aFailingModelNeverLosesTheUsersMessage() throws Exception {
    FakeChatModel failing = FakeChatModel.builder()
        .failure(() -> new GenerationFailedException("llama.cpp said something internal", null)).build();
    failing.failNext(1);
    try (ServerHarness own = ServerHarness.start(ModelRuntime.of(failing, 1))) {
      String id = own.createConversation(ServerHarness.ALICE);
      List<ServerHarness.Event> events = own.stream("/api/conversations/" + id + "/messages", ServerHarness.ALICE,
          "{\"content\":\"please keep me\"}");
      assertEquals(1, events.size());
      assertEquals("error", events.get(0).name());
      assertEquals("generation_failed", events.get(0).data().at("/error/code").asText());
      assertFalse(events.get(0).data().toString().contains("llama.cpp"), "no internal message leaks");
      JsonNode messages = ServerHarness.json(own.get("/api/conversations/" + id, ServerHarness.ALICE)).get("messages");
      assertEquals("please keep me", messages.get(messages.size() - 1).get("content").asText());
    }
  }

  @Test
  void overTheRateLimitA429SaysWhenToRetryAndTheHistoryIsUntouched() throws Exception {
    try (ServerHarness own = ServerHarness.start("--requests-per-minute", "2")) {
      String id = own.createConversation(ServerHarness.ALICE);
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> ok = own.post("/api/conversations/" + id + "/messages", ServerHarness.ALICE, "{\"content\":\"m" + i + "\"}");
        assertEquals(200, ok.statusCode());
        assertEquals(Integer.toString(1 - i), ok.headers().firstValue("RateLimit-Remaining").orElseThrow());
        assertEquals("2", ok.headers().firstValue("RateLimit-Limit").orElseThrow());
      }
      HttpResponse<String> denied = own.post("/api/conversations/" + id + "/messages", ServerHarness.ALICE, "{\"content\":\"m2\"}");
      assertEquals(429, denied.statusCode());
      assertEquals("rate_limited", ServerHarness.json(denied).at("/error/code").asText());
      long retry = Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow());
      assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
      assertEquals("0", denied.headers().firstValue("RateLimit-Remaining").orElseThrow());
      // Bob has his own budget.
      String bobs = own.createConversation(ServerHarness.BOB);
      assertEquals(200, own.post("/api/conversations/" + bobs + "/messages", ServerHarness.BOB, "{\"content\":\"hi\"}").statusCode());
      JsonNode messages = ServerHarness.json(own.get("/api/conversations/" + id, ServerHarness.ALICE)).get("messages");
      assertEquals(5, messages.size(), "system + 2 turns; the refused message was not stored");
      assertTrue(own.get("/metrics", ServerHarness.ALICE).body().contains("parley_rate_limit_denials_total 1.0"));
    }
  }

  @Test
  void badInputGetsA4xxThatNamesTheProblem() throws Exception {
    String id = h.createConversation(ServerHarness.ALICE);
    String messages = "/api/conversations/" + id + "/messages";
    assertError(h.post(messages, ServerHarness.ALICE, "{\"content\": \"unterminated"), 400, "invalid_json", "not valid JSON");
    assertError(h.post(messages, ServerHarness.ALICE, "[1, 2]"), 400, "invalid_json", "must be a JSON object, was an array");
    assertError(h.post(messages, ServerHarness.ALICE, "{}"), 400, "missing_field", "field 'content' is required");
    assertError(h.post(messages, ServerHarness.ALICE, "{\"content\": 42}"), 400, "invalid_field",
        "field 'content' must be a string, was a number");
    assertError(h.post(messages, ServerHarness.ALICE, "{\"content\": \"   \"}"), 400, "message_rejected", "");
    assertError(h.post(messages, ServerHarness.ALICE, "{\"content\": \"" + "a".repeat(600) + "\"}"), 413,
        "message_rejected", "");
    assertError(h.post(messages, ServerHarness.ALICE, "{\"content\": \"" + "a".repeat(5000) + "\"}"), 413,
        "body_too_large", "4096");
    assertError(h.post("/api/conversations/no-such-id/messages", ServerHarness.ALICE, "{\"content\": \"hi\"}"), 404,
        "not_found", "conversation no-such-id not found");
    assertError(h.get("/api/nothing-here", ServerHarness.ALICE), 404, "not_found", "no such endpoint");
    assertError(h.post("/api/conversations", ServerHarness.ALICE, "{\"title\": [\"x\"]}"), 400, "invalid_field",
        "field 'title' must be a string");
    // Nothing was stored by any of them, and the server still serves.
    assertEquals(1, ServerHarness.json(h.get("/api/conversations/" + id, ServerHarness.ALICE)).get("messages").size());
    assertEquals(200, h.post(messages, ServerHarness.ALICE, "{\"content\": \"fine\"}").statusCode());
  }

  private static void assertError(HttpResponse<String> r, int status, String code, String messagePart) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    JsonNode body = ServerHarness.json(r);
    assertEquals(code, body.at("/error/code").asText(), r.body());
    assertTrue(body.at("/error/message").asText().contains(messagePart), r.body());
    assertFalse(r.body().contains("Exception") || r.body().contains("\tat "), "no stack trace: " + r.body());
  }

  @Test
  void thePageIsServedWithASecurityPolicy() throws Exception {
    HttpResponse<String> page = h.get("/", null);
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("id=\"fake-banner\""));
    String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), csp);
    assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElseThrow());
    for (String asset : List.of("/app.js", "/app.css", "/webjars/markdown-it/14.1.0/dist/markdown-it.min.js",
        "/webjars/dompurify/3.3.3/dist/purify.min.js")) {
      assertEquals(200, h.get(asset, null).statusCode(), asset);
    }
  }

  @Test
  void corsAllowsOnlyTheConfiguredOrigins() throws Exception {
    try (ServerHarness own = ServerHarness.start("--cors-origins", "https://app.example.com")) {
      HttpResponse<String> allowed = own.http.send(own.request("/api/conversations", ServerHarness.ALICE)
          .header("Origin", "https://app.example.com").GET().build(), HttpResponse.BodyHandlers.ofString());
      assertEquals("https://app.example.com", allowed.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
      HttpResponse<String> other = own.http.send(own.request("/api/conversations", ServerHarness.ALICE)
          .header("Origin", "https://evil.example.com").GET().build(), HttpResponse.BodyHandlers.ofString());
      assertNull(other.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
    }
    HttpResponse<String> byDefault = h.http.send(h.request("/api/conversations", ServerHarness.ALICE)
        .header("Origin", "https://app.example.com").GET().build(), HttpResponse.BodyHandlers.ofString());
    assertNull(byDefault.headers().firstValue("Access-Control-Allow-Origin").orElse(null), "no origin allowed by default");
  }

  @Test
  void metricsAreInPrometheusFormat() throws Exception {
    String id = h.createConversation(ServerHarness.ALICE);
    h.stream("/api/conversations/" + id + "/messages", ServerHarness.ALICE, "{\"content\":\"count me\"}");
    HttpResponse<String> r = h.get("/metrics", ServerHarness.ALICE);
    assertEquals(200, r.statusCode());
    String text = r.body();
    for (String metric : List.of("parley_http_requests_total{method=\"POST\",route=\"/api/conversations/{id}/messages\",status=\"200\"}",
        "parley_time_to_first_token_seconds_bucket", "parley_reply_duration_seconds_bucket", "parley_tokens_generated_total",
        "parley_reply_tokens_per_second", "parley_cache_hit_ratio", "parley_rate_limit_denials_total",
        "parley_circuit_breaker_state 0.0", "parley_model_slots", "parley_model_slots_busy",
        "parley_connections_active{kind=\"websocket\"}", "parley_replies_in_flight",
        "jvm_memory_used_bytes{area=\"heap\"", "jvm_threads_live_threads", "system_cpu_count", "jvm_gc_")) {
      assertTrue(text.contains(metric), "missing " + metric);
    }
  }

  @Test
  void aWebSocketStreamsChunksThenComplete() throws Exception {
    String id = h.createConversation(ServerHarness.ALICE);
    ServerHarness.Socket ws = h.connect("/ws/conversations/" + id, ServerHarness.ALICE);
    ws.send("{\"type\":\"message\",\"content\":\"over the socket\"}");
    List<JsonNode> frames = ws.until("complete");
    assertEquals("accepted", frames.get(0).get("type").asText());
    assertTrue(frames.get(0).at("/rateLimit/remaining").asLong() > 0);
    StringBuilder text = new StringBuilder();
    for (JsonNode f : frames.subList(1, frames.size() - 1)) {
      assertEquals("chunk", f.get("type").asText());
      text.append(f.get("content").asText());
    }
    JsonNode complete = frames.get(frames.size() - 1);
    assertEquals(complete.get("content").asText(), text.toString());
    assertEquals(frames.size() - 2, complete.at("/usage/completionTokens").asInt());

    // Not JSON, a missing field, an unknown type: an error frame each, and the socket stays usable.
    ws.send("this is not json");
    assertEquals("invalid_json", ws.next().at("/error/code").asText());
    ws.send("{\"type\":\"message\"}");
    assertEquals("missing_field", ws.next().at("/error/code").asText());
    ws.send("{\"type\":\"dance\"}");
    assertEquals("invalid_field", ws.next().at("/error/code").asText());
    ws.send("{\"type\":\"message\",\"content\":\"still here\"}");
    assertTrue(ws.until("complete").get(0).path("type").asText().equals("accepted"));

    // A binary frame closes with 1003.
    ws.ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).join();
    assertEquals(1003, ws.closed.get(10, TimeUnit.SECONDS));
  }

  @Test
  void aSecondConnectionToTheSameConversationReplacesTheFirst() throws Exception {
    String id = h.createConversation(ServerHarness.ALICE);
    ServerHarness.Socket first = h.connect("/ws/conversations/" + id, ServerHarness.ALICE);
    ServerHarness.Socket second = h.connect("/ws/conversations/" + id, ServerHarness.ALICE);
    assertEquals(4000, first.closed.get(10, TimeUnit.SECONDS));
    second.send("{\"type\":\"message\",\"content\":\"hi\"}");
    assertEquals("accepted", second.until("complete").get(0).path("type").asText());
    assertFalse(second.closed.isDone());
  }

  @Test
  void aFloodOfFramesAndAnOversizedFrameCloseOnlyThatConnection() throws Exception {
    String id = h.createConversation(ServerHarness.ALICE);
    ServerHarness.Socket flood = h.connect("/ws/conversations/" + id, ServerHarness.ALICE);
    for (int i = 0; i < 60 && !flood.closed.isDone(); i++) {
      try {
        flood.send("{\"type\":\"nothing\"}");
      } catch (CompletionException closedAlready) {
        break;
      }
    }
    // The server closes the flood with 1008. A client still writing when that close arrives may get
    // the connection reset before it reads the close frame (the JDK client then reports an error, -1,
    // and never the code): the writes race the close on any machine, so both mean "closed by the server".
    int code = flood.closed.get(10, TimeUnit.SECONDS);
    assertTrue(code == 1008 || code == -1, "closed with " + code);

    String other = h.createConversation(ServerHarness.ALICE);
    ServerHarness.Socket big = h.connect("/ws/conversations/" + other, ServerHarness.ALICE);
    big.send("{\"type\":\"message\",\"content\":\"" + "x".repeat(70_000) + "\"}");
    assertEquals(1009, big.closed.get(10, TimeUnit.SECONDS));

    // Everyone else is still served.
    assertEquals(200, h.get("/api/conversations", ServerHarness.BOB).statusCode());
  }

  @Test
  void roomsShareMessagesHistoryAndTheModelsAnswer() throws Exception {
    String room = "/ws/rooms/team-" + System.nanoTime();
    ServerHarness.Socket alice = h.connect(room, ServerHarness.ALICE);
    ServerHarness.Socket bob = h.connect(room, ServerHarness.BOB);
    assertEquals(0, alice.next().get("messages").size());
    assertEquals("history", bob.next().get("type").asText());

    alice.send("{\"type\":\"message\",\"content\":\"hi bob\"}");
    for (ServerHarness.Socket s : List.of(alice, bob)) {
      JsonNode m = s.next();
      assertEquals("message", m.get("type").asText());
      assertEquals("alice", m.get("author").asText());
      assertEquals("hi bob", m.get("content").asText());
    }
    bob.send("{\"type\":\"message\",\"content\":\"/ai what is a room?\"}");
    String answer = null;
    for (ServerHarness.Socket s : List.of(alice, bob)) {
      List<JsonNode> frames = s.until("complete");
      assertEquals("bob", frames.get(0).get("author").asText());
      StringBuilder text = new StringBuilder();
      for (JsonNode f : frames.subList(1, frames.size() - 1)) {
        assertEquals("chunk", f.get("type").asText());
        text.append(f.get("content").asText());
      }
      assertEquals(frames.get(frames.size() - 1).get("content").asText(), text.toString());
      answer = text.toString();
    }
    assertTrue(answer.contains("/ai what is a room?"));

    // Someone joining later sees the whole history.
    ServerHarness.Socket late = h.connect(room, ServerHarness.ALICE);
    JsonNode history = late.next();
    assertEquals("history", history.get("type").asText());
    assertEquals(List.of("hi bob", "/ai what is a room?", answer), history.get("messages").findValuesAsText("content"));
    assertEquals(List.of("alice", "bob", "ai"), history.get("messages").findValuesAsText("author"));
  }

  @Test
  void theHistorySurvivesARestart() throws Exception {
    String db = "jdbc:sqlite:" + java.nio.file.Files.createTempDirectory("parley-restart").resolve("chat.db");
    String id;
    try (ServerHarness first = ServerHarness.start("--db", db)) {
      id = first.createConversation(ServerHarness.ALICE);
      first.stream("/api/conversations/" + id + "/messages", ServerHarness.ALICE, "{\"content\":\"remember me\"}");
    }
    try (ServerHarness second = ServerHarness.start("--db", db)) {
      JsonNode messages = ServerHarness.json(second.get("/api/conversations/" + id, ServerHarness.ALICE)).get("messages");
      assertEquals(List.of("system", "user", "assistant"), messages.findValuesAsText("role"));
      assertEquals("remember me", messages.get(1).get("content").asText());
    }
  }

  @Test
  void helpListsEveryOptionWithItsEnvironmentVariable() {
    String help = new picocli.CommandLine(new ServerOptions()).getUsageMessage();
    for (String option : List.of("--host", "--port", "--model", "--db", "--redis-url", "--api-keys", "--jwt-secret",
        "--cors-origins", "--requests-per-minute", "--redis-timeout-ms", "--max-body-bytes", "--max-frame-bytes", "--shutdown-seconds",
        "env REDIS_URL", "env PARLEY_PORT", "Default: 127.0.0.1", "Default: 8080")) {
      assertTrue(help.contains(option), "help mentions " + option + ":\n" + help);
    }
  }

  @Test
  void badOptionsAreRefusedWithTheFlagNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServerHarness.options("--slots", "0").validate());
    assertEquals("--slots must be > 0, was 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ServerHarness.options("--redis-timeout-ms", "-5").validate());
    assertEquals("--redis-timeout-ms must be > 0, was -5", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ServerHarness.options("--api-keys", "novalue").validate());
    assertTrue(e.getMessage().contains("KEY=USER"));
    e = assertThrows(IllegalArgumentException.class, () -> ServerHarness.options("--jwt-secret", "short").validate());
    assertTrue(e.getMessage().contains("--jwt-secret"));
    e = assertThrows(IllegalArgumentException.class, () -> JdbcConversationStore.builder("jdbc:mysql://x/y").build());
    assertTrue(e.getMessage().contains("jdbc:sqlite: or jdbc:postgresql:"));
  }
}
