package dev.parley.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuickProfileTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private static ObjectNode result(ArrayNode jmh, String mode, String implementation, String size, double score) {
    ObjectNode r = jmh.addObject();
    r.put("benchmark", "dev.parley.benchmarks.X.op");
    r.put("mode", mode);
    r.put("threads", 1);
    r.putObject("params").put("implementation", implementation).put("size", size);
    r.putObject("primaryMetric").put("score", score).put("scoreError", 0.5).put("scoreUnit", "ops/s");
    return r;
  }

  private static ObjectNode run(String mode, double parley, double base, String... extra) {
    ObjectNode run = JSON.createObjectNode();
    run.put("title", "T").put("axis", "implementation");
    run.putArray("subjects").add("PARLEY");
    run.putArray("baselines").add("BASE").add("OTHER");
    ArrayNode jmh = run.putArray("jmh");
    result(jmh, mode, "PARLEY", "1", parley);
    result(jmh, mode, "BASE", "1", base);
    result(jmh, mode, "PARLEY", "2", parley);
    return run;
  }

  @Test
  void ratiosCompareEachRowWithItsBaselineHigherMeaningParleyIsBetter() {
    String throughput = ResultTable.table(run("thrpt", 20, 10));
    assertTrue(throughput.contains("| PARLEY / BASE |"), throughput);
    assertTrue(throughput.contains("| op, size=1 | 20.0 ± 0.500 | 10.0 ± 0.500 | 2.00× |"), throughput);
    assertTrue(throughput.contains("| op, size=2 | 20.0 ± 0.500 | — | — |"), "no baseline, no ratio: " + throughput);
    assertTrue(!throughput.contains("OTHER"), "a baseline that did not run gets no column");

    String time = ResultTable.table(run("avgt", 5, 10));
    assertTrue(time.contains("| op, size=1 | 5.00 ± 0.500 | 10.0 ± 0.500 | 2.00× |"), time);
    assertTrue(time.contains("lower is better"), time);
  }

  @Test
  void nativeReferencesShowTheirMedianAndParleyAgainstIt() {
    ObjectNode run = run("thrpt", 120, 10);
    ObjectNode n = run.putArray("native").addObject().put("label", "llama-batched-bench, 4 sequences, 2 thread(s)");
    n.putArray("samples").add(100.0).add(80.0).add(90.0);
    String table = ResultTable.natives(run);
    assertTrue(table.contains("| llama-batched-bench, 4 sequences, 2 thread(s) | 90.0 | 100, 80.0, 90.0 | 1.33× |"),
        "median of the samples, and PARLEY's 120 against it: " + table);
  }

  @Test
  void conversationsShowEachTurnAndTheLastAgainstTheFirst() {
    ObjectNode c = JSON.createObjectNode().put("title", "C");
    ArrayNode backends = c.putArray("backends");
    for (String name : List.of("PARLEY", "LLAMA_SERVER")) {
      ObjectNode b = backends.addObject().put("backend", name);
      ArrayNode turns = b.putArray("turns");
      turns.addObject().put("turn", 1).put("medianMs", 400).put("p90Ms", 800);
      ObjectNode last = turns.addObject().put("turn", 2).put("medianMs", name.equals("PARLEY") ? 500 : 4000).put("p90Ms", 900);
      if (name.equals("PARLEY")) {
        last.put("promptTokensPerRequest", 300.0).put("computedTokensPerRequest", 60.0);
      }
    }
    String table = ResultTable.conversations(c);
    assertTrue(table.contains("| 2 | 500 / 900 (computed 60 of 300 prompt tokens) | 4,000 / 900 |"), table);
    assertTrue(table.contains("| last / first (median) | 1.25× | 10.00× |"), table);
  }

  @Test
  void everySuiteNamesBenchmarksAndImplementationsThatExist() throws Exception {
    for (Suite s : QuickProfile.suites()) {
      String className = s.include().replaceFirst("\\.generate$", "");
      Class<?> benchmark = Class.forName(className);
      Field axis = benchmark.getField(s.axis());
      List<String> values = new ArrayList<>();
      if (axis.getType().isEnum()) {
        for (Object c : axis.getType().getEnumConstants()) {
          values.add(((Enum<?>) c).name());
        }
      } else {
        values.addAll(List.of("true", "false"));
      }
      for (String v : s.subjects()) {
        assertTrue(values.contains(v), s.id() + ": " + v + " is not one of " + values);
      }
      for (String v : s.baselines()) {
        assertTrue(values.contains(v), s.id() + ": " + v + " is not one of " + values);
      }
      for (String p : s.params().keySet()) {
        benchmark.getField(p); // throws if the parameter does not exist
      }
    }
  }

  @Test
  void aRealRunWritesJsonAndTheTableWithTheRatioOfItsScores() throws Exception {
    Suite smoke = new Suite("conversation", "ConversationManager smoke", "dev.parley.benchmarks.ConversationManagerBenchmark",
        Map.of("counting", List.of("CHARS_DIV_4")), 1, new int[] {1, 1}, new int[] {1, 1}, "implementation",
        List.of("PARLEY"), List.of("RECOUNT_BASELINE"), null, null);
    Path json = QuickProfile.run(List.of(smoke), false, dir);

    JsonNode doc = JSON.readTree(json.toFile());
    JsonNode jmh = doc.path("runs").get(0).path("jmh");
    assertEquals(2, jmh.size());
    double parley = 0;
    double baseline = 0;
    for (JsonNode r : jmh) {
      double score = r.path("primaryMetric").path("score").asDouble();
      assertTrue(score > 0, r.toString());
      if (r.path("params").path("implementation").asText().equals("PARLEY")) {
        parley = score;
      } else {
        baseline = score;
      }
    }
    String md = Files.readString(dir.resolve("results.md"));
    assertTrue(md.contains("| run | PARLEY | RECOUNT_BASELINE | PARLEY / RECOUNT_BASELINE |"), md);
    assertTrue(md.contains(ResultTable.ratio(parley / baseline) + " |"), md);
  }
}
