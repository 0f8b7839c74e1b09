package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The thread counts calibration keeps, from step times given to it (no model, no clock). */
class ThreadCalibrationTest {
  /** Times from a table: [threads - 1][round] for one stream and for a batch. */
  private static final class Table implements ThreadCalibration.Probe {
    final long[][] single;
    final long[][] batch;
    final List<String> calls = new ArrayList<>();
    int threads;
    final int[] round;

    Table(long[][] single, long[][] batch) {
      this.single = single;
      this.batch = batch;
      this.round = new int[single.length * 2];
    }

    @Override
    public void useThreads(int n) {
      threads = n;
      calls.add("threads " + n);
    }

    @Override
    public long time(int streams, int steps) {
      calls.add(streams + "x" + steps);
      int slot = (threads - 1) * 2 + (streams > 1 ? 1 : 0);
      long t = (streams > 1 ? batch : single)[threads - 1][round[slot]++];
      return t * steps;
    }
  }

  @Test
  void eachKindOfStepKeepsTheCountWithTheLowestMedian() throws Throwable {
    // One stream: 2 threads fastest by median though its worst round is the slowest of all.
    // Batched: 3 threads.
    Table t = new Table(
        new long[][] {{900, 910, 905}, {600, 2000, 610}, {700, 690, 710}},
        new long[][] {{3000, 3100, 3050}, {2000, 2100, 2050}, {1500, 1490, 1600}});
    ThreadCalibration.Result r = ThreadCalibration.run(3, 4, 3, 4, t);
    assertEquals(2, r.single());
    assertEquals(3, r.batch());
    assertArrayEquals(new long[] {905, 610, 700}, r.singleNanos(), "median nanoseconds a step");
    assertEquals("1: 0 / 3, 2: 0 / 2, 3: 0 / 1", r.figures());
    // The counts alternate within each round: 1, 2, 3, then again.
    assertEquals(List.of("threads 1", "1x4", "4x4", "threads 2", "1x4", "4x4", "threads 3", "1x4", "4x4"),
        t.calls.subList(0, 9));
    assertEquals(3 * 3 * 3, t.calls.size());
  }

  @Test
  void aTieGoesToFewerThreadsAndOneStreamTimesOnlyOnce() throws Throwable {
    Table t = new Table(new long[][] {{500, 500, 500}, {500, 500, 500}}, new long[][] {{0, 0, 0}, {0, 0, 0}});
    ThreadCalibration.Result r = ThreadCalibration.run(2, 1, 3, 2, t);
    assertEquals(1, r.single());
    assertEquals(1, r.batch(), "one stream: the batched choice is the single one");
    assertEquals(3 * 2 * 2, t.calls.size(), "no batched steps with one stream");
  }
}
