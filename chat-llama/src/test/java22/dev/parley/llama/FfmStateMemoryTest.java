package dev.parley.llama;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The memory of saved states: what is reused, what is made, what is kept free and for how long. JDK 22+. */
class FfmStateMemoryTest {
  private static final long KB = 1024;

  @Test
  void aFreedBlockIsTakenAgainByTheNextStateItHolds() {
    try (StateMemory memory = new StateMemory(1 << 20)) {
      StateMemory.Block first = memory.take(10 * KB);
      first.give();
      StateMemory.Block again = memory.take(9 * KB);
      assertSame(first, again);
      assertEquals(1, memory.made());
      assertEquals(1, memory.reused());
      assertEquals(0, memory.freeBytes());
    }
  }

  @Test
  void aBlockIsItsStatesSizeOrWholeHugePagesAndAShorterStateTakesItAgain() {
    assertEquals(12 * KB + 1, StateMemory.capacityFor(12 * KB + 1), "a small state's own size");
    long huge = StateMemory.HUGE_FROM;
    assertEquals(huge, StateMemory.capacityFor(huge));
    assertEquals(huge + (HugePages.available() ? HugePages.SIZE : 1), StateMemory.capacityFor(huge + 1),
        "whole huge pages where there are any");
    try (StateMemory memory = new StateMemory(1 << 20)) {
      StateMemory.Block turn = memory.take(12 * KB);
      assertEquals(12 * KB, turn.capacity());
      turn.give();
      assertSame(turn, memory.take(10 * KB), "a shorter state, the block less than a quarter larger");
      StateMemory.Block longer = memory.take(12 * KB + 1);
      assertEquals(2, memory.made(), "a longer state made a block of its own");
      longer.give();
    }
  }

  @Test
  void theSmallestFreeBlockThatHoldsTheStateIsTaken() {
    try (StateMemory memory = new StateMemory(1 << 20)) {
      StateMemory.Block small = memory.take(8 * KB);
      StateMemory.Block large = memory.take(40 * KB);
      StateMemory.Block middle = memory.take(20 * KB);
      small.give();
      large.give();
      middle.give();
      assertSame(middle, memory.take(16 * KB));
      assertSame(large, memory.take(36 * KB));
      assertSame(small, memory.take(7 * KB), "a block a seventh larger than the state is taken");
      assertEquals(3, memory.made());
    }
  }

  @Test
  void aBlockFarLargerThanTheStateIsLeftForALargerOne() {
    try (StateMemory memory = new StateMemory(1 << 20)) {
      StateMemory.Block large = memory.take(100 * KB);
      large.give();
      StateMemory.Block small = memory.take(60 * KB);
      assertNotSame(large, small, "100 KB for a state that would get 60 KB new: more than a quarter wasted");
      assertEquals(2, memory.made());
      assertEquals(large.capacity(), memory.freeBytes(), "still free for a state its size");
      assertSame(large, memory.take(81 * KB), "a quarter more at most: taken");
    }
  }

