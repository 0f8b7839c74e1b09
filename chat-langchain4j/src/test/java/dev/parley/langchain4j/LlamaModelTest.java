package dev.parley.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.output.FinishReason;
import dev.parley.llama.LlamaChatModel;
import dev.parley.llama.TestModels;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The adapter over a real llama model (the tiny random-weight one): calls under a grammar, cancels that free a slot. */
class LlamaModelTest {
  private static LlamaChatModel llama;

  @BeforeAll
  static void load() {
    llama = LlamaChatModel.builder(TestModels.tiny()).contextSize(512).slots(2).threads(1).build();
  }

  @AfterAll
  static void close() {
    llama.close();
  }

  @Test
  void aRequiredToolCallComesBackWithArgumentsThatFitItsSchema() throws Exception {
    ToolSpecification weather = ToolSpecification.builder().name("get_weather").description("Weather in a city.")
        .parameters(JsonObjectSchema.builder().addEnumProperty("city", List.of("Paris", "Lyon", "Nice")).required("city")
            .additionalProperties(false).build()).build();
    ChatResponse r = ParleyChatModel.builder(llama).build().chat(ChatRequest.builder()
        .messages(UserMessage.from("Weather in Paris?")).toolSpecifications(weather).toolChoice(ToolChoice.REQUIRED)
        .maxOutputTokens(96).build());
    assertEquals(FinishReason.TOOL_EXECUTION, r.finishReason(), r.toString());
    ToolExecutionRequest call = r.aiMessage().toolExecutionRequests().get(0);
    assertEquals("get_weather", call.name());
    JsonNode args = new ObjectMapper().readTree(call.arguments());
    assertTrue(List.of("Paris", "Lyon", "Nice").contains(args.get("city").asText()) && args.size() == 1, call.arguments());
  }

  @Test
  void aCancelledStreamFreesTheEnginesSlot() throws Exception {
    assertACancelledStreamFreesItsSlot(llama);
  }

  /** A stream held at its first token, cancelled there: its slot (sequence) is free again. */
  static void assertACancelledStreamFreesItsSlot(LlamaChatModel llama) throws InterruptedException {
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // Held at its first token until the test lets it go: the reply keeps its slot on any machine.
    ParleyStreamingChatModelTest.Recorder r = new ParleyStreamingChatModelTest.Recorder() {
      @Override
      public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
        super.onPartialResponse(partial, context);
        first.countDown();
        try {
          release.await(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    ParleyChatModel.builder(llama).buildStreaming().chat(ChatRequest.builder().messages(UserMessage.from("Tell me a story."))
        .maxOutputTokens(400).build(), r);
    assertTrue(first.await(60, TimeUnit.SECONDS), llama.id() + ": no first token");
    assertEquals(1, llama.slotStatistics().busySlots(), "the reply holds a slot while it streams");
    r.context.streamingHandle().cancel();
    release.countDown();
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> llama.slotStatistics().busySlots() == 0);
    assertEquals(1, r.events().size(), "nothing reaches the handler after its cancel: " + r.events());
    assertTrue(!r.done.isDone());
  }
}
