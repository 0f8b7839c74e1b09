package dev.parley.examples.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.Message;
import dev.parley.chat.ResponseFormat;
import dev.parley.chat.Role;
import dev.parley.chat.ToolCall;
import dev.parley.testing.FakeChatModel;
import dev.parley.testing.ScriptedReply;
import org.junit.jupiter.api.Test;

/**
 * The README's LangChain4j and Spring AI examples, run on a model that calls the weather tool first
 * and answers with what it returned, in the shape the framework asked for.
 */
class FrameworkExamplesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Calls the one tool with the city, then answers from its result: as JSON where the request's format or prompt asks. */
  private static FakeChatModel weatherModel() {
    return FakeChatModel.builder().script(FrameworkExamplesTest::answer).build();
  }

  private static ScriptedReply answer(ChatRequest r) {
    Message last = r.lastMessage();
    if (last.role() != Role.TOOL) {
      String parameter = firstProperty(r.options().tools().get(0).parameters());
      return ScriptedReply.toolCalls(new ToolCall("call_1", r.options().tools().get(0).name(), "{\"" + parameter + "\": \"Paris\"}"));
    }
    return ScriptedReply.text("{\"city\": \"Paris\", \"temperature\": " + last.content().strip() + "}");
  }

  private static String firstProperty(String schema) {
    try {
      return JSON.readTree(schema).path("properties").fieldNames().next();
    } catch (Exception e) {
      throw new AssertionError(schema, e);
    }
  }

  @Test
  void langChain4jsAiServiceCallsTheToolAndAnswersWithARecord() {
    FakeChatModel model = weatherModel();
    assertEquals(new LangChain4jWeather.Forecast("Paris", 21), LangChain4jWeather.ask(model));
    ChatRequest last = model.requests().get(model.requests().size() - 1);
    assertEquals(ResponseFormat.Type.JSON_SCHEMA, last.options().responseFormat().type(),
        "the record's schema reached the model as a response format: " + last.options().responseFormat());
  }

  @Test
  void springAisChatClientCallsTheToolAndAnswersWithAnEntity() {
    FakeChatModel model = weatherModel();
    assertEquals(new SpringAiWeather.Forecast("Paris", 21), SpringAiWeather.ask(model));
    assertEquals(2, model.requests().size(), "a call, then the answer");
    assertTrue(model.requests().get(1).messages().stream().anyMatch(m -> m.role() == Role.TOOL && m.content().strip().equals("21")),
        "the tool's result went back to the model");
    assertEquals(ResponseFormat.Type.JSON_SCHEMA, model.requests().get(1).options().responseFormat().type(),
        "the entity's schema reached the model as a response format");
  }
}
