package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A conversation's next turn over a long history, with fused attention: when it brings 48 to 64
 * new tokens, the engine computes 65, some of them cached, so that ggml's attention takes its tiled
 * kernel ({@link TiledPrompt}); without fused attention it keeps every cached token. (When a history
 * is too short to pay depends on the model; TiledPromptTest covers that rule.) Runs on the JDK 22+
 * only.
 */
class FfmTiledPromptTest {
  private static final GenerationOptions ONE = GenerationOptions.builder().temperature(0).maxTokens(1).build();
  private static final String LONG = "The tide comes in over the flats at dusk, and the herons leave. ".repeat(45);
  private static final String NEXT = "Tell me where the herons go when the tide is high, and whether they come back.";

  /** The tiny model's {@link TiledPrompt#attentionPerHistoryToken}. */
  private static final double ATTENTION = TiledPrompt.attentionPerHistoryToken(GgufFile.readSkippingArrays(TestModels.tiny()));

  private static LlamaChatModel model(boolean flashAttention) {
    // No priming: the second turn's new tokens are its message and the template around it.
    return LlamaChatModel.builder(TestModels.tiny()).contextSize(1024).slots(1).threads(1)
        .flashAttention(flashAttention).turnPrimingDelay(Duration.ofHours(1)).build();
  }

  /** The cached tokens kept and the tokens computed for the second turn of a conversation on {@code system}. */
  private static long[] secondTurn(LlamaChatModel model, String system) {
    List<Message> first = List.of(Message.system(system), Message.user("Where do the herons go?"));
    model.generate(new ChatRequest(first, ONE, "c"));
    EngineStatistics before = model.statistics();
    List<Message> second = List.of(first.get(0), first.get(1), Message.assistant("To the reeds."), Message.user(NEXT));
    model.generate(new ChatRequest(second, ONE, "c"));
    EngineStatistics after = model.statistics();
    long reused = after.promptTokensReused() - before.promptTokensReused();
    return new long[] {reused, after.promptTokens() - before.promptTokens() - reused};
  }

  @Test
  void aShortTurnOverALongHistoryComputesSixtyFiveTokens() {
    long[] kept;
    try (LlamaChatModel model = model(false)) {
      kept = secondTurn(model, LONG); // without fused attention, every cached token is kept
    }
    assertTrue(kept[0] * ATTENTION >= TiledPrompt.MIN_HISTORY_ATTENTION && kept[1] >= TiledPrompt.MIN_NEW
        && kept[1] < TiledPrompt.EXTENDED, "the premise: a turn of 48 to 64 new tokens over a history long enough, was "
        + kept[1] + " over " + kept[0] + " (" + kept[0] * ATTENTION + ")");
    try (LlamaChatModel model = model(true)) {
      long[] tiled = secondTurn(model, LONG);
      assertEquals(TiledPrompt.EXTENDED, tiled[1], "tokens computed");
      assertEquals(kept[0] + kept[1] - TiledPrompt.EXTENDED, tiled[0], "cached tokens kept");
    }
  }
}
