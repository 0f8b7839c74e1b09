package dev.parley.springai;

import static org.springframework.ai.chat.observation.ChatModelObservationDocumentation.HighCardinalityKeyNames.REQUEST_MAX_TOKENS;
import static org.springframework.ai.chat.observation.ChatModelObservationDocumentation.HighCardinalityKeyNames.REQUEST_STOP_SEQUENCES;
import static org.springframework.ai.chat.observation.ChatModelObservationDocumentation.HighCardinalityKeyNames.REQUEST_TEMPERATURE;
import static org.springframework.ai.chat.observation.ChatModelObservationDocumentation.HighCardinalityKeyNames.RESPONSE_FINISH_REASONS;
import static org.springframework.ai.chat.observation.ChatModelObservationDocumentation.HighCardinalityKeyNames.RESPONSE_ID;
import static org.springframework.ai.chat.observation.ChatModelObservationDocumentation.HighCardinalityKeyNames.USAGE_INPUT_TOKENS;
import static org.springframework.ai.chat.observation.ChatModelObservationDocumentation.HighCardinalityKeyNames.USAGE_OUTPUT_TOKENS;
import static org.springframework.ai.chat.observation.ChatModelObservationDocumentation.HighCardinalityKeyNames.USAGE_TOTAL_TOKENS;
import static org.springframework.ai.chat.observation.ChatModelObservationDocumentation.LowCardinalityKeyNames.AI_OPERATION_TYPE;
import static org.springframework.ai.chat.observation.ChatModelObservationDocumentation.LowCardinalityKeyNames.AI_PROVIDER;
import static org.springframework.ai.chat.observation.ChatModelObservationDocumentation.LowCardinalityKeyNames.REQUEST_MODEL;
import static org.springframework.ai.chat.observation.ChatModelObservationDocumentation.LowCardinalityKeyNames.RESPONSE_MODEL;

import dev.parley.chat.ModelUnavailableException;
import dev.parley.testing.FakeChatModel;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.observation.DefaultChatModelObservationConvention;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;

/** Observations carry what Spring AI's own models' observation tests check. */
class ObservationTest {
  private final TestObservationRegistry registry = TestObservationRegistry.create();
  private final FakeChatModel fake = FakeChatModel.builder().id("fake-7b").responder(r -> "one two three four").build();
  private final ParleySpringChatModel model = ParleySpringChatModel.builder(fake)
      .defaultOptions(ChatOptions.builder().temperature(0.7).build())
      .observationRegistry(registry).build();
  private final Prompt prompt = new Prompt("Count", ChatOptions.builder().maxTokens(3).stopSequences(List.of("END")).build());

  @Test
  void aCallIsObservedWithItsOptionsUsageAndFinishReason() {
    ChatResponse response = model.call(prompt);

    assertObserved(response.getMetadata(), "[\"LENGTH\"]");
  }

  @Test
  void aStreamIsObservedOnceWithTheAggregatedResponse() {
    List<ChatResponse> chunks = model.stream(prompt).collectList().block();

    ChatResponseMetadata last = chunks.get(chunks.size() - 1).getMetadata();
    // The observation stops after the subscriber has the last response (Spring AI's models stop it
    // in doFinally, once the aggregator has the whole reply), so it is awaited, not raced.
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertObserved(last, "[\"LENGTH\"]"));
  }

  @Test
  void aFailedCallIsAnObservationWithItsError() {
    fake.failNext(1);
    try {
      model.call(prompt);
    } catch (ModelUnavailableException expected) {
      // observed below
    }

    TestObservationRegistryAssert.assertThat(registry)
        .doesNotHaveAnyRemainingCurrentObservation()
        .hasObservationWithNameEqualTo(DefaultChatModelObservationConvention.DEFAULT_NAME)
        .that()
        .hasError()
        .hasBeenStopped();
  }

  private void assertObserved(ChatResponseMetadata metadata, String finishReasons) {
    TestObservationRegistryAssert.assertThat(registry)
        .doesNotHaveAnyRemainingCurrentObservation()
        .hasObservationWithNameEqualTo(DefaultChatModelObservationConvention.DEFAULT_NAME)
        .that()
        .hasContextualNameEqualTo("chat fake-7b")
        .hasLowCardinalityKeyValue(AI_OPERATION_TYPE.asString(), "chat")
        .hasLowCardinalityKeyValue(AI_PROVIDER.asString(), ParleySpringChatModel.PROVIDER)
        .hasLowCardinalityKeyValue(REQUEST_MODEL.asString(), "fake-7b")
        .hasLowCardinalityKeyValue(RESPONSE_MODEL.asString(), "fake-7b")
        .hasHighCardinalityKeyValue(REQUEST_MAX_TOKENS.asString(), "3")
        .hasHighCardinalityKeyValue(REQUEST_TEMPERATURE.asString(), "0.7")
        .hasHighCardinalityKeyValue(REQUEST_STOP_SEQUENCES.asString(), "[\"END\"]")
        .hasHighCardinalityKeyValue(RESPONSE_ID.asString(), metadata.getId())
        .hasHighCardinalityKeyValue(RESPONSE_FINISH_REASONS.asString(), finishReasons)
        .hasHighCardinalityKeyValue(USAGE_INPUT_TOKENS.asString(), String.valueOf(metadata.getUsage().getPromptTokens()))
        .hasHighCardinalityKeyValue(USAGE_OUTPUT_TOKENS.asString(), "3")
        .hasHighCardinalityKeyValue(USAGE_TOTAL_TOKENS.asString(), String.valueOf(metadata.getUsage().getTotalTokens()))
        .hasBeenStarted()
        .hasBeenStopped();
  }
}
