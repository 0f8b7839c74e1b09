package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
}
