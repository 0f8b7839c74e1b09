package dev.parley.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.llama.LlamaChatModel;
import org.junit.jupiter.api.Test;

/** The many-conversations scenario, shrunk to the tiny model: a row per turn, ordered percentiles, the engine's figures. */
class ConversationLoadTest {
  @Test
  void reportsEveryTurnsTimeToFirstToken() throws Exception {
    JsonNode r = ConversationLoad.measure(ConversationLoad.Backend.PARLEY, BenchmarkModels.tiny(), 1, 2, 4, 3, 2, 4,
        null);
    assertEquals("PARLEY", r.path("backend").asText());
    JsonNode turns = r.path("turns");
    assertEquals(3, turns.size());
    for (int t = 0; t < 3; t++) {
      JsonNode row = turns.path(t);
      assertEquals(t + 1, row.path("turn").asInt());
      double median = row.path("medianMs").asDouble();
      assertTrue(median > 0 && median <= row.path("p90Ms").asDouble()
          && row.path("p90Ms").asDouble() <= row.path("maxMs").asDouble(), row.toString());
    }
    String engine = Runtime.version().feature() >= 22 ? "ffm" : "jni";
    assertEquals(engine, r.path("engine").path("engine").asText(), "the pool's engine statistics are reported");
    if (engine.equals("ffm")) {
      assertTrue(turns.path(2).path("computedTokensPerRequest").asDouble()
          < turns.path(2).path("promptTokensPerRequest").asDouble(), "turn 3 reuses cells: " + turns.path(2));
    }
    assertTrue(LlamaChatModel.defaultThreads() >= 1);
  }
}
