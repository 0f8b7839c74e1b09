package dev.parley.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the quick profile's JSON as Markdown: one table per run, a column per implementation
 * (score ± error) and, for each of Parley's implementations, a ratio column against each
 * baseline measured in the same run. Ratios read "higher is better for Parley": score / baseline
 * for throughput, baseline / score for time per operation.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.parley.benchmarks.ResultTable results.json</pre>
 */
public final class ResultTable {
  private ResultTable() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: ResultTable results.json   (writes results.md beside it)");
      System.exit(2);
    }
    Path json = Path.of(args[0]);
    String md = markdown(new ObjectMapper().readTree(json.toFile()));
    Path out = json.resolveSibling(json.getFileName().toString().replaceFirst("\\.json$", "") + ".md");
    Files.writeString(out, md, StandardCharsets.UTF_8);
    System.out.println(md);
  }

  /** The whole document: every run in {@code doc.runs}, then {@code doc.memory} if present. */
  public static String markdown(JsonNode doc) {
    StringBuilder b = new StringBuilder("# Parley quick benchmark profile\n\n");
    JsonNode machine = doc.path("machine");
    if (!machine.isMissingNode()) {
      b.append(String.format(Locale.ROOT, "%s cores, %s, JDK %s, %s. Ratios: higher is better for Parley.%n%n",
          machine.path("cores").asText(), machine.path("os").asText(), machine.path("jdk").asText(),
          machine.path("date").asText()));
    }
    for (JsonNode run : doc.path("runs")) {
      b.append(table(run)).append('\n');
      if (run.path("native").isArray()) {
        b.append(natives(run)).append('\n');
      }
    }
    JsonNode conversations = doc.path("conversations");
    if (conversations.isObject()) {
      b.append(conversations(conversations)).append('\n');
    }
    JsonNode memory = doc.path("memory");
    if (memory.isObject()) {
      b.append("## ").append(memory.path("title").asText()).append("\n\n");
      b.append("| implementation | resident (VmRSS) | anonymous (RssAnon) | it / ModelPool |\n|---|---|---|---|\n");
      double pool = memory.path("pool").path("vmRssMb").asDouble();
      for (String kind : List.of("pool", "pool-jni", "seed")) {
        JsonNode m = memory.path(kind);
        if (m.isMissingNode()) {
          continue;
        }
        b.append(String.format(Locale.ROOT, "| %s | %.0f MB | %.0f MB | %s |%n", m.path("label").asText(),
            m.path("vmRssMb").asDouble(), m.path("rssAnonMb").asDouble(),
            kind.equals("pool") ? "" : ratio(m.path("vmRssMb").asDouble() / pool)));
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** One run's table. */
  static String table(JsonNode run) {
    String axis = run.path("axis").asText();
    List<String> subjects = strings(run.path("subjects"));
    List<String> baselines = strings(run.path("baselines"));
    String metric = run.path("metric").asText("");
    // parameters with one value in the whole run go above the table, not in every row
    Map<String, java.util.Set<String>> values = new LinkedHashMap<>();
    for (JsonNode result : run.path("jmh")) {
      result.path("params").fields().forEachRemaining(
          p -> values.computeIfAbsent(p.getKey(), k -> new java.util.LinkedHashSet<>()).add(p.getValue().asText()));
    }
    List<String> fixed = new ArrayList<>();
    values.forEach((name, seen) -> {
      if (seen.size() == 1 && !name.equals(axis)) {
        fixed.add(name + "=" + seen.iterator().next());
      }
    });
    // group rows: benchmark method + every varying parameter but the axis
    Map<String, Map<String, JsonNode>> groups = new LinkedHashMap<>();
    List<String> implementations = new ArrayList<>();
    String mode = "thrpt";
    String unit = "";
    for (JsonNode result : run.path("jmh")) {
      String method = result.path("benchmark").asText().replaceFirst(".*\\.", "");
      StringBuilder key = new StringBuilder(method);
      String implementation = "";
      for (Iterator<Map.Entry<String, JsonNode>> it = result.path("params").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> p = it.next();
        if (p.getKey().equals(axis)) {
          implementation = p.getValue().asText();
        } else if (values.get(p.getKey()).size() > 1) {
          key.append(", ").append(p.getKey()).append('=').append(p.getValue().asText());
        }
      }
      if (result.path("threads").asInt(1) > 1) {
        key.append(", ").append(result.path("threads").asInt()).append(" threads");
      }
      if (!implementations.contains(implementation)) {
        implementations.add(implementation);
      }
      groups.computeIfAbsent(key.toString(), k -> new LinkedHashMap<>()).put(implementation, score(result, metric));
      mode = result.path("mode").asText();
      unit = run.hasNonNull("metricUnit") ? run.path("metricUnit").asText()
          : metric.isEmpty() ? result.path("primaryMetric").path("scoreUnit").asText() : metric;
    }
    boolean higherIsBetter = !mode.equals("avgt") && !mode.equals("ss") && !mode.equals("sample");
    StringBuilder b = new StringBuilder("## ").append(run.path("title").asText()).append("\n\n");
    b.append("Unit: ").append(unit).append(higherIsBetter ? " (higher is better)" : " (lower is better)").append('.');
    if (!fixed.isEmpty()) {
      b.append(" Every row: ").append(String.join(", ", fixed)).append('.');
    }
    b.append("\n\n");
    List<String[]> ratios = new ArrayList<>();
    for (String s : subjects) {
      for (String base : baselines) {
        if (implementations.contains(s) && implementations.contains(base)) {
          ratios.add(new String[] {s, base});
        }
      }
    }
    b.append("| run |");
    implementations.forEach(i -> b.append(' ').append(i).append(" |"));
    ratios.forEach(r -> b.append(' ').append(r[0]).append(" / ").append(r[1]).append(" |"));
    b.append("\n|---|");
    b.append("---|".repeat(implementations.size() + ratios.size()));
    b.append('\n');
    for (Map.Entry<String, Map<String, JsonNode>> g : groups.entrySet()) {
      b.append("| ").append(g.getKey()).append(" |");
      for (String i : implementations) {
        JsonNode s = g.getValue().get(i);
        b.append(' ').append(s == null ? "—" : number(s.path("score").asDouble()) + " ± " + number(s.path("error").asDouble()))
            .append(" |");
      }
      for (String[] r : ratios) {
        JsonNode s = g.getValue().get(r[0]);
        JsonNode base = g.getValue().get(r[1]);
        String cell = "—";
        if (s != null && base != null && s.path("score").asDouble() > 0 && base.path("score").asDouble() > 0) {
          double v = higherIsBetter ? s.path("score").asDouble() / base.path("score").asDouble()
              : base.path("score").asDouble() / s.path("score").asDouble();
          cell = ratio(v);
        }
        b.append(' ').append(cell).append(" |");
      }
      b.append('\n');
    }
    return b.toString();
  }

  /**
   * llama.cpp's own tools measured around a run: median and range of their samples, and each of
   * Parley's implementations (in the run's single row) against the median.
   */
  static String natives(JsonNode run) {
    List<String> subjects = strings(run.path("subjects"));
    String axis = run.path("axis").asText();
    Map<String, Double> scores = new LinkedHashMap<>();
    for (JsonNode result : run.path("jmh")) {
      String implementation = result.path("params").path(axis).asText();
      if (subjects.contains(implementation)) {
        scores.put(implementation, result.path("primaryMetric").path("score").asDouble());
      }
    }
    StringBuilder b = new StringBuilder("Native reference (llama.cpp 0.4.0's own tools, same model, measured before and"
        + " after the run above):\n\n| tool | median tokens/s | samples |");
    scores.keySet().forEach(s -> b.append(' ').append(s).append(" / median |"));
    b.append("\n|---|---|---|").append("---|".repeat(scores.size())).append('\n');
    for (JsonNode n : run.path("native")) {
      List<Double> samples = new ArrayList<>();
      n.path("samples").forEach(v -> samples.add(v.asDouble()));
      double median = median(samples);
      b.append("| ").append(n.path("label").asText()).append(" | ").append(number(median)).append(" | ");
      b.append(String.join(", ", samples.stream().map(ResultTable::number).toList())).append(" |");
      scores.values().forEach(v -> b.append(' ').append(median > 0 ? ratio(v / median) : "—").append(" |"));
      b.append('\n');
    }
    return b.toString();
  }

  /** The many-conversations scenario: time to first token per turn for each backend. */
  static String conversations(JsonNode c) {
    StringBuilder b = new StringBuilder("## ").append(c.path("title").asText()).append("\n\nMedian / p90 ms.\n\n| turn |");
    List<JsonNode> backends = new ArrayList<>();
    c.path("backends").forEach(backends::add);
    backends.forEach(x -> b.append(' ').append(x.path("backend").asText()).append(" |"));
    b.append("\n|---|").append("---|".repeat(backends.size())).append('\n');
    int turns = backends.isEmpty() ? 0 : backends.get(0).path("turns").size();
    for (int t = 0; t < turns; t++) {
      b.append("| ").append(t + 1).append(" |");
      for (JsonNode x : backends) {
        JsonNode row = x.path("turns").path(t);
        b.append(' ').append(number(row.path("medianMs").asDouble())).append(" / ")
            .append(number(row.path("p90Ms").asDouble()));
        if (row.has("computedTokensPerRequest")) {
          b.append(String.format(Locale.ROOT, " (computed %.0f of %.0f prompt tokens)",
              row.path("computedTokensPerRequest").asDouble(), row.path("promptTokensPerRequest").asDouble()));
        }
        b.append(" |");
      }
      b.append('\n');
    }
    b.append("| last / first (median) |");
    for (JsonNode x : backends) {
      JsonNode rows = x.path("turns");
      double first = rows.path(0).path("medianMs").asDouble();
      double last = rows.path(rows.size() - 1).path("medianMs").asDouble();
      b.append(' ').append(first > 0 ? ratio(last / first) : "—").append(" |");
    }
    b.append('\n');
    for (JsonNode x : backends) {
      JsonNode e = x.path("engine");
      if (e.isObject()) {
        b.append(String.format(Locale.ROOT, "%n%s (%s engine): prompt tokens reused %.0f%%, states saved %d / restored %d"
                + " / missed %d / evicted %d, mean batch %.1f tokens, decode loop outside llama_decode %.2f%%.%n",
            x.path("backend").asText(), e.path("engine").asText(),
            100.0 * e.path("promptTokensReused").asDouble() / Math.max(1, e.path("promptTokens").asDouble()),
            e.path("statesSaved").asLong(), e.path("statesRestored").asLong(), e.path("stateMisses").asLong(),
            e.path("statesEvicted").asLong(), e.path("stepTokens").asDouble() / Math.max(1, e.path("steps").asDouble()),
            e.path("stepNanos").asDouble() == 0 ? 0
                : 100.0 * (1 - e.path("decodeNanos").asDouble() / e.path("stepNanos").asDouble())));
      }
    }
    return b.toString();
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static JsonNode score(JsonNode result, String metric) {
    JsonNode m = metric.isEmpty() ? result.path("primaryMetric") : result.path("secondaryMetrics").path(metric);
    double error = m.path("scoreError").asDouble();
    return new ObjectMapper().createObjectNode().put("score", m.path("score").asDouble())
        .put("error", Double.isNaN(error) ? 0 : error);
  }

  static String ratio(double v) {
    return String.format(Locale.ROOT, "%.2f×", v);
  }

  static String number(double v) {
    double a = Math.abs(v);
    if (a >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (a >= 1) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
