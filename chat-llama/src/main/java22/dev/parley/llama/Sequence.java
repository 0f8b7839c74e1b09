package dev.parley.llama;

import org.jspecify.annotations.Nullable;

/**
 * One of the context's sequences in {@link FfmEngine}: the tokens whose KV cells it holds, the
 * request it serves, and where that request is. Loop thread only.
 */
final class Sequence {
  final int id;
  /** The tokens whose KV cells the sequence holds, in position order. */
  final int[] cached;
  int cachedLength;
  @Nullable Request request;
  /** The conversation whose cells these are, or null. */
  @Nullable String conversation;
  /** Prompt tokens already in the cache or the current batch. */
  int prefilled;
  /** The sampled token not yet decoded, or -1. */
  int pending = -1;
  int generated;
  long lastUsed;
  int stepStart;
  int stepPrefillStart;
  /**
   * Tokens to decode into this idle sequence ahead of its conversation's next turn (the engine's
   * priming); its first {@code cachedLength} are the cells' own.
   */
  int @Nullable [] prime;
  /**
   * The sliding-window cells as they were when the last prompt had been computed, and how many
   * tokens that was (a context checkpoint, as llama-server keeps): with only the window kept, the
   * cells can be cut back to there and no further without it. Null when none is kept.
   */
  @Nullable SavedState checkpoint;
  /** When {@link #prime} may start ({@code System.nanoTime()}): the engine's turn-priming delay after the reply. */
  long primeAfter;

  Sequence(int id, int contextSize) {
    this.id = id;
    this.cached = new int[contextSize + 1];
  }

  /** What giving the sequence to another request loses: nothing, an anonymous cache, a conversation's cells. */
  int cost() {
    return cachedLength == 0 ? 0 : conversation == null ? 1 : 2;
  }

  int sharedPrefix(int[] tokens) {
    int n = Math.min(cachedLength, tokens.length);
    int i = 0;
    while (i < n && cached[i] == tokens[i]) {
      i++;
    }
    return i;
  }
}
