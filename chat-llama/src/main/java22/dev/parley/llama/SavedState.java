package dev.parley.llama;

import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * A sequence's KV cells, copied out of llama.cpp, and the tokens they hold, in a {@link StateMemory}
 * block. Freed once, by its owner, with its {@link #checkpoint}: the block goes back for reuse, so
 * nothing may read the state after that.
 */
final class SavedState {
  final int[] tokens;
  final long bytes;
  private final StateMemory.Block block;
  private boolean freed;
  /**
   * The sequence's sliding-window cells at a point before the end of {@link #tokens} (see {@link
   * PromptReuse#checkpoint}), or null; owned by this state. Memory only: a spilled state loses it.
   */
  @Nullable SavedState checkpoint;

  /** The first {@code bytes} of {@code block} hold the cells of {@code tokens}; the state owns the block. */
  SavedState(int[] tokens, StateMemory.Block block, long bytes) {
    if (bytes <= 0 || bytes > block.capacity()) {
      throw new IllegalArgumentException(bytes + " bytes of a state in a block of " + block.capacity());
    }
    this.tokens = tokens;
    this.block = block;
    this.bytes = bytes;
  }

  /** The state's bytes. */
  MemorySegment data() {
    if (freed) {
      throw new IllegalStateException("a state of " + tokens.length + " tokens read after it was freed");
    }
    return block.segment().asSlice(0, bytes);
  }

  /** What the state holds in memory, its checkpoint's included: what the state cache's bound counts. */
  int weight() {
    SavedState c = checkpoint;
    long own = block.capacity() + 4L * tokens.length;
    return (int) Math.min(Integer.MAX_VALUE, c == null ? own : own + c.weight());
  }

  void free() {
    if (freed) {
      throw new IllegalStateException("a state of " + tokens.length + " tokens freed twice");
    }
    freed = true;
    SavedState c = checkpoint;
    checkpoint = null;
    if (c != null) {
      c.free();
    }
    block.give();
  }

  /** A copy of this state's bytes and tokens in a block of its own (not its checkpoint). */
  SavedState copy() {
    StateMemory.Block copied = block.memory().take(bytes);
    try {
      MemorySegment.copy(data(), 0, copied.segment(), 0, bytes);
      return new SavedState(tokens, copied, bytes);
    } catch (RuntimeException | Error e) {
      copied.give();
      throw e;
    }
  }
}
