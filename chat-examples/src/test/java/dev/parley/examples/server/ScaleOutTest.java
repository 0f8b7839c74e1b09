package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.ratelimit.redis.RedisServer;
import dev.parley.store.jdbc.PostgresServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two server instances on different ports sharing PostgreSQL and Redis behave as one service. */
class ScaleOutTest {
  @Test
  void twoInstancesShareConversationsHistoryAndRateLimits() throws Exception {
    try (PostgresServer postgres = PostgresServer.start(); RedisServer redis = RedisServer.start()) {
      String[] shared = {"--db", postgres.jdbcUrl(), "--db-user", "parley", "--redis-url", redis.uri(),
          "--requests-per-minute", "3",
          // Sharing is under test, not latency: a decision that timed out would be this instance's alone.
          "--redis-timeout-ms", "5000"};
      try (ServerHarness a = ServerHarness.start(shared); ServerHarness b = ServerHarness.start(shared)) {
        String id = a.createConversation(ServerHarness.ALICE);
        assertEquals(200, a.post("/api/conversations/" + id + "/messages", ServerHarness.ALICE, "{\"content\":\"one\"}").statusCode());
        assertEquals(200, b.post("/api/conversations/" + id + "/messages", ServerHarness.ALICE, "{\"content\":\"two\"}").statusCode());
        assertEquals(200, a.post("/api/conversations/" + id + "/messages", ServerHarness.ALICE, "{\"content\":\"three\"}").statusCode());
        // The fourth is over the shared per-minute limit, whichever instance it reaches.
        assertEquals(429, b.post("/api/conversations/" + id + "/messages", ServerHarness.ALICE, "{\"content\":\"four\"}").statusCode());
        assertEquals(429, a.post("/api/conversations/" + id + "/messages", ServerHarness.ALICE, "{\"content\":\"five\"}").statusCode());

        JsonNode fromA = ServerHarness.json(a.get("/api/conversations/" + id, ServerHarness.ALICE)).get("messages");
        JsonNode fromB = ServerHarness.json(b.get("/api/conversations/" + id, ServerHarness.ALICE)).get("messages");
        assertEquals(fromA, fromB);
        assertEquals(List.of("system", "user", "assistant", "user", "assistant", "user", "assistant"), fromA.findValuesAsText("role"));
        assertEquals(List.of(id), ServerHarness.json(b.get("/api/conversations", ServerHarness.ALICE)).get("conversations").findValuesAsText("id"));
        assertEquals(204, b.delete("/api/conversations/" + id, ServerHarness.ALICE).statusCode());
        assertEquals(404, a.get("/api/conversations/" + id, ServerHarness.ALICE).statusCode());

        JsonNode health = ServerHarness.json(a.get("/health", null));
        assertEquals("UP", health.at("/components/redis/status").asText());
        assertEquals("postgresql", health.at("/components/store/kind").asText());
      }
    }
  }
}
