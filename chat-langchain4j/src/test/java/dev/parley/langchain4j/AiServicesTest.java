package dev.parley.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.service.AiServices;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.Message;
import dev.parley.chat.ResponseFormat;
import dev.parley.chat.Role;
import dev.parley.chat.ToolCall;
import dev.parley.testing.FakeChatModel;
import dev.parley.testing.ScriptedReply;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LangChain4j's AI services, the way most of its users call a model, on a Parley model. */
class AiServicesTest {

  interface Assistant {
    String chat(String message);
  }

  static final class Calculator {
    final List<String> calls = new ArrayList<>();

    @Tool("Adds two integers")
    int add(int a, int b) {
      calls.add(a + "+" + b);
      return a + b;
    }
  }

  record Weather(String city, int temperature) {}

  interface Forecaster {
    Weather forecast(String city);
  }

  @Test
  void aToolMethodIsCalledWithTheModelsArgumentsAndItsResultAnswered() {
    FakeChatModel fake = FakeChatModel.builder().script(r -> {
      Message last = r.messages().get(r.messages().size() - 1);
      return last.role() == Role.TOOL ? ScriptedReply.text("The sum is " + last.content() + ".")
          : ScriptedReply.toolCalls(new ToolCall("call_1", "add", "{\"arg0\": 2, \"arg1\": 3}"));
    }).build();
    Calculator calculator = new Calculator();
    Assistant assistant = AiServices.builder(Assistant.class).chatModel(ParleyChatModel.builder(fake).build())
        .tools(calculator).build();

    assertEquals("The sum is 5.", assistant.chat("What is 2 + 3?"));
    assertEquals(List.of("2+3"), calculator.calls);
    ChatRequest first = fake.requests().get(0);
    assertEquals("add", first.options().tools().get(0).name());
    assertTrue(first.options().tools().get(0).parameters().contains("\"arg0\""), first.options().tools().get(0).parameters());
  }

  @Test
  void aRecordTypedAnswerIsAskedForWithItsSchemaAndParsed() throws Exception {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("{\"city\": \"Paris\", \"temperature\": 21}");
    Forecaster forecaster = AiServices.create(Forecaster.class, ParleyChatModel.builder(fake).build());

    assertEquals(new Weather("Paris", 21), forecaster.forecast("Paris"));
    ResponseFormat format = fake.requests().get(0).options().responseFormat();
    assertEquals(ResponseFormat.Type.JSON_SCHEMA, format.type());
    var schema = new ObjectMapper().readTree(format.schema());
    assertEquals("string", schema.at("/properties/city/type").asText(), format.schema());
    assertEquals("integer", schema.at("/properties/temperature/type").asText(), format.schema());
  }
}
