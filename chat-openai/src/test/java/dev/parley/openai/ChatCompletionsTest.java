package dev.parley.openai;

import dev.parley.chat.ToolSpecification;
import dev.parley.chat.ToolChoice;
import dev.parley.chat.ToolCallDelta;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ResponseFormat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.chat.TokenUsage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatCompletionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ChatCompletions API = ChatCompletions.builder("m").maxReplyTokens(64)
      .clock(Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC)).build();

  private static String body(String fields) {
    return "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + (fields.isEmpty() ? "" : "," + fields) + "}";
  }

  @Test
  void readsMessagesOptionsAndStreamFlags() {
    ChatCompletionRequest r = API.parse("{\"model\":\"m\",\"user\":\"u1\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"messages\":[{\"role\":\"developer\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\","
        + "\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]},{\"role\":\"Assistant\",\"content\":\"c\"}],"
        + "\"max_tokens\":10,\"temperature\":0.5,\"top_p\":0.9,\"seed\":-7,\"stop\":[\"x\",\"y\"],\"n\":1}");
    assertEquals(List.of(Role.SYSTEM, Role.USER, Role.ASSISTANT), r.messages().stream().map(Message::role).toList());
    assertEquals(List.of("be brief", "ab", "c"), r.messages().stream().map(Message::content).toList());
    GenerationOptions o = r.options();
    assertEquals(10, o.maxTokens());
    assertEquals(0.5, o.temperature());
    assertEquals(0.9, o.topP());
    assertEquals(-7, o.seed().orElseThrow());
    assertEquals(List.of("x", "y"), o.stopSequences());
    assertTrue(r.stream());
    assertTrue(r.includeUsage());
    assertEquals("m", r.model());
    assertEquals("u1", r.user());

    ChatCompletionRequest plain = API.parse(body("\"stream_options\":{\"include_usage\":true}"));
    assertFalse(plain.stream());
    assertFalse(plain.includeUsage(), "usage chunks exist only in streams");
    assertEquals(64, plain.options().maxTokens(), "the defaults are capped by maxReplyTokens");
    assertEquals(20, ChatCompletions.builder("m").maxReplyTokens(64)
        .defaults(GenerationOptions.builder().maxTokens(20).build()).build().parse(body("")).options().maxTokens());
  }

  @Test
  void everyBadFieldIsA400NamingTheField() {
    Map<String, String[]> cases = new LinkedHashMap<>();
    cases.put(body("\"max_tokens\":65"), new String[] {"max_tokens", "must be at most 64"});
    cases.put(body("\"max_completion_tokens\":1000000"), new String[] {"max_completion_tokens", "must be at most 64"});
    cases.put(body("\"max_tokens\":9223372036854775808"), new String[] {"max_tokens", "was 9223372036854775808"});
    cases.put(body("\"max_tokens\":0"), new String[] {"max_tokens", "between 1"});
    cases.put(body("\"max_tokens\":1.5"), new String[] {"max_tokens", "must be an integer"});
    cases.put(body("\"seed\":99999999999999999999"), new String[] {"seed", "was 99999999999999999999"});
    cases.put(body("\"temperature\":3"), new String[] {"temperature", "between 0.0 and 2.0"});
    cases.put(body("\"temperature\":\"hot\""), new String[] {"temperature", "must be a number, was a string"});
    cases.put(body("\"top_p\":0"), new String[] {"top_p", "greater than 0"});
    cases.put(body("\"n\":3"), new String[] {"n", "'n' must be 1"});
    cases.put(body("\"stop\":\"\""), new String[] {"stop", "empty string"});
    cases.put(body("\"stop\":[\"a\",\"\"]"), new String[] {"stop", "empty string"});
    cases.put(body("\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]"), new String[] {"stop", "at most 4"});
    cases.put(body("\"stop\":[1]"), new String[] {"stop", "strings only"});
    cases.put(body("\"stream\":\"yes\""), new String[] {"stream", "true or false"});
    cases.put(body("\"stream_options\":1"), new String[] {"stream_options", "must be an object"});
    cases.put(body("\"functions\":[{\"name\":\"f\"}]"), new String[] {"functions", "deprecated"});
    cases.put(body("\"tools\":{}"), new String[] {"tools", "must be an array"});
    cases.put(body("\"tools\":[{\"type\":\"retrieval\"}]"), new String[] {"tools[0].type", "must be \"function\""});
    cases.put(body("\"tools\":[{\"type\":\"function\"}]"), new String[] {"tools[0].function", "must be an object"});
    cases.put(body("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get weather\"}}]"),
        new String[] {"tools[0].function.name", "1 to 64 letters"});
    cases.put(body("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":\"{}\"}}]"),
        new String[] {"tools[0].function.parameters", "JSON Schema object"});
    cases.put(body("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}},{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]"),
        new String[] {"tools", "repeats the tool name \"f\""});
    cases.put(body("\"tool_choice\":\"always\""), new String[] {"tool_choice", "\"none\", \"auto\", \"required\""});
    cases.put(body("\"tool_choice\":\"required\""), new String[] {"tool_choice", "needs at least one tool"});
    cases.put(body("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":{\"type\":\"function\","
        + "\"function\":{\"name\":\"g\"}}"), new String[] {"tool_choice", "names \"g\", which is not one of the tools [f]"});
    cases.put("{\"messages\":[{\"role\":\"tool\",\"content\":\"4\"}]}", new String[] {"messages[0].tool_call_id", "is required"});
    cases.put("{\"messages\":[{\"role\":\"tool\",\"content\":\"4\",\"tool_call_id\":\" \"}]}",
        new String[] {"messages[0].tool_call_id", "must not be blank"});
    cases.put("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\"}]}]}",
        new String[] {"messages[0].tool_calls[0]", "must be {\"id\""});
    cases.put("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}]}",
        new String[] {"messages[0].tool_calls[0].function.arguments", "is required"});
    cases.put("{\"messages\":[{\"role\":\"assistant\"}]}", new String[] {"messages[0].content", "is required"});
    cases.put(body("\"parallel_tool_calls\":\"no\""), new String[] {"parallel_tool_calls", "true or false"});
    cases.put(body("\"response_format\":{\"type\":\"xml\"}"), new String[] {"response_format.type", "\"json_schema\", was \"xml\""});
    cases.put(body("\"response_format\":\"json\""), new String[] {"response_format", "must be an object"});
    cases.put(body("\"response_format\":{\"type\":\"json_schema\"}"), new String[] {"response_format.json_schema", "must be an object"});
    cases.put(body("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":{}}}"),
        new String[] {"response_format.json_schema.name", "is required"});
    cases.put(body("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a\",\"schema\":[]}}"),
        new String[] {"response_format.json_schema.schema", "JSON Schema object"});
    cases.put(body("\"logprobs\":true"), new String[] {"logprobs", "not supported"});
    cases.put(body("\"top_logprobs\":2"), new String[] {"top_logprobs", "not supported"});
    cases.put(body("\"modalities\":[\"text\",\"audio\"]"), new String[] {"modalities", "only \"text\""});
    cases.put(body("\"modalities\":\"text\""), new String[] {"modalities", "must be an array"});
    cases.put(body("\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}"), new String[] {"audio", "not supported"});
    cases.put(body("\"prediction\":{\"type\":\"content\",\"content\":\"x\"}"), new String[] {"prediction", "not supported"});
    cases.put(body("\"presence_penalty\":2.5"), new String[] {"presence_penalty", "between -2.0 and 2.0"});
    cases.put(body("\"frequency_penalty\":1e6"), new String[] {"frequency_penalty", "between -2.0 and 2.0"});
    cases.put(body("\"logit_bias\":[1]"), new String[] {"logit_bias", "must be an object"});
    cases.put(body("\"logit_bias\":{\"abc\":1}"), new String[] {"logit_bias", "token ids as keys"});
    cases.put(body("\"logit_bias\":{\"-1\":1}"), new String[] {"logit_bias", "token ids as keys"});
    cases.put(body("\"logit_bias\":{\"7\":101}"), new String[] {"logit_bias", "token 7 to a number from -100 to 100"});
    cases.put(body("\"logit_bias\":{\"7\":\"ban\"}"), new String[] {"logit_bias", "token 7 to a number"});
    cases.put("{\"model\":\"m\"}", new String[] {"messages", "is required"});
    cases.put("{\"messages\":[]}", new String[] {"messages", "non-empty array, was an array (empty)"});
    cases.put("{\"messages\":[\"hi\"]}", new String[] {"messages[0]", "must be an object, was a string"});
    cases.put("{\"messages\":[{\"content\":\"hi\"}]}", new String[] {"messages[0].role", "is required"});
    cases.put("{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}", new String[] {"messages[0].role", "was 'wizard'"});
    cases.put("{\"messages\":[{\"role\":\"user\"}]}", new String[] {"messages[0].content", "is required"});
    cases.put("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}",
        new String[] {"messages[0].content", "only text"});
    for (Map.Entry<String, String[]> c : cases.entrySet()) {
      OpenAiError e = assertThrows(OpenAiError.class, () -> API.parse(c.getKey()), c.getKey());
      assertEquals(400, e.status(), c.getKey());
      assertEquals(c.getValue()[0], e.param(), c.getKey() + ": " + e.getMessage());
      assertTrue(e.getMessage().contains(c.getValue()[1]), c.getKey() + ": " + e.getMessage());
      assertEquals("invalid_request_error", e.type());
    }
  }

  @Test
  void penaltiesAndLogitBiasReachTheOptions() {
    GenerationOptions o = API.parse(body("\"presence_penalty\":1.5,\"frequency_penalty\":-0.5,"
        + "\"logit_bias\":{\"3\":-100,\"42\":12.5},\"modalities\":[\"text\"],\"audio\":null")).options();
    assertEquals(1.5, o.presencePenalty());
    assertEquals(-0.5, o.frequencyPenalty());
    assertEquals(Map.of(3, -100f, 42, 12.5f), o.logitBias());
    assertEquals(Map.of(), API.parse(body("")).options().logitBias());
  }

  @Test
  void enableThinkingReachesTheOptionsAndOtherTemplateArgumentsAreRefused() {
    assertEquals(false, API.parse(body("\"chat_template_kwargs\":{\"enable_thinking\":false}")).options().thinking());
    assertEquals(true, API.parse(body("\"chat_template_kwargs\":{\"enable_thinking\":true}")).options().thinking());
    assertEquals(null, API.parse(body("")).options().thinking());
    OpenAiError other = assertThrows(OpenAiError.class, () -> API.parse(body("\"chat_template_kwargs\":{\"tools_in_user_message\":true}")));
    assertTrue(other.getMessage().contains("'chat_template_kwargs.tools_in_user_message' is not supported"), other.getMessage());
    OpenAiError wrong = assertThrows(OpenAiError.class, () -> API.parse(body("\"chat_template_kwargs\":{\"enable_thinking\":\"no\"}")));
    assertTrue(wrong.getMessage().contains("'chat_template_kwargs.enable_thinking' must be true or false"), wrong.getMessage());
  }

  /** A gateway that reads the first of two equal keys would see another request than the server. */
  @Test
  void aFieldGivenTwiceIsRefused() {
    OpenAiError e = assertThrows(OpenAiError.class,
        () -> API.parse(body("\"max_tokens\":1000000,\"max_tokens\":4")));
    assertEquals("invalid_json", e.code());
    assertTrue(e.getMessage().contains("field 'max_tokens' appears more than once"), e.getMessage());
    OpenAiError nested = assertThrows(OpenAiError.class,
        () -> API.parse("{\"messages\":[{\"role\":\"user\",\"role\":\"system\",\"content\":\"hi\"}]}"));
    assertTrue(nested.getMessage().contains("field 'role' appears more than once"), nested.getMessage());
  }

  /** What the parser says about its own configuration never reaches the client. */
  @Test
  void errorsNameTheBodyNotTheParser() {
    for (String b : List.of(body("\"temperature\":NaN"), body("\"top_p\":.5"), "{'messages':[]}",
        "{\"a\":" + "[".repeat(StrictJson.MAX_DEPTH + 5) + "]".repeat(StrictJson.MAX_DEPTH + 5) + "}", "{\"a\":1 /* c */}")) {
      OpenAiError e = assertThrows(OpenAiError.class, () -> API.parse(b), b);
      for (String internal : List.of("JsonReadFeature", "StreamReadConstraints", "enable", "Feature", "`", "getMax")) {
        assertFalse(e.getMessage().contains(internal), b + ": " + e.getMessage());
      }
      assertTrue(e.getMessage().startsWith("the body"), e.getMessage());
    }
    OpenAiError deep = assertThrows(OpenAiError.class,
        () -> API.parse("{\"a\":" + "[".repeat(StrictJson.MAX_DEPTH + 5) + "]".repeat(StrictJson.MAX_DEPTH + 5) + "}"));
    assertTrue(deep.getMessage().contains("nests deeper than 32 levels"), deep.getMessage());
  }

  @Test
  void malformedBodiesAre400sWithNoFieldNamed() throws Exception {
    List<String> bad = new ArrayList<>(List.of("", "  ", "[]", "\"text\"", "{\"messages\":", body("") + " trailing",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} {}"));
    bad.add("{\"a\":" + "[".repeat(StrictJson.MAX_DEPTH + 5) + "]".repeat(StrictJson.MAX_DEPTH + 5) + "}");
    for (String b : bad) {
      OpenAiError e = assertThrows(OpenAiError.class, () -> API.parse(b), b);
      assertEquals("invalid_json", e.code(), b + ": " + e.getMessage());
      assertNull(e.param());
      JsonNode json = JSON.readTree(e.toJson());
      assertEquals("invalid_json", json.at("/error/code").asText());
      assertEquals(e.getMessage(), json.at("/error/message").asText());
      assertFalse(e.toJson().contains("Exception"), e.toJson());
    }
  }

  @Test
  void theUserTextCheckSeesUserMessagesOnlyAndMayRefuse() {
    List<String> seen = new ArrayList<>();
    ChatCompletions api = ChatCompletions.builder("m").userText(t -> {
      seen.add(t);
      if (t.contains("forbidden")) {
        throw OpenAiError.invalidRequest("message_rejected", null, "refused");
      }
      return t.strip();
    }).build();
    ChatCompletionRequest r = api.parse("{\"messages\":[{\"role\":\"system\",\"content\":\" s \"},"
        + "{\"role\":\"user\",\"content\":\" u \"},{\"role\":\"assistant\",\"content\":\" a \"}]}");
    assertEquals(List.of(" s ", "u", " a "), r.messages().stream().map(Message::content).toList());
    assertEquals(List.of(" u "), seen);
    OpenAiError e = assertThrows(OpenAiError.class,
        () -> api.parse("{\"messages\":[{\"role\":\"user\",\"content\":\"forbidden\"}]}"));
    assertEquals("message_rejected", e.code());
  }

  @Test
  void aWholeReplyInOpenAisShape() throws Exception {
    JsonNode c = JSON.readTree(API.completion(new ChatResponse("hello", FinishReason.LENGTH, new TokenUsage(7, 3))));
    assertTrue(c.get("id").asText().startsWith("chatcmpl-"));
    assertEquals("chat.completion", c.get("object").asText());
    assertEquals(1_700_000_000, c.get("created").asLong());
    assertEquals("m", c.get("model").asText());
    assertEquals("assistant", c.at("/choices/0/message/role").asText());
    assertEquals("hello", c.at("/choices/0/message/content").asText());
    assertEquals("length", c.at("/choices/0/finish_reason").asText());
    assertEquals(10, c.at("/usage/total_tokens").asInt());
    assertEquals("stop", JSON.readTree(API.completion(new ChatResponse("x", FinishReason.STOP_SEQUENCE,
        new TokenUsage(1, 1)))).at("/choices/0/finish_reason").asText());

    OpenAiError cut = assertThrows(OpenAiError.class,
        () -> API.completion(new ChatResponse("par", FinishReason.CANCELLED, new TokenUsage(1, 1))));
    assertEquals(503, cut.status());
    assertEquals("reply_cancelled", cut.code());
    assertEquals("server_error", cut.type());
  }

  @Test
  void aStreamStartsWithTheRoleAndEndsWithFinishUsageAndDone() throws Exception {
    CompletionStream s = API.stream(API.parse(body("\"stream\":true,\"stream_options\":{\"include_usage\":true}")));
    String events = s.token("he") + s.token("llo") + s.end(new ChatResponse("hello", FinishReason.STOP, new TokenUsage(2, 2)))
        + s.done();
    List<JsonNode> chunks = new ArrayList<>();
    for (String event : events.split("\n\n")) {
      assertTrue(event.startsWith("data: "), event);
      if (!event.equals("data: [DONE]")) {
        chunks.add(JSON.readTree(event.substring(6)));
      }
    }
    assertTrue(events.endsWith("data: [DONE]\n\n"));
    assertEquals(5, chunks.size(), events);
    assertEquals("assistant", chunks.get(0).at("/choices/0/delta/role").asText());
    assertEquals("he", chunks.get(1).at("/choices/0/delta/content").asText());
    assertEquals("llo", chunks.get(2).at("/choices/0/delta/content").asText());
    assertEquals("stop", chunks.get(3).at("/choices/0/finish_reason").asText());
    assertTrue(chunks.get(4).get("choices").isEmpty());
    assertEquals(4, chunks.get(4).at("/usage/total_tokens").asInt());
    for (JsonNode chunk : chunks) {
      assertEquals(s.id(), chunk.get("id").asText());
      assertEquals("chat.completion.chunk", chunk.get("object").asText());
    }

    CompletionStream cut = API.stream(API.parse(body("\"stream\":true")));
    String partial = cut.token("par") + cut.end(new ChatResponse("par", FinishReason.CANCELLED, new TokenUsage(1, 1)));
    assertFalse(partial.contains("finish_reason\":\"stop"), partial);
    assertEquals("reply_cancelled", JSON.readTree(partial.split("\n\n")[2].substring(6)).at("/error/code").asText());

    CompletionStream failed = API.stream(API.parse(body("\"stream\":true")));
    String error = failed.error(new OpenAiError(503, "model_busy", null, "busy"));
    assertEquals("model_busy", JSON.readTree(error.substring(6)).at("/error/code").asText());
    assertFalse(error.contains("\"role\""), "no role chunk before an error that comes first");
  }

  @Test
  void listsItsModelAndChecksItsSettings() throws Exception {
    assertEquals("m", JSON.readTree(API.models()).at("/data/0/id").asText());
    assertThrows(IllegalArgumentException.class, () -> ChatCompletions.builder(" "));
    assertThrows(IllegalArgumentException.class, () -> ChatCompletions.builder("m").maxReplyTokens(0));
    assertThrows(IllegalArgumentException.class, () -> new OpenAiError(200, "x", null, "y"));
  }

  @Test
  void toolsToolChoiceAndResponseFormatsReachTheOptions() {
    GenerationOptions o = API.parse(body("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
        + "\"description\":\"Weather now.\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}},"
        + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}],\"tool_choice\":{\"type\":\"function\","
        + "\"function\":{\"name\":\"get_time\"}},\"parallel_tool_calls\":false")).options();
    assertEquals(List.of(new ToolSpecification("get_weather", "Weather now.",
        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}"), ToolSpecification.of("get_time", "")), o.tools());
    assertEquals(ToolChoice.tool("get_time"), o.toolChoice());
    assertEquals(false, o.parallelToolCalls());
    assertEquals(ToolChoice.AUTO, API.parse(body("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
        + "\"tool_choice\":\"auto\"")).options().toolChoice());
    assertEquals(ToolChoice.NONE, API.parse(body("\"tool_choice\":\"none\"")).options().toolChoice());
    assertEquals(ResponseFormat.JSON_OBJECT, API.parse(body("\"response_format\":{\"type\":\"json_object\"}")).options().responseFormat());
    assertEquals(ResponseFormat.TEXT, API.parse(body("\"response_format\":{\"type\":\"text\"}")).options().responseFormat());
    assertEquals(ResponseFormat.jsonSchema("answer", "{\"type\":\"object\"}", true), API.parse(body("\"response_format\":{\"type\":"
        + "\"json_schema\",\"json_schema\":{\"name\":\"answer\",\"strict\":true,\"schema\":{\"type\":\"object\"}}}")).options().responseFormat());
  }

  @Test
  void toolCallsAndToolResultsInTheConversationBecomeMessages() {
    List<Message> m = API.parse("{\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"},{\"role\":\"assistant\",\"content\":null,"
        + "\"reasoning_content\":\"ask the tool\",\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":"
        + "\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"call_1\","
        + "\"content\":\"4 degrees\"}]}").messages();
    assertEquals(List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Oslo\"}")), m.get(1).toolCalls());
    assertEquals("", m.get(1).content());
    assertEquals("ask the tool", m.get(1).reasoning());
    assertEquals(Role.TOOL, m.get(2).role());
    assertEquals("call_1", m.get(2).toolCallId());
    assertEquals("4 degrees", m.get(2).content());
  }

  @Test
  void aReplyWithToolCallsIsWrittenAsOpenAiDoes() throws Exception {
    ChatResponse r = new ChatResponse("", FinishReason.TOOL_CALLS, new TokenUsage(5, 9),
        List.of(new ToolCall("call_1", "get_time", "{}")), "time matters");
    com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(API.completion(r));
    com.fasterxml.jackson.databind.JsonNode choice = json.get("choices").get(0);
    assertEquals("tool_calls", choice.get("finish_reason").asText());
    assertTrue(choice.get("message").get("content").isNull(), "no text: content is null, as OpenAI writes it");
    assertEquals("time matters", choice.get("message").get("reasoning_content").asText());
    com.fasterxml.jackson.databind.JsonNode call = choice.get("message").get("tool_calls").get(0);
    assertEquals("call_1", call.get("id").asText());
    assertEquals("function", call.get("type").asText());
    assertEquals("get_time", call.get("function").get("name").asText());
    assertEquals("{}", call.get("function").get("arguments").asText());

    CompletionStream s = API.stream(API.parse(body("\"stream\":true")));
    String events = s.reasoning("time") + s.toolCall(new ToolCallDelta(0, "call_1", "get_time", "")) + s.toolCall(new ToolCallDelta(0, null, null, "{}"))
        + s.end(r);
    List<com.fasterxml.jackson.databind.JsonNode> chunks = new ArrayList<>();
    for (String line : events.split("\n")) {
      if (line.startsWith("data: ")) {
        chunks.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line.substring(6)));
      }
    }
    assertEquals("time", chunks.get(1).at("/choices/0/delta/reasoning_content").asText());
    assertEquals("call_1", chunks.get(2).at("/choices/0/delta/tool_calls/0/id").asText());
    assertEquals("get_time", chunks.get(2).at("/choices/0/delta/tool_calls/0/function/name").asText());
    assertEquals(0, chunks.get(3).at("/choices/0/delta/tool_calls/0/index").asInt());
    assertTrue(chunks.get(3).at("/choices/0/delta/tool_calls/0/id").isMissingNode(), "only the first delta carries the id");
    assertEquals("{}", chunks.get(3).at("/choices/0/delta/tool_calls/0/function/arguments").asText());
    assertEquals("tool_calls", chunks.get(4).at("/choices/0/finish_reason").asText());
  }
}
