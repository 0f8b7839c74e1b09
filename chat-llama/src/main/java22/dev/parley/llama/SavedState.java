package dev.parley.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A sequence's KV cells, copied out of llama.cpp, and the tokens they hold. Freed once, by its owner. */
final class SavedState {
  final int[] tokens;
  final MemorySegment data;
  final long bytes;
  private final Arena memory;

  SavedState(int[] tokens, MemorySegment data, long bytes, Arena memory) {
    this.tokens = tokens;
    this.data = data;
    this.bytes = bytes;
    this.memory = memory;
  }

  int weight() {
    return (int) Math.min(Integer.MAX_VALUE, bytes + 4L * tokens.length);
  }

  void free() {
    memory.close();
  }
}
