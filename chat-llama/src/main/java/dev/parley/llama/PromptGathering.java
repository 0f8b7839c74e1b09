package dev.parley.llama;

/**
 * Whether the decode loop, idle until a prompt arrived, holds its next step back for the prompts
 * that usually arrive with it, so that they are computed in one step. A step of four prompts costs
 * far less than four steps of one: the weights are read once, and the matrix products run on wider
 * tiles (docs/benchmarks.md has the figures).
 *
 * <p>Prompts arrive together when replies end together: clients send their next turn as soon as
 * their reply is done. So the loop expects as many prompts as replies ended in the last step that
 * ended any, and holds the step until that many wait, every sequence is taken, or the window since
 * those replies ended has passed. Before the first step it expects one prompt per sequence, for a
 * window from the first prompt. A client that comes back alone after its reply is not held, nor is
 * one that comes back after the window (a person who read the reply), nor a prompt that arrives
 * while other sequences generate: it joins their next step. Loop thread only.
 */
final class PromptGathering {
  private final long windowNanos;
  private int expected;
  /** When holding stops ({@code System.nanoTime()}); before the first prompt, unknown. */
  private long deadline;
  private boolean started;

  /**
   * @param windowNanos how long after replies end (before the first step: after the first prompt)
   *     prompts are held for the others expected; 0 holds none
   * @param sequences the context's sequences: how many prompts are expected before the first step
   */
  PromptGathering(long windowNanos, int sequences) {
    this.windowNanos = windowNanos;
    this.expected = sequences;
  }

  /** Counts the replies a step that ended at {@code now} ended; a step that ended none changes nothing. */
  void ended(int replies, long now) {
    if (replies > 0) {
      expected = replies;
      deadline = now + windowNanos;
      started = true;
    }
  }

  /**
   * Nanoseconds to hold the next step yet, or 0 to run it now.
   *
   * @param fresh requests that have a sequence and whose prompt no step has taken yet
   * @param busy whether any sequence generates or is part-way through its prompt
   * @param free sequences without a request
   * @param now {@code System.nanoTime()}
   */
  long hold(int fresh, boolean busy, int free, long now) {
    if (windowNanos == 0 || busy || fresh == 0 || free == 0 || fresh >= expected) {
      return 0;
    }
    if (!started) {
      deadline = now + windowNanos;
      started = true;
    }
    return Math.max(0, deadline - now);
  }
}
