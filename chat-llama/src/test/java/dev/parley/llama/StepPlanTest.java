package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StepPlanTest {

  private static StepPlan plan(int sequences) {
    StepPlan p = new StepPlan(sequences, 4 + StepPlan.PREFILL_ALONE, false);
    Arrays.fill(p.fillable, true);
    return p;
  }

  @Test
  void generatingSequencesTakeTheirNextToken() {
    StepPlan p = plan(4);
    p.generating[0] = true;
    p.generating[2] = true;
    assertEquals(2, p.plan());
    assertArrayEquals(new int[] {1, 0, 1, 0}, p.count);
  }

  @Test
  void theOldestPromptGoesAloneAndTheOthersWait() {
    StepPlan p = plan(4);
    p.promptLeft[1] = 66;
    p.requestAge[1] = 7;
    p.promptLeft[2] = 40;
    p.requestAge[2] = 5;
    p.promptLeft[3] = 66;
    p.requestAge[3] = 6;
    assertEquals(40, p.plan());
    assertArrayEquals(new int[] {0, 0, 40, 0}, p.count, "the request that took its sequence first");
  }

  @Test
  void promptsDownToTheirLastTokenGoWithTheGeneratedTokens() {
    StepPlan p = plan(4);
    p.generating[0] = true;
    p.promptLeft[1] = 1;
    p.promptLeft[2] = 1;
    p.promptLeft[3] = 30;
    assertEquals(33, p.plan());
    assertArrayEquals(new int[] {1, 1, 1, 30}, p.count);
  }

  @Test
  void aPromptTakesASmallerChunkWhileOthersGenerate() {
    StepPlan p = plan(2);
    p.promptLeft[1] = 1000;
    assertEquals(StepPlan.PREFILL_ALONE, p.plan(), "nobody waits for the step");
    p.generating[0] = true;
    assertEquals(1 + StepPlan.PREFILL_CHUNK, p.plan(), "a generating sequence waits for it");
    assertEquals(StepPlan.PREFILL_CHUNK, p.count[1]);
  }

  @Test
  void aStepNeverHoldsMoreThanItsLimit() {
    StepPlan p = new StepPlan(2, 50, false);
    p.generating[0] = true;
    p.promptLeft[1] = 1000;
    assertEquals(50, p.plan());
    assertArrayEquals(new int[] {1, 49}, p.count);
  }

  @Test
  void primingRidesAlongGeneratedTokensButNeverBesideAPrompt() {
    StepPlan p = plan(4);
    p.generating[0] = true;
    p.primeLeft[1] = 40;
    p.primeLeft[2] = 10;
    p.primeDue[1] = true;
    p.primeDue[2] = true;
    assertEquals(1 + StepPlan.PRIME_CHUNK, p.plan());
    assertArrayEquals(new int[] {1, StepPlan.PRIME_CHUNK, 0, 0}, p.count, "one sequence's, a chunk of it");

    p.promptLeft[3] = 20;
    assertEquals(21, p.plan());
    assertArrayEquals(new int[] {1, 0, 0, 20}, p.count, "a prompt's step carries no priming");
  }

  @Test
  void primingWaitsUntilItIsDueAloneOrNot() {
    StepPlan p = plan(2);
    p.primeLeft[1] = 10;
    assertEquals(0, p.plan(), "not due: no step");
    p.generating[0] = true;
    assertEquals(1, p.plan(), "not due: it does not ride along either");
    p.generating[0] = false;
    p.primeDue[1] = true;
    assertEquals(10, p.plan());
    assertArrayEquals(new int[] {0, 10}, p.count);
  }

  @Test
  void holesAreFilledWhereTheyJoinRunsAndTheBudgetKeepsRoomForThem() {
    StepPlan p = new StepPlan(4, 4 + StepPlan.PREFILL_ALONE, true);
    Arrays.fill(p.fillable, true);
    p.generating[0] = true;
    p.generating[1] = true;
    p.generating[3] = true;
    assertEquals(3, p.plan());
    assertArrayEquals(new boolean[] {false, false, true, false}, p.fill);

    p.promptLeft[2] = 1000;
    assertEquals(3 + StepPlan.PREFILL_CHUNK, p.plan(), "the prompt fills the hole itself");
    assertArrayEquals(new boolean[4], p.fill);

    StepPlan tight = new StepPlan(4, 4 + 2, true);
    Arrays.fill(tight.fillable, true);
    tight.generating[0] = true;
    tight.promptLeft[2] = 1000;
    tight.generating[3] = true;
    assertEquals(4, tight.plan(), "room kept for a throwaway token in 1 and 2: two tokens left for the prompt");
    assertArrayEquals(new int[] {1, 0, 2, 1}, tight.count);
    assertArrayEquals(new boolean[] {false, true, false, false}, tight.fill);
  }
}
