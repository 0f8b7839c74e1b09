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
    }
    JsonNode memory = doc.path("memory");
    if (memory.isObject()) {
      b.append("## ").append(memory.path("title").asText()).append("\n\n");
      b.append("| implementation | resident (VmRSS) | anonymous (RssAnon) | seed / ModelPool |\n|---|---|---|---|\n");
      double pool = memory.path("pool").path("vmRssMb").asDouble();
      for (String kind : List.of("pool", "seed")) {
        JsonNode m = memory.path(kind);
        b.append(String.format(Locale.ROOT, "| %s | %.0f MB | %.0f MB | %s |%n", m.path("label").asText(),
            m.path("vmRssMb").asDouble(), m.path("rssAnonMb").asDouble(),
            kind.equals("seed") ? ratio(m.path("vmRssMb").asDouble() / pool) : ""));
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
