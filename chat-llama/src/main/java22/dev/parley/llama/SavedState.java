package dev.parley.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * A sequence's KV cells, copied out of llama.cpp, and the tokens they hold. Freed once, by its
 * owner, with its {@link #checkpoint}.
 */
final class SavedState {
  final int[] tokens;
  final MemorySegment data;
  final long bytes;
  private final Arena memory;
  /**
   * The sequence's sliding-window cells at a point before the end of {@link #tokens} (see {@link
   * PromptReuse#checkpoint}), or null; owned by this state. Memory only: a spilled state loses it.
   */
  @Nullable SavedState checkpoint;

  SavedState(int[] tokens, MemorySegment data, long bytes, Arena memory) {
    this.tokens = tokens;
    this.data = data;
    this.bytes = bytes;
    this.memory = memory;
  }

  /** What the state holds in memory, its checkpoint's included: what the state cache's bound counts. */
  int weight() {
    SavedState c = checkpoint;
    long own = bytes + 4L * tokens.length;
    return (int) Math.min(Integer.MAX_VALUE, c == null ? own : own + c.weight());
  }

  void free() {
    SavedState c = checkpoint;
    checkpoint = null;
    if (c != null) {
      c.free();
    }
    memory.close();
  }

  /** A copy of this state's bytes and tokens in memory of its own (not its checkpoint). */
  SavedState copy() {
    Arena owner = Arena.ofShared();
    try {
      MemorySegment copied = owner.allocate(bytes);
      MemorySegment.copy(data, 0, copied, 0, bytes);
      return new SavedState(tokens, copied, bytes, owner);
    } catch (RuntimeException | Error e) {
      owner.close();
      throw e;
    }
  }
}
