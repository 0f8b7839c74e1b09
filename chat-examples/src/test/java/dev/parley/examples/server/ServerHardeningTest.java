package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.store.jdbc.JdbcConversationStore;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Defects found by attacking the server from outside, each kept fixed. */
class ServerHardeningTest {

  @Test
  void modelGaugesStillReadAfterGarbageCollection() throws Exception {
    try (ServerHarness h = ServerHarness.start("--slots", "3")) {
      for (int i = 0; i < 3; i++) {
        System.gc();
      }
      String metrics = h.get("/metrics", ServerHarness.ALICE).body();
      assertTrue(metrics.contains("\nparley_model_slots 3.0"), metrics);
      assertTrue(metrics.contains("\nparley_model_slots_busy 0.0"), metrics);
      assertTrue(metrics.contains("\nparley_model_queue 0.0"), metrics);
      assertFalse(metrics.contains("NaN"), "no gauge reads NaN");
    }
  }

  @Test
  void aRequestFromAnOriginNotAllowedIsRefusedBeforeItRuns() throws Exception {
    try (ServerHarness h = ServerHarness.start("--cors-origins", "https://app.example.com")) {
      HttpResponse<String> evil = h.http.send(h.request("/api/conversations", ServerHarness.ALICE)
          .header("Origin", "https://evil.example.com").header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"from evil\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(403, evil.statusCode(), evil.body());
      assertTrue(evil.body().contains("origin_not_allowed"), evil.body());
      HttpResponse<String> completion = h.http.send(h.request("/v1/chat/completions", ServerHarness.ALICE)
          .header("Origin", "https://evil.example.com").header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(403, completion.statusCode(), completion.body());

      // Nothing ran: no conversation, and the per-minute allowance is whole.
      assertEquals("[]", ServerHarness.json(h.get("/api/conversations", ServerHarness.ALICE)).get("conversations").toString());
      HttpResponse<String> allowed = h.http.send(h.request("/api/conversations", ServerHarness.ALICE)
          .header("Origin", "https://app.example.com").header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"ok\"}")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(201, allowed.statusCode(), allowed.body());
      HttpResponse<String> sameOrigin = h.http.send(h.request("/api/conversations", ServerHarness.ALICE)
          .header("Origin", "http://127.0.0.1:" + h.server.port()).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"page\"}")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(201, sameOrigin.statusCode(), "the server's own page: " + sameOrigin.body());
      HttpResponse<String> counted = h.post("/v1/chat/completions", ServerHarness.ALICE,
          "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertEquals(200, counted.statusCode());
      assertEquals("19", counted.headers().firstValue("RateLimit-Remaining").orElse(null),
          "the refused completion spent no permit");
    }
  }

  @Test
  void refusedMessagesSpendNoPermit() throws Exception {
    // 64 tokens of memory (512 - 448): a 100-word message cannot fit.
    try (ServerHarness h = ServerHarness.start("--context-size", "512", "--max-reply-tokens", "448")) {
      String id = h.createConversation(ServerHarness.ALICE);
      String path = "/api/conversations/" + id + "/messages";
      HttpResponse<String> tooLong = h.post(path, ServerHarness.ALICE, "{\"content\":\"" + "word ".repeat(100) + "\"}");
      assertEquals(413, tooLong.statusCode(), tooLong.body());
      assertTrue(tooLong.body().contains("message_too_long"), tooLong.body());
      HttpResponse<String> empty = h.post(path, ServerHarness.ALICE, "{\"content\":\" \\u0000 \"}");
      assertEquals(400, empty.statusCode(), empty.body());
      HttpResponse<String> stateless = h.post("/v1/chat/completions", ServerHarness.ALICE,
          "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "word ".repeat(100) + "\"}]}");
      assertEquals(400, stateless.statusCode(), stateless.body());
      assertTrue(stateless.body().contains("context_length_exceeded"), stateless.body());

      HttpResponse<String> counted = h.post(path, ServerHarness.ALICE, "{\"content\":\"hello\"}");
      assertEquals(200, counted.statusCode(), counted.body());
      assertEquals("19", counted.headers().firstValue("RateLimit-Remaining").orElse(null),
          "none of the refused messages spent a permit");
      assertEquals(1, h.server.service().transcript(id).stream()
          .filter(m -> m.message().role() == dev.parley.chat.Role.USER).count(), "only the accepted message is kept");
    }
  }

  @Test
  void deletingAConversationWhileItsReplyStreamsCancelsTheReplyAndLeavesNothing() throws Exception {
    dev.parley.testing.TokenGate gate = dev.parley.testing.TokenGate.closed();
    try (ServerHarness h = ServerHarness.start(ServerHarness.gated(gate, 80))) {
      String id = h.createConversation(ServerHarness.ALICE);
      CompletableFuture<HttpResponse<String>> streaming = h.http.sendAsync(
          h.request("/api/conversations/" + id + "/messages", ServerHarness.ALICE).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"" + "private words ".repeat(40) + "\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      gate.release(3);
      assertTrue(gate.awaitPassed(3, java.time.Duration.ofMinutes(1)), "some of the reply has streamed");

      assertEquals(204, h.delete("/api/conversations/" + id, ServerHarness.ALICE).statusCode());
      gate.open(); // a reply the delete did not cancel would now run its 80 tokens and be stored

      // Cancelled, and settled: a reply leaves the count only after its store write was tried.
      h.awaitInFlight(0);
      assertEquals(200, streaming.get(1, TimeUnit.MINUTES).statusCode());
      assertTrue(gate.passed() < 80, "the reply was cancelled, not run to its end: " + gate);
      assertEquals(404, h.get("/api/conversations/" + id, ServerHarness.ALICE).statusCode());
      JdbcConversationStore store = h.server.service().store;
      assertTrue(store.summary(id).isEmpty(), "the conversation row was not created again");
      assertEquals(List.of(), store.transcript(id), "no message of it is kept");
      // Posting to the deleted conversation is a 404, not a new ownerless one.
      assertEquals(404, h.post("/api/conversations/" + id + "/messages", ServerHarness.ALICE, "{\"content\":\"again\"}")
          .statusCode());
      assertTrue(store.summary(id).isEmpty());
    }
  }

  @Test
  void titlesKeepNoControlOrFormattingCharacters() throws Exception {
    try (ServerHarness h = ServerHarness.start()) {
      HttpResponse<String> r = h.post("/api/conversations", ServerHarness.ALICE,
          "{\"title\":\"a\\u0000b\\u202ec\\u0007d\\u001be\\nf\"}");
      assertEquals(201, r.statusCode(), r.body());
      assertEquals("abcdef", ServerHarness.json(r).get("title").asText());
    }
  }

  @Test
  void aUserKeepsAtMostSoManyConversationsAndListsThemInPages() throws Exception {
    try (ServerHarness h = ServerHarness.start("--max-conversations-per-user", "3")) {
      List<String> ids = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(h.createConversation(ServerHarness.ALICE));
      }
      HttpResponse<String> refused = h.post("/api/conversations", ServerHarness.ALICE, "{\"title\":\"4\"}");
      assertEquals(409, refused.statusCode());
      assertTrue(refused.body().contains("too_many_conversations"), refused.body());
      h.createConversation(ServerHarness.BOB); // another user's own allowance

      var first = ServerHarness.json(h.get("/api/conversations?limit=2", ServerHarness.ALICE));
      assertEquals(ids.subList(0, 2), first.get("conversations").findValuesAsText("id"));
      assertEquals("/api/conversations?offset=2&limit=2", first.get("next").asText());
      var second = ServerHarness.json(h.get(first.get("next").asText(), ServerHarness.ALICE));
      assertEquals(ids.subList(2, 3), second.get("conversations").findValuesAsText("id"));
      assertTrue(second.get("next").isNull());
      HttpResponse<String> bad = h.get("/api/conversations?limit=0", ServerHarness.ALICE);
      assertEquals(400, bad.statusCode());
      assertTrue(bad.body().contains("'limit' must be an integer from 1 to 1000"), bad.body());

      assertEquals(204, h.delete("/api/conversations/" + ids.get(0), ServerHarness.ALICE).statusCode());
      assertEquals(201, h.post("/api/conversations", ServerHarness.ALICE, "{}").statusCode(), "a place was freed");
    }
  }

  @Test
  void aTokenMustExpireAndComeFromTheConfiguredIssuerForTheConfiguredAudience() throws Exception {
    com.auth0.jwt.algorithms.Algorithm key = com.auth0.jwt.algorithms.Algorithm.HMAC256(ServerHarness.JWT_SECRET);
    java.util.Date soon = java.util.Date.from(java.time.Instant.now().plusSeconds(60));
    try (ServerHarness h = ServerHarness.start("--jwt-issuer", "https://id.example.com", "--jwt-audience", "parley")) {
      String good = com.auth0.jwt.JWT.create().withSubject("carol").withIssuer("https://id.example.com")
          .withAudience("parley").withExpiresAt(soon).sign(key);
      assertEquals(200, h.get("/api/info", good).statusCode());
      String forever = com.auth0.jwt.JWT.create().withSubject("carol").withIssuer("https://id.example.com")
          .withAudience("parley").sign(key);
      assertEquals(401, h.get("/api/info", forever).statusCode(), "a token with no exp never expires: refused");
      String otherIssuer = com.auth0.jwt.JWT.create().withSubject("carol").withIssuer("https://evil.example.com")
          .withAudience("parley").withExpiresAt(soon).sign(key);
      assertEquals(401, h.get("/api/info", otherIssuer).statusCode());
      String otherAudience = com.auth0.jwt.JWT.create().withSubject("carol").withIssuer("https://id.example.com")
          .withAudience("another-service").withExpiresAt(soon).sign(key);
      assertEquals(401, h.get("/api/info", otherAudience).statusCode());
    }
  }

  @Test
  void healthSaysTheStoreIsDownWhileAnotherProcessHoldsTheSqliteWriteLock() throws Exception {
    try (ServerHarness h = ServerHarness.start()) {
      assertEquals(200, h.get("/health", null).statusCode());
      try (java.sql.Connection other = java.sql.DriverManager.getConnection(h.options.db);
          java.sql.Statement s = other.createStatement()) {
        s.execute("BEGIN EXCLUSIVE");
        HttpResponse<String> locked = h.get("/health", null);
        assertEquals(503, locked.statusCode(), locked.body());
        assertEquals("DOWN", ServerHarness.json(locked).at("/components/store/status").asText());
        s.execute("ROLLBACK");
      }
      assertEquals(200, h.get("/health", null).statusCode());
    }
  }

  @Test
  void requestsJettyRefusesItselfGetJsonWithTheSecurityHeaders() throws Exception {
    try (ServerHarness h = ServerHarness.start()) {
      for (String path : List.of("/%00", "/../etc/passwd", "/api/%2e%2e/%2e%2e/x")) {
        String answer;
        try (java.net.Socket raw = new java.net.Socket("127.0.0.1", h.server.port())) {
          raw.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          answer = new String(raw.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertTrue(answer.startsWith("HTTP/1.1 4"), path + ": " + answer);
        String lower = answer.toLowerCase(java.util.Locale.ROOT);
        assertTrue(lower.contains("content-type: application/json"), path + ": " + answer);
        assertTrue(lower.contains("content-security-policy: default-src 'self'"), path + ": " + answer);
        assertTrue(lower.contains("x-content-type-options: nosniff"), path + ": " + answer);
        assertTrue(answer.contains("{\"error\":{"), path + ": " + answer);
        assertFalse(lower.contains("<html"), path + ": " + answer);
      }
    }
  }

  @Test
  void aReplyThatCannotBeStoredEndsWithAnErrorNotDone() throws Exception {
    try (ServerHarness h = ServerHarness.start("--fake-token-delay-ms", "50")) {
      String id = h.createConversation(ServerHarness.ALICE);
      CompletableFuture<HttpResponse<String>> streaming = h.http.sendAsync(
          h.request("/api/conversations/" + id + "/messages", ServerHarness.ALICE).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"" + "words ".repeat(20) + "\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      h.awaitInFlight(1); // the user's message is stored; the reply streams
      try (java.sql.Connection other = java.sql.DriverManager.getConnection(h.options.db);
          java.sql.Statement s = other.createStatement()) {
        s.execute("BEGIN EXCLUSIVE"); // another process holds the file while the reply is to be stored
        HttpResponse<String> r = streaming.get(30, TimeUnit.SECONDS);
        assertTrue(r.body().contains("event: error") && r.body().contains("reply_not_stored"), r.body());
        assertFalse(r.body().contains("event: done"), r.body());
        s.execute("ROLLBACK");
      }
      assertTrue(h.server.service().transcript(id).stream().noneMatch(m -> m.message().role() == dev.parley.chat.Role.ASSISTANT),
          "the client was told: the reply is not in the history");
    }
  }

  @Test
  void aUserWhoSpentTheDailyTokenQuotaIsRefusedWithItsHeaders() throws Exception {
    try (ServerHarness h = ServerHarness.start("--tokens-per-day", "30")) {
      String id = h.createConversation(ServerHarness.ALICE);
      HttpResponse<String> first = h.post("/api/conversations/" + id + "/messages", ServerHarness.ALICE,
          "{\"content\":\"tell me everything\"}");
      assertEquals(200, first.statusCode(), first.body());
      assertEquals("30", first.headers().firstValue("X-RateLimit-Tokens-Limit").orElse(null));
      assertEquals("29", first.headers().firstValue("X-RateLimit-Tokens-Remaining").orElse(null),
          "one token is taken at admission, the rest when the reply ends");

      // The turn (19 prompt + 17 reply tokens) cost more than 30: alice is in debt until it refills.
      HttpResponse<String> second = h.post("/api/conversations/" + id + "/messages", ServerHarness.ALICE,
          "{\"content\":\"and more\"}");
      assertEquals(429, second.statusCode(), first.body() + "\n---\n" + second.body());
      assertTrue(first.body().contains("\"totalTokens\":36"), first.body());
      assertTrue(second.body().contains("tokens-per-day"), second.body());
      assertTrue(second.headers().firstValue("Retry-After").isPresent());
      HttpResponse<String> bob = h.post("/api/conversations/" + h.createConversation(ServerHarness.BOB) + "/messages",
          ServerHarness.BOB, "{\"content\":\"hi\"}");
      assertEquals(200, bob.statusCode(), "another user's quota is their own");
    }
  }

  @Test
  void tokensWhoseSubjectCannotBeAUserAreRefused() throws Exception {
    try (ServerHarness h = ServerHarness.start()) {
      for (String subject : List.of("ai", "AI", "x".repeat(201), "nul\u0000here", "rlo\u202eevil")) {
        String token = com.auth0.jwt.JWT.create().withSubject(subject)
            .withExpiresAt(java.util.Date.from(java.time.Instant.now().plusSeconds(60)))
            .sign(com.auth0.jwt.algorithms.Algorithm.HMAC256(ServerHarness.JWT_SECRET));
        assertEquals(401, h.get("/api/info", token).statusCode(), subject);
      }
    }
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ServerHarness.options("--api-keys", "k-0123456789abcdef=ai").validate());
    assertTrue(e.getMessage().contains("'ai' is the model's name in rooms"), e.getMessage());
  }
}
