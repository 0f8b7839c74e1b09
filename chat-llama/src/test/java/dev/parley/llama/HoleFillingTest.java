package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HoleFillingTest {

  /** The plan as a string: '#' a sequence with tokens, 'f' a filled gap, '.' left alone. */
  private static String plan(String tokens, String fillable, int room) {
    int[] counts = new int[tokens.length()];
    boolean[] canFill = new boolean[tokens.length()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = tokens.charAt(i) == '#' ? 1 : tokens.charAt(i) == 'P' ? 57 : 0;
      canFill[i] = fillable.charAt(i) != 'x';
    }
    boolean[] fill = new boolean[counts.length];
    int n = HoleFilling.plan(counts, canFill, room, fill);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < counts.length; i++) {
      out.append(counts[i] > 0 ? tokens.charAt(i) : fill[i] ? 'f' : '.');
    }
    assertEquals(out.chars().filter(c -> c == 'f').count(), n, "the count returned");
    return out.toString();
  }

  private static String plan(String tokens) {
    return plan(tokens, "-".repeat(tokens.length()), Integer.MAX_VALUE);
  }

  @Test
  void oneWaitingSequenceAmongGeneratingOnesIsFilled() {
    assertEquals("##f#####", plan("##.#####"));
    assertEquals("#f#f#f#.", plan("#.#.#.#."), "each gap as wide as the runs beside it");
    assertEquals("#f#", plan("#.#"));
  }

  @Test
  void aGapWiderThanTheRunsBesideItIsLeft() {
    assertEquals("#......#", plan("#......#"), "two one-row passes are cheaper than eight rows");
    assertEquals("##....##", plan("##....##"));
    assertEquals("###ff##.", plan("###..##."), "two fillers, two sequences after them");
    assertEquals("##...##f#", plan("##...##.#"), "a run that could not be joined starts the count anew");
  }

  @Test
  void sequencesBeforeTheFirstAndAfterTheLastNeedNothing() {
    assertEquals("...###...", plan("...###..."));
    assertEquals("........", plan("........"));
    assertEquals("P", plan("P"));
  }

  @Test
  void aSequenceInAPromptCountsLikeAGeneratingOne() {
    assertEquals("#fP#", plan("#.P#"));
  }

  @Test
  void aGapWithASequenceThatCannotTakeATokenIsLeft() {
    assertEquals("##..##", plan("##..##", "---x--", Integer.MAX_VALUE));
    assertEquals("##f#.##", plan("##.#.##", "----x--", Integer.MAX_VALUE));
  }

  @Test
  void noMoreTokensThanTheStepHasRoomFor() {
    assertEquals("#f#.#", plan("#.#.#", "-----", 1));
    assertEquals("#.#", plan("#.#", "---", 0));
  }

  @Test
  void thePlanIsClearedFirst() {
    boolean[] fill = new boolean[3];
    Arrays.fill(fill, true);
    assertEquals(0, HoleFilling.plan(new int[] {1, 1, 1}, new boolean[3], 10, fill));
    assertEquals("[false, false, false]", Arrays.toString(fill));
  }
}
