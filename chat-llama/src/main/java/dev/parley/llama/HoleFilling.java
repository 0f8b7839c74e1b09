package dev.parley.llama;

/**
 * Which sequences without tokens in a step get a throwaway token, so that llama.cpp computes the
 * step in fewer passes over the weights.
 *
 * <p>With a stream of cells per sequence (llama.cpp's non-unified KV cache, the engine's default),
 * llama.cpp splits a batch into micro-batches of sequences with consecutive ids, each taking as many
 * tokens from every one of them. Sequences 0, 1, 3 and 4 generating while 2 waits for its next
 * request are two micro-batches, two passes (docs/benchmarks.md has what that costs). A throwaway
 * token for sequence 2, decoded and then removed from its cells, makes it one pass again.
 *
 * <p>A throwaway token is not free: it is one more row in every matrix product, and a lone
 * sequence's pass is the cheapest there is (llama.cpp's one-row kernels). So a gap between two
 * runs of sequences is filled only when each run has at least as many sequences as the gap needs
 * tokens: one waiting sequence among seven is filled, sequences 0 and 7 of eight generating alone
 * are left as two passes. Pure and loop-thread only; the engine passes what it knows of the step.
 */
final class HoleFilling {
  private HoleFilling() {}

  /**
   * Marks in {@code fill} the sequences that get a throwaway token and returns how many.
   *
   * @param tokens how many tokens each sequence has in the step, by sequence id
   * @param fillable whether a sequence may take a throwaway token (it has a free cell in its stream)
   * @param room how many tokens the step may still take; no token is added past it
   * @param fill set for each sequence that gets one; cleared first
   */
  static int plan(int[] tokens, boolean[] fillable, int room, boolean[] fill) {
    java.util.Arrays.fill(fill, false);
    int n = tokens.length;
    int i = 0;
    while (i < n && tokens[i] == 0) {
      i++;
    }
    int filled = 0;
    int run = 0; // sequences with tokens in the current run, fillers not counted
    while (i < n) {
      int end = i; // the current run: [i, end)
      while (end < n && tokens[end] > 0) {
        end++;
      }
      run += end - i;
      int next = end;
      while (next < n && tokens[next] == 0) {
        next++;
      }
      if (next == n) {
        break;
      }
      int gap = next - end;
      int following = 0;
      while (next + following < n && tokens[next + following] > 0) {
        following++;
      }
      boolean canFill = gap <= Math.min(run, following) && filled + gap <= room;
      for (int k = end; canFill && k < next; k++) {
        canFill = fillable[k];
      }
      if (canFill) {
        for (int k = end; k < next; k++) {
          fill[k] = true;
        }
        filled += gap;
      } else {
        run = 0;
      }
      i = next;
    }
    return filled;
  }
}
