package dev.parley.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.chat.ToolCall;
import dev.parley.testing.FakeChatModel;
import dev.parley.testing.ScriptedReply;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LangChain4j's requests reach a Parley model whole, and its replies come back as LangChain4j's. */
class ParleyChatModelTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aTextReplyComesBackWithUsageFinishReasonAndModelName() {
    FakeChatModel fake = FakeChatModel.builder().id("fake-7b").responder(r -> "Hello there").build();
    ChatResponse r = ParleyChatModel.builder(fake).build().chat(ChatRequest.builder()
        .messages(SystemMessage.from("Be kind."), UserMessage.from("Hi")).build());
    assertEquals("Hello there", r.aiMessage().text());
    assertEquals(FinishReason.STOP, r.finishReason());
    assertEquals("fake-7b", r.metadata().modelName());
    assertTrue(r.tokenUsage().inputTokenCount() > 0 && r.tokenUsage().outputTokenCount() > 0, r.tokenUsage().toString());
    assertEquals(List.of(Role.SYSTEM, Role.USER), fake.requests().get(0).messages().stream().map(Message::role).toList());
  }

  @Test
  void everyParameterReachesTheParleyModel() throws Exception {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("{}");
    ToolSpecification weather = ToolSpecification.builder().name("get_weather").description("Weather in a city.")
        .parameters(JsonObjectSchema.builder().addStringProperty("city").required("city").build()).build();
    ParleyChatModel.builder(fake).build().chat(ChatRequest.builder().messages(UserMessage.from("Weather?"))
        .temperature(0.3).topP(0.9).topK(20).frequencyPenalty(0.5).presencePenalty(-0.5).maxOutputTokens(77)
        .stopSequences(List.of("END")).toolSpecifications(weather).toolChoice(ToolChoice.REQUIRED).build());
    GenerationOptions o = fake.requests().get(0).options();
    assertEquals(0.3, o.temperature(), 1e-9);
    assertEquals(0.9, o.topP(), 1e-9);
    assertEquals(20, o.topK());
    assertEquals(0.5, o.frequencyPenalty(), 1e-9);
    assertEquals(-0.5, o.presencePenalty(), 1e-9);
    assertEquals(77, o.maxTokens());
    assertEquals(List.of("END"), o.stopSequences());
    assertEquals(dev.parley.chat.ToolChoice.REQUIRED, o.toolChoice());
    dev.parley.chat.ToolSpecification tool = o.tools().get(0);
    assertEquals("get_weather", tool.name());
    assertEquals("Weather in a city.", tool.description());
    JsonNode schema = JSON.readTree(tool.parameters());
    assertEquals("object", schema.get("type").asText());
    assertEquals("string", schema.at("/properties/city/type").asText());
    assertEquals("city", schema.at("/required/0").asText());
  }

  @Test
  void aJsonSchemaResponseFormatIsASchemaBoundReply() throws Exception {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("{\"ok\":true}");
    JsonSchema schema = JsonSchema.builder().name("answer")
        .rootElement(JsonObjectSchema.builder().addBooleanProperty("ok").required("ok").build()).build();
    ParleyChatModel.builder(fake).build().chat(ChatRequest.builder().messages(UserMessage.from("Answer."))
        .responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(schema).build()).build());
    dev.parley.chat.ResponseFormat format = fake.requests().get(0).options().responseFormat();
    assertEquals(dev.parley.chat.ResponseFormat.Type.JSON_SCHEMA, format.type());
    assertEquals("answer", format.name());
    assertTrue(format.strict());
    assertEquals("boolean", JSON.readTree(format.schema()).at("/properties/ok/type").asText());
  }

  @Test
  void toolCallsComeBackAsToolExecutionRequestsAndTheirResultsGoBack() {
    FakeChatModel fake = FakeChatModel.builder().script(r -> r.messages().get(r.messages().size() - 1).role() == Role.TOOL
        ? ScriptedReply.text("It is sunny.") : ScriptedReply.toolCalls(new ToolCall("c1", "get_weather", "{\"city\":\"Oslo\"}"))
            .withReasoning("I should look it up.")).build();
    ParleyChatModel model = ParleyChatModel.builder(fake).build();
    ToolSpecification weather = ToolSpecification.builder().name("get_weather").build();
    ChatResponse call = model.chat(ChatRequest.builder().messages(UserMessage.from("Weather in Oslo?"))
        .toolSpecifications(weather).build());
    assertEquals(FinishReason.TOOL_EXECUTION, call.finishReason());
    ToolExecutionRequest request = call.aiMessage().toolExecutionRequests().get(0);
    assertEquals("c1", request.id());
    assertEquals("get_weather", request.name());
    assertEquals("{\"city\":\"Oslo\"}", request.arguments());
    assertNull(call.aiMessage().text());
    assertEquals("I should look it up.", call.aiMessage().thinking());

    ChatResponse answer = model.chat(ChatRequest.builder().messages(UserMessage.from("Weather in Oslo?"), call.aiMessage(),
        ToolExecutionResultMessage.from(request, "sunny")).toolSpecifications(weather).build());
    assertEquals("It is sunny.", answer.aiMessage().text());
    List<Message> sent = fake.requests().get(1).messages();
    assertEquals(List.of(new ToolCall("c1", "get_weather", "{\"city\":\"Oslo\"}")), sent.get(1).toolCalls());
    assertEquals("I should look it up.", sent.get(1).reasoning());
    assertEquals("c1", sent.get(2).toolCallId());
    assertEquals("sunny", sent.get(2).content());
  }

  @Test
  void parleysErrorsBecomeLangChain4jsAndListenersHearThem() {
    FakeChatModel fake = FakeChatModel.builder().failure(() -> new InvalidRequestException("prompt of 9000 tokens does not fit"))
        .build().failNext(1);
    List<String> heard = new ArrayList<>();
    ChatModelListener listener = new ChatModelListener() {
      @Override
      public void onRequest(ChatModelRequestContext c) {
        heard.add("request");
      }

      @Override
      public void onResponse(ChatModelResponseContext c) {
        heard.add("response " + c.chatResponse().aiMessage().text());
      }

      @Override
      public void onError(ChatModelErrorContext c) {
        heard.add("error " + c.error().getClass().getSimpleName());
      }
    };
    ParleyChatModel model = ParleyChatModel.builder(fake).listeners(List.of(listener)).build();
    RuntimeException e = assertThrows(RuntimeException.class, () -> model.chat("Hi"));
    assertInstanceOf(dev.langchain4j.exception.InvalidRequestException.class, e);
    assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    assertEquals(List.of("request", "error InvalidRequestException"), heard);
  }

  @Test
  void contentParleyCannotReadIsRefusedBeforeTheModelIsCalled() {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("x");
    UserMessage image = UserMessage.from(dev.langchain4j.data.message.TextContent.from("Look:"),
        dev.langchain4j.data.message.ImageContent.from("https://example.invalid/cat.png"));
    assertThrows(dev.langchain4j.exception.UnsupportedFeatureException.class,
        () -> ParleyChatModel.builder(fake).build().chat(ChatRequest.builder().messages(image).build()));
    assertEquals(0, fake.requests().size());
  }
}
