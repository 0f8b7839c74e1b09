package dev.parley.load;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The load run's report, as a map that prints as text and serializes as JSON. */
final class LoadReport {
  private LoadReport() {}

  static Map<String, Object> of(Map<String, Object> settings, LoadResults r, double connectSeconds,
      double runSeconds, long modelFirstTokenMs, Map<String, Object> server) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("settings", settings);

    Map<String, Object> sessions = new LinkedHashMap<>();
    sessions.put("opened", r.sessionsOpened.get());
    sessions.put("failed", r.sessionsFailed.get());
    sessions.put("connectSeconds", round(connectSeconds));
    report.put("sessions", sessions);

    long expected = ((Number) settings.get("wsSessions")).longValue() + ((Number) settings.get("sseSessions")).longValue();
    expected *= ((Number) settings.get("messagesPerSession")).longValue();
    Map<String, Object> messages = new LinkedHashMap<>();
    messages.put("planned", expected);
    messages.put("sent", r.sent.get());
    messages.put("succeeded", r.succeeded.get());
    messages.put("failed", r.failedMessages());
    messages.put("successRate", expected == 0 ? 0 : round((double) r.succeeded.get() / expected));
    messages.put("runSeconds", round(runSeconds));
    report.put("messages", messages);

    report.put("timeToFirstTokenMs", percentiles(r.timeToFirstToken, 0));
    report.put("serverAddedTimeToFirstTokenMs", percentiles(r.timeToFirstToken, modelFirstTokenMs));
    report.put("totalLatencyMs", percentiles(r.total, 0));
    report.put("sendLagMs", percentiles(r.sendLag, 0));

    Map<String, Object> throughput = new LinkedHashMap<>();
    throughput.put("tokens", r.tokens.get());
    double active = r.activeSeconds();
    throughput.put("tokensPerSecond", active == 0 ? 0 : round(r.tokens.get() / active));
    throughput.put("messagesPerSecond", active == 0 ? 0 : round(r.succeeded.get() / active));
    report.put("throughput", throughput);

    report.put("server", server);
    report.put("failures", r.failureCounts());
    return report;
  }

  /** Every session opened and every planned message was answered. */
  static boolean passed(Map<String, Object> report) {
    Map<?, ?> sessions = (Map<?, ?>) report.get("sessions");
    Map<?, ?> messages = (Map<?, ?>) report.get("messages");
    return ((Number) sessions.get("failed")).longValue() == 0
        && ((Number) messages.get("succeeded")).longValue() == ((Number) messages.get("planned")).longValue();
  }

  static String text(Map<String, Object> report) {
    StringBuilder b = new StringBuilder();
    Map<?, ?> settings = (Map<?, ?>) report.get("settings");
    Map<?, ?> sessions = (Map<?, ?>) report.get("sessions");
    Map<?, ?> messages = (Map<?, ?>) report.get("messages");
    Map<?, ?> throughput = (Map<?, ?>) report.get("throughput");
    Map<?, ?> server = (Map<?, ?>) report.get("server");
    b.append(String.format(Locale.ROOT, "model %s, %s WebSocket + %s SSE sessions, %s messages each at %s/s%n",
        settings.get("model"), settings.get("wsSessions"), settings.get("sseSessions"),
        settings.get("messagesPerSession"), settings.get("ratePerSecond")));
    b.append(String.format(Locale.ROOT, "sessions: %s opened, %s failed (%.1f s to open)%n",
        sessions.get("opened"), sessions.get("failed"), ((Number) sessions.get("connectSeconds")).doubleValue()));
    b.append(String.format(Locale.ROOT, "messages: %s planned, %s sent, %s answered, %s failed: success %.2f%%%n",
        messages.get("planned"), messages.get("sent"), messages.get("succeeded"), messages.get("failed"),
        100 * ((Number) messages.get("successRate")).doubleValue()));
    b.append("time to first token, ms:      ").append(line(report.get("timeToFirstTokenMs"))).append('\n');
    b.append("  added by the server (− ").append(settings.get("modelFirstTokenMs")).append(" ms model delay): ")
        .append(line(report.get("serverAddedTimeToFirstTokenMs"))).append('\n');
    b.append("total latency, ms:            ").append(line(report.get("totalLatencyMs"))).append('\n');
    b.append("send lag behind schedule, ms: ").append(line(report.get("sendLagMs"))).append('\n');
    b.append(String.format(Locale.ROOT, "throughput: %s tokens/s, %s replies/s%n", throughput.get("tokensPerSecond"),
        throughput.get("messagesPerSecond")));
    if (server.containsKey("peakResidentMb")) {
      b.append(String.format(Locale.ROOT, "server memory: peak resident %s MB, resident at end %s MB, heap used at end %s MB; exit %s%n",
          server.get("peakResidentMb"), server.get("residentMbAtEnd"), server.get("heapUsedMbAtEnd"), server.get("exitCode")));
    }
    Map<?, ?> failures = (Map<?, ?>) report.get("failures");
    failures.forEach((reason, n) -> b.append("  failed: ").append(n).append(" × ").append(reason).append('\n'));
    b.append(passed(report) ? "PASSED: every session opened and every message was answered"
        : "FAILED: see the failures above");
    return b.toString();
  }

  private static String line(Object percentiles) {
    Map<?, ?> p = (Map<?, ?>) percentiles;
    return String.format(Locale.ROOT, "p50 %s  p95 %s  p99 %s  max %s", p.get("p50"), p.get("p95"), p.get("p99"), p.get("max"));
  }

  private static Map<String, Object> percentiles(Histogram h, long minusMs) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (h.getTotalCount() == 0) {
      out.put("p50", null);
      out.put("p95", null);
      out.put("p99", null);
      out.put("max", null);
      return out;
    }
    out.put("p50", ms(h.getValueAtPercentile(50), minusMs));
    out.put("p95", ms(h.getValueAtPercentile(95), minusMs));
    out.put("p99", ms(h.getValueAtPercentile(99), minusMs));
    out.put("max", ms(h.getMaxValue(), minusMs));
    return out;
  }

  private static double ms(long micros, long minusMs) {
    return round(micros / 1000.0 - minusMs);
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
