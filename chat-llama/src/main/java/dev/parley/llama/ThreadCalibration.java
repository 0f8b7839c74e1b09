package dev.parley.llama;

import java.util.Arrays;

/**
 * Chooses thread counts by timing decode steps at every count from 1 to the most allowed: steps of
 * one token (one stream) set the threads, steps of one token for each slot (several streams) the
 * batch threads. The counts alternate within each round, as a machine's speed drifts, and each
 * count's median round decides; a tie goes to fewer threads. The engine supplies the steps.
 */
final class ThreadCalibration {
  private ThreadCalibration() {}

  /** What the engine lets calibration do. */
  interface Probe {
    /** Computes with {@code n} threads from now on. */
    void useThreads(int n);

    /** Nanoseconds that {@code steps} decode steps of one token in each of {@code streams} sequences took. */
    long time(int streams, int steps);
  }

  /**
   * The counts chosen and the median time a step took at each count.
   *
   * @param single the threads for one stream (1-based)
   * @param batch the threads for batched steps
   * @param singleNanos median nanoseconds of one stream's step, by threads - 1
   * @param batchNanos median nanoseconds of a batched step, by threads - 1
   */
  record Result(int single, int batch, long[] singleNanos, long[] batchNanos) {
    /** "1: 900 / 2100, 2: 600 / 1300" (µs a step, one stream / batched, by threads). */
    String figures() {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < singleNanos.length; i++) {
        b.append(i == 0 ? "" : ", ").append(i + 1).append(": ").append(singleNanos[i] / 1000)
            .append(" / ").append(batchNanos[i] / 1000);
      }
      return b.toString();
    }
  }

  /**
   * Times {@code rounds} rounds of {@code steps} steps at every count up to {@code most}; with one
   * stream the batched times are the single ones. Leaves the probe at the chosen counts' last use:
   * the caller sets both.
   */
  static Result run(int most, int streams, int rounds, int steps, Probe probe) {
    long[][] single = new long[most][rounds];
    long[][] batched = new long[most][rounds];
    for (int round = 0; round < rounds; round++) {
      for (int n = 1; n <= most; n++) {
        probe.useThreads(n);
        single[n - 1][round] = probe.time(1, steps);
        batched[n - 1][round] = streams > 1 ? probe.time(streams, steps) : single[n - 1][round];
      }
    }
    long[] singleNanos = new long[most];
    long[] batchNanos = new long[most];
    for (int i = 0; i < most; i++) {
      singleNanos[i] = median(single[i]) / steps;
      batchNanos[i] = median(batched[i]) / steps;
    }
    return new Result(fastest(single), fastest(batched), singleNanos, batchNanos);
  }

  /** The thread count (1-based) whose median time is lowest; ties go to fewer threads. */
  static int fastest(long[][] byThreads) {
    int best = 0;
    for (int i = 1; i < byThreads.length; i++) {
      if (median(byThreads[i]) < median(byThreads[best])) {
        best = i;
      }
    }
    return best + 1;
  }

  static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
