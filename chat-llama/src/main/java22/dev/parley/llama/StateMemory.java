package dev.parley.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;

/**
 * Native memory for saved sequence states, in blocks that go back to a free list when their state
 * is freed and are taken again by a later state that fits, instead of being allocated anew for
 * every save.
 *
 * <p>A state is megabytes (about 23 KB a token for a 135M model, 128 KB for an 8B one), and memory
 * fresh from the allocator can cost more than copying the state into it: the JDK zeroes it and the
 * kernel faults in every page on first touch. A block taken from the free list has neither cost,
 * and a new block of {@link #HUGE_FROM} or more is made of {@link HugePages} where the kernel
 * grants them: a few faults instead of thousands.
 *
 * <p>A block is its state's size (rounded up to whole huge pages for a huge-page block). A state
 * takes the smallest free block that holds it, and not one more than a quarter larger than it
 * would get new. The state cache weighs a state by its block's capacity, so its bound counts every
 * byte held. Free blocks are bounded by {@code maxFreeBytes}: past it, the oldest go back to the
 * allocator; a block larger than the bound is never kept. Thread-safe: the decode loop takes and
 * gives, the spill writer gives.
 */
final class StateMemory implements AutoCloseable {
  /**
   * Blocks of at least this size are made of huge pages where there are any: rounding up to a whole
   * huge page then adds at most a quarter.
   */
  static final long HUGE_FROM = 4 * HugePages.SIZE;

  private final long maxFreeBytes;
  /** Oldest first. */
  private final ArrayList<Block> free = new ArrayList<>();
  private long freeBytes;
  private long made;
  private long reused;
  private long liveBytes;
  private boolean closed;

  /** Native memory of its own, handed out by {@link #take} and given back once by {@link #give}. */
  static final class Block {
    private final StateMemory owner;
    private final Arena arena;
    private final MemorySegment segment;
    private boolean taken;

    private Block(StateMemory owner, long capacity) {
      this.owner = owner;
      this.arena = Arena.ofShared();
      try {
        MemorySegment huge = capacity >= HUGE_FROM ? HugePages.allocate(capacity, arena) : null;
        this.segment = huge != null ? huge : arena.allocate(capacity, 64);
      } catch (RuntimeException | Error e) {
        arena.close();
        throw e;
      }
    }

    /** The whole block: its capacity is {@code byteSize()}. */
    MemorySegment segment() {
      return segment;
    }

    long capacity() {
      return segment.byteSize();
    }

    /** Where the block came from. */
    StateMemory memory() {
      return owner;
    }

    /** Back to the free list it came from (or to the allocator). */
    void give() {
      owner.give(this);
    }
  }

  /** @param maxFreeBytes the most bytes of free blocks kept for reuse; 0 keeps none */
  StateMemory(long maxFreeBytes) {
    this.maxFreeBytes = Checks.notNegative(maxFreeBytes, "maxFreeBytes");
  }

  /**
   * The capacity of a block made for a state of {@code bytes}: whole huge pages from {@link
   * #HUGE_FROM} on where there are any, else the state's size.
   */
  static long capacityFor(long bytes) {
    long unit = HugePages.SIZE;
    return bytes >= HUGE_FROM && HugePages.available() ? (bytes + unit - 1) / unit * unit : bytes;
  }

  /**
   * A block that holds {@code bytes}: the smallest free one that does and is at most a quarter larger
   * than a new one, else a new one of {@link #capacityFor} bytes. Its contents are whatever its last
   * state left.
   *
   * @throws OutOfMemoryError if the allocator has no memory for a new block
   */
  Block take(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("a state of " + bytes + " bytes");
    }
    long fresh = capacityFor(bytes);
    synchronized (this) {
      int best = -1;
      for (int i = 0; i < free.size(); i++) {
        long capacity = free.get(i).capacity();
        if (capacity >= bytes && capacity <= fresh + fresh / 4
            && (best < 0 || capacity < free.get(best).capacity())) {
          best = i;
        }
      }
      if (best >= 0) {
        Block b = free.remove(best);
        freeBytes -= b.capacity();
        b.taken = true;
        reused++;
        return b;
      }
    }
    Block b = new Block(this, fresh); // outside the lock: faulting in megabytes takes a while
    synchronized (this) {
      b.taken = true;
      made++;
      liveBytes += b.capacity();
    }
    return b;
  }

  private synchronized void give(Block b) {
    if (!b.taken) {
      throw new IllegalStateException("a state's memory was given back twice");
    }
    b.taken = false;
    if (closed || b.capacity() > maxFreeBytes) {
      release(b);
      return;
    }
    free.add(b);
    freeBytes += b.capacity();
    while (freeBytes > maxFreeBytes) {
      Block oldest = free.remove(0);
      freeBytes -= oldest.capacity();
      release(oldest);
    }
  }

  private void release(Block b) {
    liveBytes -= b.capacity();
    b.arena.close();
  }

  /** Blocks allocated so far. */
  synchronized long made() {
    return made;
  }

  /** Blocks handed out again from the free list so far. */
  synchronized long reused() {
    return reused;
  }

  /** Bytes of the free blocks kept for reuse. */
  synchronized long freeBytes() {
    return freeBytes;
  }

  /** Bytes of every block not yet released: the ones states hold and the free ones. */
  synchronized long liveBytes() {
    return liveBytes;
  }

  /** Releases the free blocks; a block given back from now on is released at once. */
  @Override
  public synchronized void close() {
    closed = true;
    for (Block b : free) {
      release(b);
    }
    free.clear();
    freeBytes = 0;
  }
}
