package dev.parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.cache.CacheKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolValuesTest {
  private static final ToolSpecification WEATHER =
      new ToolSpecification("get_weather", "Weather now.", "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}");
  private static final ToolCall CALL = new ToolCall("call_1", "get_weather", "{\"city\":\"Oslo\"}");

  private static String message(Runnable r) {
    return assertThrows(IllegalArgumentException.class, r::run).getMessage();
  }

  @Test
  void toolNamesFollowOpenAisRule() {
    assertEquals("tool name must be 1 to 64 letters, digits, '_' or '-', was \"get weather\"",
        message(() -> ToolSpecification.of("get weather", "")));
    message(() -> ToolSpecification.of("x".repeat(65), ""));
    message(() -> ToolSpecification.of("", ""));
    assertEquals("parameters must not be blank, was \" \"", message(() -> new ToolSpecification("t", "", " ")));
    assertEquals(ToolSpecification.NO_PARAMETERS, ToolSpecification.of("get-time_2", "").parameters());
  }

  @Test
  void toolChoiceNamesAToolOnlyWhenNamed() {
    assertEquals("a NAMED tool choice needs a tool name", message(() -> new ToolChoice(ToolChoice.Mode.NAMED, null)));
    assertEquals("only a NAMED tool choice has a tool name, this is AUTO", message(() -> new ToolChoice(ToolChoice.Mode.AUTO, "x")));
    assertEquals("get_weather", ToolChoice.tool("get_weather").toolName());
  }

  @Test
  void optionsCheckToolsAgainstTheChoice() {
    assertEquals("toolChoice REQUIRED needs at least one tool, tools is empty",
        message(() -> GenerationOptions.builder().toolChoice(ToolChoice.REQUIRED).build()));
    assertEquals("toolChoice names \"get_time\", which is not one of the tools [get_weather]",
        message(() -> GenerationOptions.builder().tools(WEATHER).toolChoice(ToolChoice.tool("get_time")).build()));
    assertEquals("tools[1] repeats the tool name \"get_weather\"", message(() -> GenerationOptions.builder().tools(WEATHER, WEATHER)));
    List<ToolSpecification> many = new ArrayList<>();
    for (int i = 0; i <= GenerationOptions.MAX_TOOLS; i++) {
      many.add(ToolSpecification.of("t" + i, ""));
    }
    assertEquals("tools may hold at most 128 tools, was 129", message(() -> GenerationOptions.builder().tools(many)));

    GenerationOptions o = GenerationOptions.builder().tools(WEATHER).toolChoice(ToolChoice.REQUIRED)
        .parallelToolCalls(false).responseFormat(ResponseFormat.JSON_OBJECT).build();
    assertEquals(o, o.toBuilder().build());
    assertEquals(o.hashCode(), o.toBuilder().build().hashCode());
    assertEquals(WEATHER, o.tool("get_weather"));
    assertEquals(null, o.tool("get_time"));
    assertNotEquals(o, o.toBuilder().parallelToolCalls(true).build());
    assertEquals(null, o.thinking(), "left to the template by default");
    assertNotEquals(o, o.toBuilder().thinking(false).build());
    assertNotEquals(o.toBuilder().thinking(true).build(), o.toBuilder().thinking(false).build());
    assertEquals(o, o.toBuilder().thinking(true).thinkingAsTheModelDecides().build());
    assertNotEquals(o, o.toBuilder().toolChoice(ToolChoice.AUTO).build());
    assertNotEquals(o, o.toBuilder().responseFormat(ResponseFormat.TEXT).build());
    assertNotEquals(o, o.toBuilder().tools(List.of()).toolChoice(ToolChoice.AUTO).build());
    assertEquals(List.of(), GenerationOptions.defaults().tools());
    assertEquals(ToolChoice.AUTO, GenerationOptions.defaults().toolChoice());
    assertEquals(ResponseFormat.TEXT, GenerationOptions.defaults().responseFormat());
  }

  @Test
  void responseFormatsCarryASchemaOnlyForJsonSchema() {
    assertEquals("only a JSON_SCHEMA format has a name, a schema or strict, this is JSON_OBJECT",
        message(() -> new ResponseFormat(ResponseFormat.Type.JSON_OBJECT, null, "{}", false)));
    assertEquals("schema must not be null",
        assertThrows(NullPointerException.class, () -> ResponseFormat.jsonSchema("n", null, true)).getMessage());
    assertTrue(ResponseFormat.jsonSchema("n", "{}", true).isJson());
    assertFalse(ResponseFormat.TEXT.isJson());
  }

  @Test
  void onlyAssistantsCallToolsAndOnlyToolMessagesAnswerThem() {
    Message asks = Message.assistant(List.of(CALL));
    assertTrue(asks.hasToolCalls());
    assertEquals("", asks.content());
    assertEquals(List.of(CALL), asks.withMetadata("k", "v").withContent("x").withFinishReason(FinishReason.TOOL_CALLS).toolCalls());
    assertEquals("only an assistant message has tool calls, this is a USER message",
        message(() -> Message.user("x").withToolCalls(List.of(CALL))));
    assertEquals("only an assistant message has reasoning, this is a SYSTEM message",
        message(() -> Message.system("x").withReasoning("hm")));
    assertEquals("a TOOL message needs a toolCallId", message(() -> new Message(Role.TOOL, "4 degrees")));
    assertEquals("only a TOOL message has a toolCallId, this is a USER message",
        message(() -> new Message(Role.USER, "x", java.time.Instant.EPOCH, java.util.Map.of(), null, List.of(), "call_1", null)));
    Message result = Message.toolResult("call_1", "4 degrees");
    assertEquals(Role.TOOL, result.role());
    assertEquals("call_1", result.withMetadata("k", "v").toolCallId());
    assertEquals("calls must not be empty", message(() -> Message.assistant(List.<ToolCall>of())));
    assertEquals("hm", Message.assistant("a").withReasoning("hm").withContent("b").reasoning());
  }

  @Test
  void aResponseFinishesWithToolCallsExactlyWhenItHasThem() {
    TokenUsage usage = new TokenUsage(3, 4);
    assertEquals("a reply with tool calls finishes with TOOL_CALLS, was STOP",
        message(() -> new ChatResponse("", FinishReason.STOP, usage, List.of(CALL), null)));
    assertEquals("a reply that finishes with TOOL_CALLS has at least one tool call",
        message(() -> new ChatResponse("", FinishReason.TOOL_CALLS, usage)));
    ChatResponse r = new ChatResponse("", FinishReason.TOOL_CALLS, usage, List.of(CALL), "thinking");
    Message m = r.toMessage();
    assertEquals(List.of(CALL), m.toolCalls());
    assertEquals("thinking", m.reasoning());
  }

  @Test
  void toolCallDeltasOpenWithIdAndName() {
    assertEquals("a tool call's first delta carries both its id and its name, was id=call_1, name=null",
        message(() -> new ToolCallDelta(0, "call_1", null, "")));
    assertTrue(new ToolCallDelta(0, "call_1", "t", "").opensCall());
    assertFalse(new ToolCallDelta(0, null, null, "{").opensCall());
    assertEquals("index must be >= 0, was -1", message(() -> new ToolCallDelta(-1, null, null, "")));
  }

  @Test
  void theCacheKeyTellsApartWhatChangesTheReply() {
    ChatRequest base = ChatRequest.of(Message.user("weather in Oslo?"));
    GenerationOptions tools = GenerationOptions.builder().tools(WEATHER).build();
    List<ChatRequest> distinct = List.of(
        base,
        base.withOptions(tools),
        base.withOptions(tools.toBuilder().toolChoice(ToolChoice.REQUIRED).build()),
        base.withOptions(tools.toBuilder().toolChoice(ToolChoice.tool("get_weather")).build()),
        base.withOptions(tools.toBuilder().parallelToolCalls(false).build()),
        base.withOptions(GenerationOptions.builder().thinking(true).build()),
        base.withOptions(GenerationOptions.builder().thinking(false).build()),
        base.withOptions(GenerationOptions.builder().responseFormat(ResponseFormat.JSON_OBJECT).build()),
        base.withOptions(GenerationOptions.builder().responseFormat(ResponseFormat.jsonSchema("a", "{}", false)).build()),
        base.withOptions(GenerationOptions.builder().responseFormat(ResponseFormat.jsonSchema("a", "{}", true)).build()),
        base.withOptions(GenerationOptions.builder().frequencyPenalty(0.5).build()),
        base.withOptions(GenerationOptions.builder().presencePenalty(0.5).build()),
        base.withOptions(GenerationOptions.builder().logitBias(java.util.Map.of(5, -100)).build()),
        ChatRequest.of(Message.user("weather in Oslo?"), Message.assistant(List.of(CALL)), Message.toolResult("call_1", "4")),
        ChatRequest.of(Message.user("weather in Oslo?"), Message.assistant(List.of(CALL)), Message.toolResult("call_2", "4")),
        ChatRequest.of(Message.user("weather in Oslo?"), Message.assistant("x").withReasoning("r")),
        ChatRequest.of(Message.user("weather in Oslo?"), Message.assistant("x")));
    assertEquals(distinct.size(), distinct.stream().map(r -> CacheKey.of("m", r)).distinct().count(),
        "each of these requests may get another reply, so each needs its own key");
  }
}
