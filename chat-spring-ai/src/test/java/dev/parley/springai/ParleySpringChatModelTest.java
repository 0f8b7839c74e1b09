package dev.parley.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.chat.ToolCall;
import dev.parley.testing.FakeChatModel;
import dev.parley.testing.ScriptedReply;
import dev.parley.testing.TokenGate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.ToolCallingAdvisor;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.tool.annotation.Tool;
import reactor.core.Disposable;

/** Spring AI's prompts reach a Parley model whole, and its replies come back as Spring AI's. */
class ParleySpringChatModelTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static final class Calculator {
    final List<String> calls = new ArrayList<>();

    @Tool(description = "Adds two integers")
    int add(int a, int b) {
      calls.add(a + "+" + b);
      return a + b;
    }
  }

  record Weather(String city, int temperature) {}

  @Test
  void aCallCarriesItsOptionsAndComesBackWithUsageAndFinishReason() {
    FakeChatModel fake = FakeChatModel.builder().id("fake-3b").responder(r -> "Bonjour").build();
    ParleySpringChatModel model = ParleySpringChatModel.builder(fake)
        .defaultOptions(ChatOptions.builder().temperature(0.2).maxTokens(50).build()).build();
    ChatResponse r = model.call(new Prompt(List.of(new SystemMessage("Be kind."), new UserMessage("Hi")),
        ChatOptions.builder().topP(0.8).topK(12).stopSequences(List.of("END")).build()));
    assertEquals("Bonjour", r.getResult().getOutput().getText());
    assertEquals("STOP", r.getResult().getMetadata().getFinishReason());
    assertEquals("fake-3b", r.getMetadata().getModel());
    assertTrue(r.getMetadata().getUsage().getPromptTokens() > 0 && r.getMetadata().getUsage().getCompletionTokens() > 0);
    GenerationOptions o = fake.requests().get(0).options();
    assertEquals(0.2, o.temperature(), 1e-9, "a default the prompt leaves unset");
    assertEquals(50, o.maxTokens());
    assertEquals(0.8, o.topP(), 1e-9);
    assertEquals(12, o.topK());
    assertEquals(List.of("END"), o.stopSequences());
    assertEquals(List.of(Role.SYSTEM, Role.USER), fake.requests().get(0).messages().stream().map(Message::role).toList());
  }

  @Test
  void aChatClientWithTheToolCallingAdvisorCompletesAToolRoundTrip() {
    FakeChatModel fake = FakeChatModel.builder().script(r -> {
      Message last = r.messages().get(r.messages().size() - 1);
      if (last.role() == Role.TOOL) {
        return ScriptedReply.text("The sum is " + last.content() + ".");
      }
      // The tool's own parameter names, whatever the compiler kept of them.
      Iterator<String> names = properties(r.options().tools().get(0).parameters());
      return ScriptedReply.toolCalls(new ToolCall("call_1", "add",
          "{\"" + names.next() + "\": 2, \"" + names.next() + "\": 3}"));
    }).build();
    Calculator calculator = new Calculator();
    ChatClient chat = ChatClient.builder(ParleySpringChatModel.builder(fake).build())
        .defaultAdvisors(ToolCallingAdvisor.builder().build()).build();

    String answer = chat.prompt().user("What is 2 + 3?").tools(calculator).call().content();

    assertEquals("The sum is 5.", answer);
    assertEquals(List.of("2+3"), calculator.calls);
    assertEquals("add", fake.requests().get(0).options().tools().get(0).name());
    assertEquals(Role.TOOL, fake.requests().get(1).messages().get(fake.requests().get(1).messages().size() - 1).role());
  }

  private static Iterator<String> properties(String schema) {
    try {
      JsonNode node = JSON.readTree(schema);
      List<String> names = new ArrayList<>();
      node.path("properties").fieldNames().forEachRemaining(names::add);
      return names.iterator();
    } catch (Exception e) {
      throw new AssertionError(schema, e);
    }
  }

  @Test
  void anEntityParsesFromTheReply() {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("{\"city\": \"Paris\", \"temperature\": 21}");
    Weather w = ChatClient.create(ParleySpringChatModel.builder(fake).build()).prompt().user("Weather in Paris?")
        .call().entity(Weather.class);
    assertEquals(new Weather("Paris", 21), w);
  }

  @Test
  void aNativeOutputSchemaIsASchemaBoundReply() throws Exception {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("{\"ok\":true}");
    String schema = "{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"}},\"required\":[\"ok\"]}";
    ParleySpringChatModel.builder(fake).build().call(new Prompt("Answer.",
        org.springframework.ai.model.tool.StructuredOutputChatOptions.builder().outputSchema(schema).build()));
    dev.parley.chat.ResponseFormat format = fake.requests().get(0).options().responseFormat();
    assertEquals(dev.parley.chat.ResponseFormat.Type.JSON_SCHEMA, format.type());
    assertEquals(JSON.readTree(schema), JSON.readTree(format.schema()));
  }

  @Test
  void aStreamIsTokenByTokenAndCancellingItCancelsTheGeneration() {
    TokenGate gate = TokenGate.closed();
    FakeChatModel fake = FakeChatModel.builder().responder(r -> "one two three four five six").gate(gate).build();
    ParleySpringChatModel model = ParleySpringChatModel.builder(fake).build();
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    Disposable subscription = model.stream(new Prompt("Count")).subscribe(r -> seen.add(r.getResult().getOutput().getText()));
    gate.release(2);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
    subscription.dispose();
    gate.open();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> fake.activeGenerations() == 0);
    assertEquals(1, fake.cancellations(), "the subscription's cancel reached the model");
    assertEquals(2, seen.size(), seen.toString());
  }

  @Test
  void aStreamedReplyEndsWithItsCallsAndFinishReason() {
    FakeChatModel fake = FakeChatModel.thatReplays(ScriptedReply.toolCalls(new ToolCall("c1", "add", "{\"a\":1,\"b\":2}")));
    List<ChatResponse> all = ParleySpringChatModel.builder(fake).build().stream(new Prompt("Add",
        org.springframework.ai.model.tool.ToolCallingChatOptions.builder().toolCallbacks(
            org.springframework.ai.tool.method.MethodToolCallbackProvider.builder().toolObjects(new Calculator()).build()
                .getToolCallbacks()).build())).collectList().block(Duration.ofSeconds(10));
    ChatResponse last = all.get(all.size() - 1);
    assertEquals("TOOL_CALLS", last.getResult().getMetadata().getFinishReason());
    assertEquals("add", last.getResult().getOutput().getToolCalls().get(0).name());
    assertEquals("{\"a\":1,\"b\":2}", last.getResult().getOutput().getToolCalls().get(0).arguments());
  }
}