  @Test
  void freeBlocksStayWithinTheirBoundTheOldestGoingFirst() {
    long capacity = StateMemory.capacityFor(10 * KB);
    try (StateMemory memory = new StateMemory(3 * capacity)) {
      List<StateMemory.Block> blocks = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        blocks.add(memory.take(10 * KB));
      }
      assertEquals(5 * capacity, memory.liveBytes());
      for (StateMemory.Block b : blocks) {
        b.give();
        assertTrue(memory.freeBytes() <= 3 * capacity, "free " + memory.freeBytes());
      }
      assertEquals(3 * capacity, memory.freeBytes());
      assertEquals(3 * capacity, memory.liveBytes(), "the two oldest went back to the allocator");
      List<StateMemory.Block> again = List.of(memory.take(10 * KB), memory.take(10 * KB), memory.take(10 * KB));
      assertTrue(again.containsAll(blocks.subList(2, 5)), "the three newest were kept");
      assertEquals(5, memory.made());
    }
  }

  @Test
  void withNoRoomForFreeBlocksEveryStateGetsNewMemory() {
    try (StateMemory memory = new StateMemory(0)) {
      memory.take(10 * KB).give();
      memory.take(10 * KB).give();
      assertEquals(2, memory.made());
      assertEquals(0, memory.liveBytes());
    }
  }

  @Test
  void aStateFreedTwiceOrReadAfterItWasFreedFailsInsteadOfReadingAnothersCells() {
    try (StateMemory memory = new StateMemory(1 << 20)) {
      SavedState s = new SavedState(new int[] {1, 2, 3}, memory.take(100), 100);
      s.data().set(JAVA_LONG_UNALIGNED, 0, 42L);
      s.free();
      assertThrows(IllegalStateException.class, s::data);
      assertThrows(IllegalStateException.class, s::free);
      StateMemory.Block block = memory.take(100);
      block.give();
      assertThrows(IllegalStateException.class, block::give);
      assertThrows(IllegalArgumentException.class, () -> new SavedState(new int[0], memory.take(100),
          StateMemory.capacityFor(100) + 1), "more bytes than the block holds");
    }
  }

  @Test
  void aStatesCheckpointGoesBackWithIt() {
    try (StateMemory memory = new StateMemory(1 << 20)) {
      SavedState s = new SavedState(new int[] {1}, memory.take(100 * KB), 100 * KB);
      s.checkpoint = new SavedState(new int[] {1}, memory.take(10 * KB), 10 * KB);
      s.free();
      assertEquals(StateMemory.capacityFor(100 * KB) + StateMemory.capacityFor(10 * KB), memory.freeBytes());
    }
  }

  @Test
  void afterCloseABlockGivenBackIsReleased() {
    StateMemory memory = new StateMemory(1 << 20);
    StateMemory.Block kept = memory.take(10 * KB);
    memory.take(10 * KB).give();
    memory.close();
    assertEquals(0, memory.freeBytes());
    kept.give(); // the spill writer may give one back after the engine closed
    assertEquals(0, memory.liveBytes());
    assertEquals(0, memory.freeBytes());
  }

  /**
   * The loop takes and gives while the spill writer gives: no block is ever held by two owners at
   * once (each writes its mark and finds it still there), and every byte is accounted for at the end.
   */
  @Test
  void blocksTakenAndGivenFromManyThreadsAreNeverShared() throws Exception {
    int threads = 4;
    int rounds = 3_000;
    long bound = 64 * KB * 8;
    try (StateMemory memory = new StateMemory(bound)) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long mark = 0x5eed0000L + t;
        done.add(pool.submit(() -> {
          start.await();
          ThreadLocalRandom random = ThreadLocalRandom.current();
          int takes = 0;
          for (int i = 0; i < rounds; i++) {
            long bytes = (1 + random.nextInt(64)) * KB;
            StateMemory.Block b = memory.take(bytes);
            takes++;
            b.segment().set(JAVA_LONG_UNALIGNED, 0, mark + ((long) i << 32));
            b.segment().set(JAVA_LONG_UNALIGNED, bytes - 8, mark);
            Thread.yield();
            assertEquals(mark + ((long) i << 32), b.segment().get(JAVA_LONG_UNALIGNED, 0), "another owner wrote");
            assertEquals(mark, b.segment().get(JAVA_LONG_UNALIGNED, bytes - 8), "another owner wrote");
            assertTrue(memory.freeBytes() <= bound);
            b.give();
          }
          return takes;
        }));
      }
      start.countDown();
      int takes = 0;
      for (Future<Integer> f : done) {
        takes += f.get(2, TimeUnit.MINUTES);
      }
      pool.shutdown();
      assertEquals(threads * rounds, takes);
      assertEquals(takes, memory.made() + memory.reused(), "every take made a block or reused one");
      assertTrue(memory.reused() > takes / 4, "reused: " + memory.reused() + " of " + takes);
      assertEquals(memory.freeBytes(), memory.liveBytes(), "every block given back is free or released");
      assertTrue(memory.freeBytes() <= bound);
    }
  }
}
