package dev.parley.load;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What the load run saw, recorded from many threads at once: per-message outcomes, latency
 * histograms (HdrHistogram, microseconds) and token counts.
 */
final class LoadResults {
  private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(10);

  final AtomicLong sessionsOpened = new AtomicLong();
  final AtomicLong sessionsFailed = new AtomicLong();
  final AtomicLong sent = new AtomicLong();
  final AtomicLong succeeded = new AtomicLong();
  final AtomicLong tokens = new AtomicLong();
  final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
  final Histogram timeToFirstToken = new ConcurrentHistogram(MAX_MICROS, 3);
  final Histogram total = new ConcurrentHistogram(MAX_MICROS, 3);
  final Histogram sendLag = new ConcurrentHistogram(MAX_MICROS, 3);
  private final LongAccumulator firstSend = new LongAccumulator(Math::min, Long.MAX_VALUE);
  private final LongAccumulator lastDone = new LongAccumulator(Math::max, Long.MIN_VALUE);

  /** A message went out {@code lagNanos} after the time the schedule gave it. */
  void sending(long nowNanos, long lagNanos) {
    sent.incrementAndGet();
    firstSend.accumulate(nowNanos);
    sendLag.recordValue(Math.min(MAX_MICROS, Math.max(0, lagNanos / 1_000)));
  }

  void succeeded(long sentNanos, long firstTokenNanos, long doneNanos, int replyTokens) {
    succeeded.incrementAndGet();
    tokens.addAndGet(replyTokens);
    lastDone.accumulate(doneNanos);
    timeToFirstToken.recordValue(micros(firstTokenNanos - sentNanos));
    total.recordValue(micros(doneNanos - sentNanos));
  }

  void failed(String reason) {
    failures.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
  }

  void sessionFailed(String reason) {
    sessionsFailed.incrementAndGet();
    failed("session: " + reason);
  }

  long failedMessages() {
    long n = 0;
    for (Map.Entry<String, AtomicLong> e : failures.entrySet()) {
      if (!e.getKey().startsWith("session: ")) {
        n += e.getValue().get();
      }
    }
    return n;
  }

  /** Seconds from the first message sent to the last reply completed. */
  double activeSeconds() {
    long first = firstSend.get();
    long last = lastDone.get();
    return first == Long.MAX_VALUE || last <= first ? 0 : (last - first) / 1e9;
  }

  Map<String, Long> failureCounts() {
    Map<String, Long> out = new LinkedHashMap<>();
    failures.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> out.put(e.getKey(), e.getValue().get()));
    return out;
  }

  private static long micros(long nanos) {
    return Math.min(MAX_MICROS, Math.max(0, nanos / 1_000));
  }
}
