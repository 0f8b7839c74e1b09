package dev.parley.llama;

import static dev.parley.llama.TokenArrays.concat;
import static dev.parley.llama.TokenArrays.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The block-hash index against a linear scan of every state (the reference), and its edge cases. */
class PrefixIndexTest {
  private static final int B = PrefixIndex.BLOCK;

  private static int common(int[] a, int[] b) {
    int n = Math.min(a.length, b.length);
    int i = 0;
    while (i < n && a[i] == b[i]) {
      i++;
    }
    return i;
  }

  /** The reference: every state compared with the prompt. */
  private static int bestShared(Map<String, int[]> states, int[] prompt) {
    int best = 0;
    for (int[] t : states.values()) {
      if (t.length >= B) {
        best = Math.max(best, common(t, prompt));
      }
    }
    return best >= B ? best : 0;
  }

  @Test
  void randomHistoriesFindWhatALinearScanFinds() {
    randomHistories(new PrefixIndex());
  }

  /** Every block's key the same: every lookup is a collision, which the tokens compared must sort out. */
  @Test
  void collidingBlockKeysStillFindWhatALinearScanFinds() {
    randomHistories(new PrefixIndex((previous, tokens, from) -> 7));
  }

  private static void randomHistories(PrefixIndex index) {
    Random random = new Random(42);
    Map<String, int[]> states = new HashMap<>();
    // Conversations that share system prompts and grow turn by turn, over a small alphabet so that
    // prefixes are shared by chance too.
    List<int[]> systems = List.of(seq(1000, 40), seq(2000, 70), seq(3000, 5));
    List<int[]> histories = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      histories.add(systems.get(random.nextInt(systems.size())));
    }
    for (int round = 0; round < 2000; round++) {
      int c = random.nextInt(histories.size());
      int[] turn = new int[1 + random.nextInt(50)];
      for (int i = 0; i < turn.length; i++) {
        turn[i] = random.nextInt(4);
      }
      int[] prompt = concat(histories.get(c), turn);
      PrefixIndex.Match m = index.longest(prompt);
      int expected = bestShared(states, prompt);
      if (expected == 0) {
        assertNull(m, "round " + round);
      } else {
        assertNotNull(m, "round " + round + ": the scan shares " + expected);
        assertEquals(expected, m.shared(), "round " + round);
        int[] found = states.get(m.key());
        assertEquals(expected, common(found, prompt), "the match's own tokens share what it says");
        assertEquals(found.length, m.length());
        for (int[] t : states.values()) {
          if (common(t, prompt) == expected) {
            assertTrue(found.length <= t.length, "the shortest of the equals");
          }
        }
      }
      // The conversation's new state, sometimes a state forgotten, sometimes an edited history.
      String key = "c" + c;
      histories.set(c, random.nextInt(10) == 0 ? Arrays.copyOf(prompt, Math.max(1, prompt.length / 2)) : prompt);
      int[] saved = histories.get(c);
      index.put(key, saved);
      states.put(key, saved);
      if (random.nextInt(7) == 0) {
        String gone = "c" + random.nextInt(histories.size());
        index.remove(gone);
        states.remove(gone);
      }
      assertEquals(states.values().stream().filter(t -> t.length >= B).count(), index.size());
    }
  }

  @Test
  void aStateShorterThanABlockIsNotIndexedAndReplacesTheKeysOldOne() {
    PrefixIndex index = new PrefixIndex();
    index.put("a", seq(0, 100));
    assertEquals(1, index.size());
    index.put("a", seq(0, B - 1));
    assertEquals(0, index.size());
    assertNull(index.longest(seq(0, 100)));
  }

  @Test
  void aPromptSharingLessThanABlockFindsNothing() {
    PrefixIndex index = new PrefixIndex();
    index.put("a", seq(0, 100));
    int[] prompt = seq(0, 100);
    prompt[B - 1] = -1;
    assertNull(index.longest(prompt));
    prompt[B - 1] = B - 1;
    prompt[B] = -1;
    assertEquals(new PrefixIndex.Match("a", B, 100), index.longest(prompt));
  }

  @Test
  void aMatchMayEndInsideABlockAndPastThePrompt() {
    PrefixIndex index = new PrefixIndex();
    index.put("a", seq(0, 3 * B + 5));
    assertEquals(3 * B + 5, index.longest(seq(0, 10 * B)).shared(), "the whole state, ending inside block 4");
    assertEquals(2 * B + 3, index.longest(seq(0, 2 * B + 3)).shared(), "the whole prompt");
  }

  @Test
  void removingByArrayLeavesANewerStateUnderTheSameKey() {
    PrefixIndex index = new PrefixIndex();
    int[] old = seq(0, 64);
    int[] newer = seq(0, 96);
    index.put("a", old);
    index.put("a", newer);
    assertFalse(index.remove("a", old), "a state the key no longer holds");
    assertEquals(96, index.longest(seq(0, 200)).shared());
    assertTrue(index.remove("a", newer));
    assertEquals(0, index.size());
    assertNull(index.longest(seq(0, 200)));
  }

  @Test
  void prefixesOfAStateAreTheStatesItMakesRedundant() {
    PrefixIndex index = new PrefixIndex();
    index.put("turn1", seq(0, 50));
    index.put("turn2", seq(0, 90));
    index.put("other", concat(seq(0, 40), seq(500, 30)));
    index.put("short", seq(0, 10)); // not indexed
    int[] turn3 = seq(0, 130);
    assertEquals(Set.of("turn1", "turn2"), new TreeSet<>(index.prefixesOf(turn3, "turn3")));
    assertEquals(List.of("turn1"), index.prefixesOf(seq(0, 90), "turn2"), "the key itself is left out");
    assertEquals(List.of(), index.prefixesOf(seq(0, 49), "x"), "longer than the tokens: not a prefix");
  }
}
