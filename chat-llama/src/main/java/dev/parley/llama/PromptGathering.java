package dev.parley.llama;

/**
 * Whether the decode loop, idle until a prompt arrived, holds its next step back for the prompts
 * that usually arrive with it, so that they are computed in one step. A step of four prompts costs
 * far less than four steps of one: the weights are read once, and the matrix products run on wider
 * tiles (docs/benchmarks.md has the figures).
 *
 * <p>Prompts arrive together when replies end together: clients send their next turn as soon as
 * their reply is done. So the loop expects as many prompts as replies ended in the last step that
 * ended any (before the first step, one per sequence), and holds the step until that many wait,
 * every sequence is taken, or the window since the first of them arrived has passed. The window
 * counts from the first prompt, not from the replies' end: over HTTP the wave's first prompt can
 * come long after the end, and what the window must cover is the spread between the prompts. A
 * client that comes back alone after its reply is not held, nor is a prompt that arrives while
 * other sequences generate: it joins their next step. Loop thread only.
 */
final class PromptGathering {
  private final long windowNanos;
  private int expected;
  private long since = -1;

  /**
   * @param windowNanos how long the first prompt may be held; 0 holds none
   * @param sequences the context's sequences: how many prompts are expected before the first step
   */
  PromptGathering(long windowNanos, int sequences) {
    this.windowNanos = windowNanos;
    this.expected = sequences;
  }

  /** Counts the replies a step ended; a step that ended none changes nothing. */
  void ended(int replies) {
    if (replies > 0) {
      expected = replies;
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
      since = -1;
      return 0;
    }
    if (since < 0) {
      since = now;
    }
    long left = since + windowNanos - now;
    if (left <= 0) {
      since = -1;
      return 0;
    }
    return left;
  }
}
