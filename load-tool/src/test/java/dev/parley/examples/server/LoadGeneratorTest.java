package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.load.LoadGenerator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load tool against an in-process server: what it reports must match what the server stored. */
class LoadGeneratorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

  private int load(String... args) {
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    return LoadGenerator.execute(out, out, args);
  }

  @Test
  void everyMessageOverWebSocketsAndSseIsAnsweredStoredAndCounted() throws Exception {
    // One user holds all 60 sockets and 20 streams: the per-user caps are raised for it.
    try (ServerHarness h = ServerHarness.start("--requests-per-minute", "100000", "--requests-per-day", "1000000",
        "--fake-token-delay-ms", "5", "--ws-max-per-user", "1000", "--max-open-requests-per-user", "1000")) {
      Path report = dir.resolve("report.json");
      int exit = load("--url", h.base.toString(), "--api-key", ServerHarness.ALICE, "--ws-sessions", "60",
          "--sse-sessions", "20", "--messages", "3", "--rate", "200", "--model-first-token-ms", "5",
          "--json", report.toString());

      assertEquals(0, exit, printed.toString(StandardCharsets.UTF_8));
      JsonNode r = JSON.readTree(report.toFile());
      assertEquals(80, r.at("/sessions/opened").asInt());
      assertEquals(0, r.at("/sessions/failed").asInt());
      assertEquals(240, r.at("/messages/planned").asInt());
      assertEquals(240, r.at("/messages/sent").asInt());
      assertEquals(240, r.at("/messages/succeeded").asInt());
      assertEquals(1.0, r.at("/messages/successRate").asDouble());
      assertEquals(0, r.at("/failures").size());
      // the fake model waits 5 ms before its first token: no reply can be measured faster
      assertTrue(r.at("/timeToFirstTokenMs/p50").asDouble() >= 5, r.at("/timeToFirstTokenMs").toString());
      assertTrue(r.at("/totalLatencyMs/p99").asDouble() >= r.at("/timeToFirstTokenMs/p99").asDouble());
      assertTrue(r.at("/throughput/tokens").asLong() >= 240 * 10, "fake replies are 10+ tokens: " + r.at("/throughput"));
      assertTrue(printed.toString(StandardCharsets.UTF_8).contains("PASSED"));

      // the server holds exactly what the report says was answered: 80 sessions, 3 turns each
      JsonNode conversations = ServerHarness.json(h.get("/api/conversations", ServerHarness.ALICE)).path("conversations");
      assertEquals(80, conversations.size());
      long replies = 0;
      for (JsonNode s : conversations) {
        JsonNode messages = ServerHarness.json(h.get("/api/conversations/" + s.path("id").asText(), ServerHarness.ALICE))
            .path("messages");
        int user = 0;
        for (JsonNode m : messages) {
          if (m.path("role").asText().equals("assistant")) {
            replies++;
          } else if (m.path("role").asText().equals("user")) {
            user++;
          }
        }
        assertEquals(3, user, "conversation " + s.path("id").asText());
      }
      assertEquals(r.at("/messages/succeeded").asLong(), replies);
    }
  }

  @Test
  void refusedMessagesAreFailuresWithTheirReasonAndTheExitCodeSaysSo() throws Exception {
    try (ServerHarness h = ServerHarness.start("--requests-per-minute", "5", "--fake-token-delay-ms", "1")) {
      Path report = dir.resolve("report.json");
      int exit = load("--url", h.base.toString(), "--api-key", ServerHarness.ALICE, "--ws-sessions", "4",
          "--messages", "3", "--rate", "50", "--json", report.toString());

      assertEquals(1, exit);
      JsonNode r = JSON.readTree(report.toFile());
      assertEquals(12, r.at("/messages/sent").asInt());
      assertEquals(5, r.at("/messages/succeeded").asInt());
      assertEquals(7, r.at("/messages/failed").asInt());
      assertEquals(7, r.at("/failures/error frame rate_limited").asInt(), r.at("/failures").toString());
      assertTrue(printed.toString(StandardCharsets.UTF_8).contains("FAILED"));
    }
  }

  @Test
  void badFlagsAreNamed() {
    assertEquals(2, load("--rate", "0"));
    assertTrue(printed.toString(StandardCharsets.UTF_8).contains("--rate must be > 0, was 0.0"), printed.toString(StandardCharsets.UTF_8));
    printed.reset();
    assertEquals(2, load("--ws-sessions", "0"));
    assertTrue(printed.toString(StandardCharsets.UTF_8).contains("at least one must be > 0"));
    printed.reset();
    assertEquals(2, load("--model", dir.resolve("missing.gguf").toString()));
    assertTrue(printed.toString(StandardCharsets.UTF_8).contains("missing.gguf is not a file"));
  }
}
