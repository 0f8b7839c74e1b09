package dev.parley.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.service.AiServices;
import dev.parley.chat.ChatModel;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.Role;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolChoice;
import dev.parley.llama.LlamaChatModel;
import dev.parley.llama.ModelFamilies;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LangChain4j's AI services on today's model families (random-weight qwen3, qwen3moe, gemma3 and llama
 * models with their real tokenizers and chat templates), on the FFM engine: a {@code @Tool} method is
 * called, its result goes back, a record-typed answer parses, and a cancelled stream frees its sequence.
 * A random model calls a tool only when made to, so the user's turn is sampled under a required tool
 * choice (a grammar of calls); the answer after the tool's result is sampled under the record's schema.
 */
class FamiliesIT {
  @TempDir
  static Path folder;

  enum Sky { SUNNY, CLOUDY, RAINY }

  /** No free text or unbounded number: a random model's answer fits in a few tokens and always parses (its fields may be left out). */
  record Forecast(Sky sky, boolean windy) {}

  interface Assistant {
    Forecast forecast(String question);
  }

  static class Weather {
    final AtomicInteger calls = new AtomicInteger();

    @Tool("Today's sky in a city")
    String sky(Sky expected) {
      calls.incrementAndGet();
      return "SUNNY";
    }
  }

  @BeforeAll
  static void ffmOnly() {
    boolean ffm = Runtime.version().feature() >= 22;
    if ("true".equals(System.getenv("CI"))) {
      assertTrue(ffm, "today's families load on the FFM engine: run this on JDK 22+ (-Dparley.jdk22.home)");
    }
    assumeTrue(ffm, "today's families load on the FFM engine, JDK 22+");
  }

  @ParameterizedTest
  @ValueSource(strings = {"qwen3", "qwen3moe", "gemma3", "llama"})
  void anAiServiceCallsItsToolAndAnswersWithARecord(String family) {
    try (LlamaChatModel llama = load(family)) {
      Weather weather = new Weather();
      Assistant assistant = AiServices.builder(Assistant.class)
          .chatModel(ParleyChatModel.builder(callingOnTheUsersTurn(llama)).build())
          .tools(weather)
          .build();

      Forecast forecast = assistant.forecast("Will it be sunny in Paris?");

      // After the result the reply is free to call again (a random model may) or answer; it answered.
      assertTrue(weather.calls.get() >= 1, family + ": the tool was called");
      assertNotNull(forecast, family + ": the answer parsed as the record");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"qwen3", "gemma3"})
  void aCancelledStreamFreesTheSequence(String family) throws Exception {
    try (LlamaChatModel llama = load(family)) {
      LlamaModelTest.assertACancelledStreamFreesItsSlot(llama);
    }
  }

  private static LlamaChatModel load(String family) {
    return LlamaChatModel.builder(ModelFamilies.write(family, folder))
        .contextSize(1024).slots(1).threads(1).build();
  }

  /** The model, with the user's turn sampled under a required tool choice wherever tools are offered. */
  private static ChatModel callingOnTheUsersTurn(ChatModel model) {
    return new ChatModel() {
      @Override
      public String id() {
        return model.id();
      }

      @Override
      public GenerationHandle stream(dev.parley.chat.ChatRequest request, StreamHandler handler) {
        boolean usersTurn = request.lastMessage().role() == Role.USER && !request.options().tools().isEmpty();
        return model.stream(usersTurn ? request.withOptions(request.options().toBuilder()
            .toolChoice(ToolChoice.REQUIRED).maxTokens(96).build()) : request, handler);
      }
    };
  }
}
