package dev.parley.llama;

import java.util.Arrays;

/**
 * What each sequence puts into the engine's next decode step: the engine says where every sequence
 * stands, {@link #plan} decides how many tokens each takes, and the engine adds them to the batch in
 * sequence order. The rules come from how llama.cpp computes a step with a stream of cells per
 * sequence: it splits the batch into micro-batches of sequences with consecutive ids, each taking as
 * many tokens from every one of them, so each sequence's tokens past its first cost a pass over the
 * weights of their own.
 *
 * <ul>
 *   <li>A generating sequence takes its next token; so does a prompt down to its last token (its
 *       other cells kept): they all go in the first pass.
 *   <li>Of the longer prompts, the oldest request's goes alone, up to {@link #PREFILL_CHUNK} tokens
 *       while others generate (their next tokens wait for the step) and {@link #PREFILL_ALONE}
 *       when none does. A prompt that shares its step with no other gets its first token soonest,
 *       and prompts of different lengths in one step cost a pass for every length.
 *   <li>Priming, work ahead of a turn that may never come: one sequence's, {@link #PRIME_CHUNK}
 *       tokens at most, only once the sequence's priming is due (it has been idle for the
 *       engine's delay), and only in a step that has no prompt. Beside generated tokens it is a pass
 *       of its own, which costs more than the tokens it saves when the next turn comes at once.
 *   <li>Sequences left out between ones that take tokens get a throwaway token where
 *       {@link HoleFilling} says it saves a pass; the budget keeps room for them.
 * </ul>
 *
 * <p>Not thread-safe: the engine's loop thread fills the inputs, plans and reads the outputs.
 */
final class StepPlan {
  /** Prompt tokens a step takes while other sequences generate: their next tokens wait for it. */
  static final int PREFILL_CHUNK = 128;
  /** Prompt tokens a step takes when no sequence generates: nobody's next token waits. */
  static final int PREFILL_ALONE = 512;
  /**
   * Priming tokens a step takes: a step that carries priming stays light, and a request that arrives
   * meanwhile waits for a small step, not a prefill-sized one (docs/benchmarks.md has the figures).
   */
  static final int PRIME_CHUNK = 16;

  // ---- inputs, by sequence id ----
  /** Whether the sequence generates: it has a sampled token to decode. */
  final boolean[] generating;
  /** Prompt tokens the sequence's request has yet to compute; 0 without a request in its prompt. */
  final int[] promptLeft;
  /** When the sequence's request took it (smaller is older); read where {@link #promptLeft} is positive. */
  final long[] requestAge;
  /** Priming tokens the idle sequence has yet to compute; 0 for none. */
  final int[] primeLeft;
  /** Whether the sequence's priming is due: it has been idle for the engine's priming delay. */
  final boolean[] primeDue;
  /** Whether the sequence has a free cell for a throwaway token. */
  final boolean[] fillable;

  // ---- outputs, by sequence id ----
  /** Tokens the sequence takes in the step. */
  final int[] count;
  /** Whether the sequence takes a throwaway token. */
  final boolean[] fill;

  private final int limit;
  private final boolean fillHoles;

  /**
   * @param sequences the context's sequences
   * @param limit the most tokens one step holds, throwaway ones included (llama.cpp's {@code n_batch})
   * @param fillHoles whether left-out sequences may take throwaway tokens (streams of cells, no
   *     recurrent state)
   */
  StepPlan(int sequences, int limit, boolean fillHoles) {
    this.generating = new boolean[sequences];
    this.promptLeft = new int[sequences];
    this.requestAge = new long[sequences];
    this.primeLeft = new int[sequences];
    this.primeDue = new boolean[sequences];
    this.fillable = new boolean[sequences];
    this.count = new int[sequences];
    this.fill = new boolean[sequences];
    this.limit = limit;
    this.fillHoles = fillHoles;
  }

  /** Fills {@link #count} and {@link #fill}; returns the step's tokens, throwaway ones not counted. */
  int plan() {
    int sequences = count.length;
    Arrays.fill(count, 0);
    Arrays.fill(fill, false);
    int n = 0;
    for (int i = 0; i < sequences; i++) {
      if (generating[i]) {
        count[i] = 1;
        n++;
      }
    }
    int reserve = fillHoles && limit > sequences ? sequences - n : 0; // a cell for every possible throwaway token
    int budget = Math.max(0, Math.min(n == 0 ? PREFILL_ALONE : PREFILL_CHUNK, limit - n - reserve));
    int oldest = -1;
    for (int i = 0; i < sequences; i++) {
      if (generating[i] || promptLeft[i] == 0) {
        continue;
      }
      if (promptLeft[i] == 1) {
        if (budget > 0) {
          count[i] = 1;
          n++;
          budget--;
        }
      } else if (oldest < 0 || requestAge[i] < requestAge[oldest]) {
        oldest = i;
      }
    }
    if (oldest >= 0 && budget > 0) {
      count[oldest] = Math.min(budget, promptLeft[oldest]);
      n += count[oldest];
      budget = 0;
    }
    budget = Math.min(budget, PRIME_CHUNK);
    for (int i = 0; i < sequences && budget > 0; i++) {
      if (count[i] == 0 && primeLeft[i] > 0 && promptLeft[i] == 0 && !generating[i] && primeDue[i]) {
        count[i] = Math.min(budget, primeLeft[i]);
        n += count[i];
        budget = 0;
      }
    }
    if (n > 0 && fillHoles) {
      HoleFilling.plan(count, fillable, limit - n, fill);
    }
    return n;
  }
}
