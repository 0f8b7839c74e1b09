package dev.parley.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.parley.chat.GenerationOptions;
import dev.parley.chat.ResponseFormat;
import dev.parley.testing.FakeChatModel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.AdvisorParams;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.test.options.AbstractChatOptionsTests;

/** Spring AI's own tests for an options class, and what the options carry to a Parley model. */
class ParleyChatOptionsTest extends AbstractChatOptionsTests<ParleyChatOptions, ParleyChatOptions.Builder> {

  record Weather(String city, int temperature) {}

  @Override
  protected Class<ParleyChatOptions> getConcreteOptionsClass() {
    return ParleyChatOptions.class;
  }

  @Override
  protected ParleyChatOptions.Builder readyToBuildBuilder() {
    return ParleyChatOptions.builder().temperature(0.5).maxTokens(64).stopSequences(List.of("END")).seed(7L).minP(0.05)
        .repeatPenalty(1.1).thinking(false).outputSchema("{\"type\":\"object\"}");
  }

  @Test
  void parleysOwnOptionsReachTheModelOverTheDefaults() {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("ok");
    ParleySpringChatModel model = ParleySpringChatModel.builder(fake)
        .defaultOptions(ParleyChatOptions.builder().seed(1L).minP(0.1).thinking(true).build()).build();

    model.call(new Prompt("Hi", ParleyChatOptions.builder().seed(42L).repeatPenalty(1.3).build()));

    GenerationOptions o = fake.requests().get(0).options();
    assertEquals(42L, o.seed().getAsLong(), "the prompt's seed over the default");
    assertEquals(0.1, o.minP(), 1e-9, "the default's min-p where the prompt sets none");
    assertEquals(1.3, o.repeatPenalty(), 1e-9);
    assertEquals(Boolean.TRUE, o.thinking());
  }

  @Test
  void aChatClientAskingForNativeStructuredOutputHandsTheEntitysSchemaToTheModel() {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("{\"city\": \"Paris\", \"temperature\": 21}");

    Weather w = ChatClient.create(ParleySpringChatModel.builder(fake).build()).prompt()
        .advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT).user("Weather in Paris?").call().entity(Weather.class);

    assertEquals(new Weather("Paris", 21), w);
    ResponseFormat format = fake.requests().get(0).options().responseFormat();
    assertEquals(ResponseFormat.Type.JSON_SCHEMA, format.type(), "sampled under the schema, not asked for in the prompt");
    assertEquals("Weather in Paris?", fake.requests().get(0).lastMessage().content(), "no format instructions added");
  }
}
