package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.StreamHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How the FFM engine composes its steps: throwaway tokens for sequences waiting between generating
 * ones ({@link HoleFilling}). What a step is made of is {@link StepPlan}'s, tested on its own.
 */
class FfmStepsTest {
  private static final long DEADLINE_SECONDS = 60;
  /** The second turns' length: long, so that a's reply is still running when c's request comes. */
  private static final int LONG_REPLY = 64;
  /**
   * How many times a and c take their second turn together: their steps overlap unless a ends
   * before c's request reaches the loop, which a machine's hiccup can make happen now and then,
   * never every time.
   */
  private static final int ATTEMPTS = 20;

  private static ChatRequest greedy(String prompt, int maxTokens, String conversation) {
    return new ChatRequest(List.of(Message.user(prompt)),
        GenerationOptions.builder().temperature(0).maxTokens(maxTokens).build(), conversation);
  }

  /** Priming waits an hour for a step of its own: nothing is computed between the test's requests. */
  private static LlamaChatModel threeSequences() {
    return LlamaChatModel.builder(TestModels.tiny()).contextSize(256).slots(3).threads(1)
        .turnPrimingDelay(Duration.ofHours(1)).build();
  }

  /**
   * Conversations a, b and c take sequences 0, 1 and 2 in turn (a few template tokens shared with
   * a held sequence are not worth its cells: each takes an empty one); then a and c generate while
   * b waits. Their steps give b a throwaway token, and what it leaves behind is nothing: a and c
   * answer as they do alone, and b's next turn keeps every cell of its first and answers as a model
   * that computes it afresh.
   */
  @Test
  void aWaitingSequenceBetweenGeneratingOnesTakesAThrowawayTokenAndKeepsItsCells() throws Exception {
    String[] names = {"a", "b", "c"};
    String[] prompts = {"Where do rivers begin?", "What is a delta?", "Why is the sea salty?"};
    List<String> alone = new ArrayList<>();
    try (LlamaChatModel model = threeSequences(); LlamaChatModel fresh = threeSequences()) {
      for (int i = 0; i < 3; i++) {
        model.generate(greedy(prompts[i], 4, names[i]));
      }
      EngineStatistics firstTurns = model.statistics();
      assertEquals(0, firstTurns.statesSaved(), "each conversation took a sequence of its own: " + firstTurns);
      for (int i = 0; i < 3; i++) {
        alone.add(fresh.generate(greedy(prompts[i] + " Say more.", LONG_REPLY, "x" + i)).text());
      }
      EngineStatistics before = model.statistics();
      EngineStatistics after = before;
      for (int attempt = 0; attempt < ATTEMPTS && after.fillerTokens() == before.fillerTokens(); attempt++) {
        CompletableFuture<ChatResponse> a = model.stream(greedy(prompts[0] + " Say more.", LONG_REPLY, "a"),
            StreamHandler.ignoringTokens()).completion().toCompletableFuture();
        CompletableFuture<ChatResponse> c = model.stream(greedy(prompts[2] + " Say more.", LONG_REPLY, "c"),
            StreamHandler.ignoringTokens()).completion().toCompletableFuture();
        assertEquals(alone.get(0), a.get(DEADLINE_SECONDS, TimeUnit.SECONDS).text());
        assertEquals(alone.get(2), c.get(DEADLINE_SECONDS, TimeUnit.SECONDS).text());
        after = model.statistics();
      }
      assertTrue(after.fillerTokens() > before.fillerTokens(), "b's sequence, between a's and c's, was filled: " + after);
      assertEquals(0, after.statesSaved(), "a, b and c kept their sequences: " + after);

      int turn1 = model.countTokens(List.of(Message.user(prompts[1])));
      EngineStatistics s0 = model.statistics();
      ChatResponse b = model.generate(greedy(prompts[1], 8, "b"));
      EngineStatistics s1 = model.statistics();
      assertTrue(s1.promptTokensReused() - s0.promptTokensReused() >= turn1 - 1,
          "b's cells are all there: " + (s1.promptTokensReused() - s0.promptTokensReused()) + " of " + turn1);
      assertEquals(fresh.generate(greedy(prompts[1], 8, "y")).text(), b.text());
    }
  }
}
