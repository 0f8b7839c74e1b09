package dev.parley.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One {@code llama_batch} the decode loop fills each step: a token, its position, its sequence and
 * whether its logits are wanted, for up to {@link #capacity()} tokens, each in one sequence. The
 * native arrays are allocated once, in the engine's arena. Loop thread only.
 */
final class Batch {
  private final LlamaLibrary lib;
  private final int capacity;
  private final MemorySegment batch;
  private final MemorySegment tokens;
  private final MemorySegment positions;
  private final MemorySegment seqIds;
  private final MemorySegment logits;
  private int size;

  Batch(LlamaLibrary lib, int capacity, Arena arena) {
    this.lib = lib;
    this.capacity = capacity;
    this.batch = arena.allocate(LlamaLibrary.BATCH);
    this.tokens = arena.allocate(JAVA_INT, capacity);
    this.positions = arena.allocate(JAVA_INT, capacity);
    this.seqIds = arena.allocate(JAVA_INT, capacity);
    this.logits = arena.allocate(JAVA_BYTE, capacity);
    MemorySegment nSeqId = arena.allocate(JAVA_INT, capacity);
    MemorySegment seqIdPointers = arena.allocate(ADDRESS, capacity);
    for (int i = 0; i < capacity; i++) {
      nSeqId.setAtIndex(JAVA_INT, i, 1);
      seqIdPointers.setAtIndex(ADDRESS, i, seqIds.asSlice(4L * i, 4));
    }
    batch.set(ADDRESS, LlamaLibrary.BATCH_TOKEN, tokens);
    batch.set(ADDRESS, LlamaLibrary.BATCH_POS, positions);
    batch.set(ADDRESS, LlamaLibrary.BATCH_N_SEQ_ID, nSeqId);
    batch.set(ADDRESS, LlamaLibrary.BATCH_SEQ_ID, seqIdPointers);
    batch.set(ADDRESS, LlamaLibrary.BATCH_LOGITS, logits);
  }

  int capacity() {
    return capacity;
  }

  /** Tokens added since the last {@link #clear()}. */
  int size() {
    return size;
  }

  /**
   * Adds {@code token} at {@code position} of sequence {@code seq}; returns its index in the batch,
   * which names its logits after the decode.
   *
   * @throws IllegalStateException if the batch is full
   */
  int add(int seq, int position, int token, boolean wantLogits) {
    if (size == capacity) {
      throw new IllegalStateException("the batch holds " + capacity + " tokens");
    }
    int i = size++;
    tokens.setAtIndex(JAVA_INT, i, token);
    positions.setAtIndex(JAVA_INT, i, position);
    seqIds.setAtIndex(JAVA_INT, i, seq);
    logits.set(JAVA_BYTE, i, wantLogits ? (byte) 1 : (byte) 0);
    return i;
  }

  void clear() {
    size = 0;
  }

  /** Decodes what was added in {@code context}; llama_decode's return code. The batch is cleared. */
  int decode(MemorySegment context) {
    batch.set(JAVA_INT, LlamaLibrary.BATCH_N_TOKENS, size);
    try {
      return lib.decode(context, batch);
    } finally {
      size = 0;
    }
  }
}
