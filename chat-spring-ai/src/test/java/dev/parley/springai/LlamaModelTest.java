package dev.parley.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.llama.LlamaChatModel;
import dev.parley.llama.TestModels;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.chat.client.AdvisorParams;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import reactor.core.Disposable;

/** The adapter over a real llama model (the tiny random-weight one): schema-bound entities, cancels that free a slot. */
class LlamaModelTest {
  private static LlamaChatModel llama;

  enum Sky { SUNNY, CLOUDY, RAINY }

  /** No free text or unbounded number: a random model's reply fits in a few tokens and always parses. */
  record Forecast(Sky sky, boolean windy) {}

  @BeforeAll
  static void load() {
    llama = LlamaChatModel.builder(TestModels.tiny()).contextSize(512).slots(2).threads(1).build();
  }

  @AfterAll
  static void close() {
    llama.close();
  }

  @Test
  void aChatClientsNativeStructuredOutputGivesAnEntityEvenFromARandomModel() {
    Forecast forecast = ChatClient.create(ParleySpringChatModel.builder(llama).build()).prompt()
        .advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT)
        .options(ParleyChatOptions.builder().temperature(0.0).maxTokens(200))
        .user("Weather in Paris?").call().entity(Forecast.class);
    assertTrue(forecast != null, "the schema-bound reply parsed");
  }

  @Test
  void aCancelledFluxFreesTheEnginesSlot() throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger seen = new AtomicInteger();
    // Held at its first token until the test lets it go: the reply keeps its slot on any machine.
    Disposable subscription = ParleySpringChatModel.builder(llama).build()
        .stream(new Prompt("Tell me a story.", StructuredOutputChatOptions.builder().temperature(0.0).maxTokens(400).build()))
        .subscribe(r -> {
          seen.incrementAndGet();
          first.countDown();
          try {
            release.await(2, TimeUnit.MINUTES);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    assertTrue(first.await(60, TimeUnit.SECONDS), "no first token");
    assertEquals(1, llama.slotStatistics().busySlots(), "the reply holds a slot while it streams");
    subscription.dispose();
    release.countDown();
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> llama.slotStatistics().busySlots() == 0);
    assertEquals(1, seen.get(), "nothing reaches the subscriber after its cancel");
  }
}
