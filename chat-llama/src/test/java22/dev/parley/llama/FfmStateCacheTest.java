package dev.parley.llama;

import static dev.parley.llama.TokenArrays.concat;
import static dev.parley.llama.TokenArrays.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state cache's bookkeeping on states of made-up bytes: which state a prompt gets, what is
 * taken out and what stays, what a newer state makes redundant, and both tiers' bounds. JDK 22+.
 */
class FfmStateCacheTest {
  private static final int B = PrefixIndex.BLOCK;
  @TempDir Path temp;

  /** What a state of 1,000 bytes and 64 tokens weighs in the cache: its block and its tokens. */
  private static final long WEIGHT = StateMemory.capacityFor(1000) + 4 * 64;
  /** Room for two such states and half of a third. */
  private static final long TWO_AND_A_HALF = 2 * WEIGHT + WEIGHT / 2;
  private final StateMemory memory = new StateMemory(0);

  /** A state of {@code bytes} bytes, each the byte {@code fill}. */
  private SavedState state(int[] tokens, int bytes, int fill) {
    StateMemory.Block block = memory.take(bytes);
    SavedState s = new SavedState(tokens, block, bytes);
    s.data().fill((byte) fill);
    return s;
  }

  @Test
  void aPromptThatExtendsAStateTakesItOut() throws Exception {
    try (StateCache cache = new StateCache(1 << 20, null, 0, "t", memory)) {
      SavedState s = state(seq(0, 100), 1000, 1);
      cache.put(null, s);
      assertEquals(1, cache.saved());
      assertTrue(cache.bytes() > 0);
      StateCache.Hit hit = cache.find(null, seq(0, 150), 0);
      assertNotNull(hit);
      assertSame(s, hit.state());
      assertTrue(hit.owned(), "the prompt extends it whole: taken out");
      assertFalse(hit.byConversation());
      cache.done(hit, true);
      assertEquals(1, cache.restored());
      assertEquals(0, cache.bytes());
      assertNull(cache.find(null, seq(0, 150), 0), "gone once taken");
    }
  }

  @Test
  void aPromptThatSharesPartOfAStateBorrowsItAndItStays() throws Exception {
    try (StateCache cache = new StateCache(1 << 20, null, 0, "t", memory)) {
      SavedState s = state(concat(seq(0, 64), seq(900, 40)), 1000, 1);
      cache.put(null, s);
      int[] other = concat(seq(0, 64), seq(500, 40));
      StateCache.Hit hit = cache.find(null, other, 0);
      assertNotNull(hit);
      assertSame(s, hit.state());
      assertFalse(hit.owned(), "shared in part: the state stays for its own client");
      cache.done(hit, true);
      StateCache.Hit again = cache.find(null, concat(s.tokens, seq(7000, 5)), 0);
      assertNotNull(again, "still there");
      assertTrue(again.owned());
      cache.done(again, true);
    }
  }

  @Test
  void nothingIsFoundUnlessItBeatsWhatALiveSequenceOffersByABlock() throws Exception {
    try (StateCache cache = new StateCache(1 << 20, null, 0, "t", memory)) {
      cache.put(null, state(seq(0, 100), 1000, 1));
      assertNull(cache.find(null, seq(0, 150), 100 - B + 1), "a live sequence holds all but less than a block");
      assertNotNull(cache.find(null, seq(0, 150), 100 - B));
    }
  }

  @Test
  void aConversationsOwnStateComesFirstAndANewerOneReplacesIt() throws Exception {
    try (StateCache cache = new StateCache(1 << 20, null, 0, "t", memory)) {
      SavedState longer = state(seq(0, 200), 1000, 1);
      cache.put(null, longer);
      SavedState old = state(seq(0, 40), 1000, 2);
      SavedState own = state(seq(0, 50), 1000, 3);
      cache.put("x", old);
      cache.put("x", own);
      StateCache.Hit hit = cache.find("x", seq(0, 300), 0);
      assertSame(own, hit.state(), "its own, though another shares more");
      assertTrue(hit.byConversation());
      cache.done(hit, true);
      assertSame(longer, cache.find("x", seq(0, 300), 0).state(), "then by prefix");
    }
  }

  @Test
  void aStateTheNextTurnExtendsIsDropped() throws Exception {
    try (StateCache cache = new StateCache(1 << 20, null, 0, "t", memory)) {
      cache.put(null, state(seq(0, 64), 1000, 1));
      long one = cache.bytes();
      cache.put(null, state(seq(0, 96), 1000, 2));
      assertEquals(one + 4L * 32, cache.bytes(), "only the newer: its bytes and 32 more tokens");
      cache.put(null, state(concat(seq(0, 64), seq(800, 40)), 1000, 3));
      assertTrue(cache.bytes() > 2 * one, "a state that is not an extension is kept beside it");
    }
  }

  @Test
  void statesPastTheMemoryBoundAreDroppedAndForgotten() throws Exception {
    try (StateCache cache = new StateCache(TWO_AND_A_HALF, null, 0, "t", memory)) {
      for (int i = 0; i < 10; i++) {
        cache.put(null, state(seq(1000 * i, 64), 1000, i));
        assertTrue(cache.bytes() <= TWO_AND_A_HALF, "after " + i + ": " + cache.bytes());
      }
      assertEquals(8, cache.evicted(), "room for two");
      int found = 0;
      for (int i = 0; i < 10; i++) {
        StateCache.Hit hit = cache.find(null, seq(1000 * i, 80), 0);
        if (hit != null) {
          found++;
          cache.done(hit, true);
        }
      }
      assertEquals(2, found, "an evicted state is not found");
    }
  }

  /**
   * A sliding-window model's states carry their checkpoints (a Gemma 3 27B-shaped one is hundreds of
   * megabytes), and the bound counts them: two states of 1,000 bytes fit the bound, but not with a
   * checkpoint of 1,000 bytes each.
   */
  @Test
  void checkpointsCountAgainstTheMemoryBound() throws Exception {
    try (StateCache cache = new StateCache(TWO_AND_A_HALF, null, 0, "t", memory)) {
      for (int i = 0; i < 4; i++) {
        SavedState s = state(seq(1000 * i, 64), 1000, i);
        s.checkpoint = state(seq(1000 * i, 60), 1000, i);
        cache.put(null, s);
        assertTrue(cache.bytes() <= TWO_AND_A_HALF, "after " + i + ": " + cache.bytes());
        assertTrue(cache.bytes() >= 2 * StateMemory.capacityFor(1000), "the newest state and its checkpoint: " + cache.bytes());
      }
      assertEquals(3, cache.evicted(), "room for one state with its checkpoint");
    }
  }

  @Test
  void statesPastTheMemoryBoundGoToTheFolderAndComeBackWithTheirBytes() throws Exception {
    try (StateCache cache = new StateCache(TWO_AND_A_HALF, temp, 1 << 20, "t", memory)) {
      for (int i = 0; i < 6; i++) {
        cache.put(null, state(seq(1000 * i, 64), 1000, i + 1));
      }
      Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> cache.spill().spilled() == 4);
      for (int i = 0; i < 6; i++) {
        StateCache.Hit hit = cache.find(null, seq(1000 * i, 80), 0);
        assertNotNull(hit, "state " + i);
        assertEquals(1000, hit.state().bytes);
        assertEquals(i + 1, hit.state().data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 999), "its own bytes");
        cache.done(hit, true);
      }
      assertEquals(0, cache.evicted());
      assertEquals(4, cache.spill().readBack());
    }
  }
}
