package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.StreamHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The FFM engine's prompt batching ({@link LlamaChatModel.Builder#promptBatchWindow}): prompts that
 * arrive together on an idle model are computed in one step, and a client coming back alone is not
 * held. The window is an hour here, so a hold that should not happen fails the test by its deadline,
 * and one that should happen cannot end early by chance.
 */
class FfmPromptBatchingTest {
  private static final long DEADLINE_SECONDS = 60;

  private static LlamaChatModel twoSequences() {
    return LlamaChatModel.builder(TestModels.tiny()).contextSize(256).slots(2).threads(1)
        .turnPrimingDelay(Duration.ofHours(1)).promptBatchWindow(Duration.ofHours(1)).build();
  }

  private static GenerationHandle start(LlamaChatModel model, String prompt, int maxTokens) {
    return model.stream(new ChatRequest(List.of(Message.user(prompt)),
        GenerationOptions.builder().temperature(0).maxTokens(maxTokens).build()), StreamHandler.ignoringTokens());
  }

  private static ChatResponse done(GenerationHandle handle) throws Exception {
    return handle.completion().toCompletableFuture().get(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Two prompts on an idle model run in one step, so the replies take as many steps as the longer
   * has tokens; one after the other they would take one more. First before any step (a prompt per
   * sequence is expected), then after two replies that ended in the same step.
   */
  @Test
  void promptsThatArriveTogetherAreComputedInOneStep() throws Exception {
    try (LlamaChatModel model = twoSequences()) {
      for (String round : List.of("before the first step", "after two replies ended together")) {
        long before = model.statistics().steps();
        GenerationHandle first = start(model, "Where do rivers begin?", 4);
        Thread.sleep(200);
        assertEquals(before, model.statistics().steps(), round + ": the first prompt waits for the second");
        GenerationHandle second = start(model, "What is a delta?", 4);
        ChatResponse a = done(first);
        ChatResponse b = done(second);
        assertEquals(4, a.usage().completionTokens(), "the test needs replies of 4 tokens: " + a);
        assertEquals(4, b.usage().completionTokens(), "the test needs replies of 4 tokens: " + b);
        assertEquals(4, model.statistics().steps() - before,
            round + ": one step for both prompts and their first tokens, then one per token");
      }
    }
  }

  /**
   * After a step that ended one reply, that reply's client coming back alone starts at once, with a
   * sequence free: it is not held for a second prompt.
   */
  @Test
  void aClientComingBackAloneIsNotHeld() throws Exception {
    try (LlamaChatModel model = twoSequences()) {
      GenerationHandle shortReply = start(model, "Where do rivers begin?", 2);
      GenerationHandle longReply = start(model, "What is a delta?", 6);
      ChatResponse a = done(shortReply);
      ChatResponse b = done(longReply);
      assertTrue(b.usage().completionTokens() > a.usage().completionTokens(),
          "the test needs the second reply to end in a later step: " + a + ", " + b);

      long before = model.statistics().steps();
      ChatResponse alone = done(start(model, "Where do rivers begin?", 3)); // held, it would miss the deadline
      assertEquals(alone.usage().completionTokens(), model.statistics().steps() - before, alone.toString());
    }
  }
}
