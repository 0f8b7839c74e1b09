package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.chat.StreamHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A model on its own admits as a pool does: requests past its slots wait in a bounded queue, at
 * most {@code maxWait}, and the engine behind never holds more than its slots. Slots are held by
 * the test ({@link HeldStream}), never by the machine's speed.
 */
class LlamaChatModelAdmissionTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static LlamaChatModel model(int maxQueue, Duration maxWait) {
    return LlamaChatModel.builder(TestModels.tiny()).contextSize(512).threads(1).flashAttention(false)
        .maxQueue(maxQueue).maxWait(maxWait).build();
  }

  private static ChatRequest greedy(String prompt, int maxTokens) {
    return new ChatRequest(List.of(Message.user(prompt)),
        GenerationOptions.builder().temperature(0).maxTokens(maxTokens).build());
  }

  private static ChatResponse await(GenerationHandle h) throws Exception {
    return h.completion().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void requestsPastTheSlotsQueueAndPastTheQueueFailFast() throws Exception {
    try (LlamaChatModel model = model(1, WAIT)) {
      HeldStream hold = new HeldStream();
      GenerationHandle running = model.stream(greedy("long story", 4096), hold);
      GenerationHandle queued = model.stream(greedy("waiting", 4), StreamHandler.ignoringTokens());
      PoolExhaustedException e = assertThrows(PoolExhaustedException.class,
          () -> model.stream(greedy("one too many", 4), StreamHandler.ignoringTokens()));
      assertTrue(e.isRetriable());
      PoolStatistics s = model.slotStatistics();
      assertEquals(1, s.slots());
      assertEquals(1, s.busySlots());
      assertEquals(1, s.queued());
      assertEquals(1, s.rejected());

      hold.awaitFirstToken();
      running.cancel();
      hold.release();
      await(running);
      assertEquals(4, await(queued).usage().completionTokens(), "the queued request runs once the slot is free");
      assertEquals(2, model.slotStatistics().started());
      assertEquals(0, model.slotStatistics().busySlots());
    }
  }

  @Test
  void aRequestWaitingLongerThanMaxWaitFails() throws Exception {
    try (LlamaChatModel model = model(8, Duration.ofMillis(200))) {
      HeldStream hold = new HeldStream();
      GenerationHandle running = model.stream(greedy("long story", 4096), hold);
      GenerationHandle queued = model.stream(greedy("waiting", 4), StreamHandler.ignoringTokens());
      ExecutionException e = assertThrows(ExecutionException.class, () -> await(queued));
      assertInstanceOf(PoolExhaustedException.class, e.getCause());
      running.cancel();
      hold.release();
      await(running);
    }
  }

  @Test
  void aBadRequestFailsAtOnceWithoutTakingASlot() {
    try (LlamaChatModel model = LlamaChatModel.builder(TestModels.tiny()).contextSize(64).threads(1).build()) {
      assertThrows(InvalidRequestException.class,
          () -> model.stream(greedy("too long ".repeat(100), 4), StreamHandler.ignoringTokens()));
      assertEquals(0, model.slotStatistics().started());
      assertEquals(0, model.slotStatistics().busySlots());
    }
  }

  @Test
  void closeFailsWhatWaits() throws Exception {
    LlamaChatModel model = model(8, WAIT);
    HeldStream hold = new HeldStream();
    GenerationHandle running = model.stream(greedy("long story", 4096), hold);
    GenerationHandle queued = model.stream(greedy("waiting", 4), StreamHandler.ignoringTokens());
    hold.awaitFirstToken();
    Thread closer = new Thread(model::close, "closer");
    closer.start();
    hold.release();
    closer.join(TimeUnit.MINUTES.toMillis(1));
    assertEquals(false, closer.isAlive(), "close returned");
    await(running);
    assertThrows(ExecutionException.class, () -> queued.completion().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertEquals(false, model.slotStatistics().loaded());
  }
}
