package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
      HttpResponse<String> evil = h.http.send(h.request("/api/sessions", ServerHarness.ALICE)
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

      // Nothing ran: no session, and the per-minute allowance is whole.
      assertEquals("[]", ServerHarness.json(h.get("/api/sessions", ServerHarness.ALICE)).get("sessions").toString());
      HttpResponse<String> allowed = h.http.send(h.request("/api/sessions", ServerHarness.ALICE)
          .header("Origin", "https://app.example.com").header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"ok\"}")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(201, allowed.statusCode(), allowed.body());
      HttpResponse<String> sameOrigin = h.http.send(h.request("/api/sessions", ServerHarness.ALICE)
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
  void deletingASessionWhileItsReplyStreamsCancelsTheReplyAndLeavesNothing() throws Exception {
    try (ServerHarness h = ServerHarness.start("--fake-token-delay-ms", "100")) {
      String id = h.createSession(ServerHarness.ALICE);
      CompletableFuture<HttpResponse<String>> streaming = h.http.sendAsync(
          h.request("/api/sessions/" + id + "/messages", ServerHarness.ALICE).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"" + "private words ".repeat(40) + "\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      awaitInFlight(h, 1);
      Thread.sleep(300); // some of the reply has streamed

      assertEquals(204, h.delete("/api/sessions/" + id, ServerHarness.ALICE).statusCode());

      awaitInFlight(h, 0); // cancelled, not left to run its 80 tokens
      assertEquals(200, streaming.get(10, TimeUnit.SECONDS).statusCode());
      Thread.sleep(200); // a late write would land about now
      assertEquals(404, h.get("/api/sessions/" + id, ServerHarness.ALICE).statusCode());
      JdbcChatStore store = h.server.service().store;
      assertTrue(store.session(id).isEmpty(), "the session row was not created again");
      assertEquals(List.of(), store.transcript(id), "no message of it is kept");
      // Posting to the deleted session is a 404, not a new ownerless session.
      assertEquals(404, h.post("/api/sessions/" + id + "/messages", ServerHarness.ALICE, "{\"content\":\"again\"}")
          .statusCode());
      assertTrue(store.session(id).isEmpty());
    }
  }

  private static void awaitInFlight(ServerHarness h, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (h.server.service().inFlight() != expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(expected, h.server.service().inFlight(), "replies in flight");
  }
}
