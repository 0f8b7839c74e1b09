package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PromptGatheringTest {
  private static final long WINDOW = 50_000_000;

  @Test
  void beforeTheFirstStepEverySequenceIsExpected() {
    PromptGathering g = new PromptGathering(WINDOW, 4);
    assertEquals(WINDOW, g.hold(1, false, 3, 100), "one of four: the whole window is left");
    assertEquals(WINDOW - 1_000_000, g.hold(3, false, 1, 1_000_100), "the window counts from the first prompt");
    assertEquals(0, g.hold(4, false, 0, 1_000_200), "every sequence taken");
  }

  @Test
  void theWindowEndsTheHold() {
    PromptGathering g = new PromptGathering(WINDOW, 4);
    assertEquals(WINDOW, g.hold(1, false, 3, 0));
    assertEquals(0, g.hold(2, false, 2, WINDOW), "the window has passed");
    assertEquals(WINDOW, g.hold(1, false, 3, WINDOW + 10), "the next prompt gets a window of its own");
  }

  @Test
  void asManyPromptsAreExpectedAsRepliesEndedTogether() {
    PromptGathering g = new PromptGathering(WINDOW, 4);
    g.ended(2);
    assertEquals(WINDOW, g.hold(1, false, 3, 0));
    assertEquals(0, g.hold(2, false, 2, 10), "both clients are back");
    g.ended(0);
    assertEquals(WINDOW, g.hold(1, false, 3, 20), "a step that ended nothing changes nothing");
    g.ended(1);
    assertEquals(0, g.hold(1, false, 3, 30), "the one client that ended is back");
  }

  @Test
  void busySequencesFreeSequencesAndAZeroWindowHoldNothing() {
    PromptGathering g = new PromptGathering(WINDOW, 4);
    assertEquals(0, g.hold(1, true, 2, 0), "others generate: the prompt joins their step");
    assertEquals(0, g.hold(0, false, 4, 0), "no prompt waits");
    assertEquals(0, g.hold(2, false, 0, 0), "no sequence is free");
    assertEquals(0, new PromptGathering(0, 4).hold(1, false, 3, 0), "a zero window");
  }
}
