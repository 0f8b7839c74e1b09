package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.llama.TestModels;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server on the tiny real llama model from {@code ../shared/models}: every interface once. */
class LlamaServerTest {
  private static ServerHarness h;

  @BeforeAll
  static void start() throws Exception {
    h = ServerHarness.start("--model", TestModels.tiny().toString(), "--fake-model=false", "--slots", "2",
        "--context-size", "512", "--threads", "1", "--max-reply-tokens", "24");
  }

  @AfterAll
  static void stop() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void healthShowsTheRealModel() throws Exception {
    JsonNode health = ServerHarness.json(h.get("/health", null));
    assertEquals("UP", health.get("status").asText());
    assertFalse(health.at("/components/model/fake").asBoolean());
    assertEquals(List.of("llama-2-tiny-random.gguf"),
        ServerHarness.json(h.get("/v1/models", ServerHarness.ALICE)).get("data").findValuesAsText("id"));
  }

  @Test
  void aConversationMessageStreamsTheModelsTokens() throws Exception {
    String id = h.createConversation(ServerHarness.ALICE);
    List<ServerHarness.Event> events = h.stream("/api/conversations/" + id + "/messages", ServerHarness.ALICE,
        "{\"content\":\"Tell me a story.\"}");
    ServerHarness.Event done = events.get(events.size() - 1);
    assertEquals("done", done.name());
    StringBuilder text = new StringBuilder();
    events.subList(0, events.size() - 1).forEach(e -> text.append(e.data().get("text").asText()));
    assertEquals(done.data().get("text").asText(), text.toString());
    int completion = done.data().at("/usage/completionTokens").asInt();
    assertTrue(completion > 0 && completion <= 24, "at most --max-reply-tokens: " + completion);
    assertTrue(done.data().at("/usage/promptTokens").asInt() > 5);
    JsonNode messages = ServerHarness.json(h.get("/api/conversations/" + id, ServerHarness.ALICE)).get("messages");
    assertEquals(List.of("system", "user", "assistant"), messages.findValuesAsText("role"));
  }

  @Test
  void theOpenAiEndpointAndAWebSocketRoomUseTheModel() throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions", ServerHarness.ALICE,
        "{\"model\":\"llama-2-tiny-random.gguf\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":8,\"seed\":7,\"temperature\":0}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode c = ServerHarness.json(r);
    assertEquals(8, c.at("/usage/completion_tokens").asInt(), "random weights never stop early; max_tokens holds");
    assertEquals("length", c.at("/choices/0/finish_reason").asText());

    ServerHarness.Socket room = h.connect("/ws/rooms/llama-" + System.nanoTime(), ServerHarness.BOB);
    room.next();
    room.send("{\"type\":\"message\",\"content\":\"/ai say something\"}");
    List<JsonNode> frames = room.until("complete");
    assertTrue(frames.size() > 2, "message, chunks, complete: " + frames.size());
    assertEquals("ai", frames.get(frames.size() - 1).get("author").asText());
  }

  @Test
  void theOpenAiEndpointConstrainsARealModelToAJsonSchemaAndRefusesWhatItCannotHonour() throws Exception {
    String schema = "{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"},\"n\":{\"type\":\"integer\",\"minimum\":1,"
        + "\"maximum\":9}},\"required\":[\"ok\",\"n\"],\"additionalProperties\":false}";
    HttpResponse<String> r = h.post("/v1/chat/completions", ServerHarness.ALICE,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"Answer in JSON.\"}],\"max_tokens\":24,\"seed\":3,"
            + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"answer\",\"strict\":true,\"schema\":" + schema + "}}}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode c = ServerHarness.json(r);
    assertEquals("stop", c.at("/choices/0/finish_reason").asText(), r.body());
    JsonNode answer = new com.fasterxml.jackson.databind.ObjectMapper().readTree(c.at("/choices/0/message/content").asText());
    assertTrue(answer.get("ok").isBoolean(), answer.toString());
    assertTrue(answer.get("n").asInt() >= 1 && answer.get("n").asInt() <= 9, answer.toString());
    assertEquals(2, answer.size(), answer.toString());

    HttpResponse<String> refused = h.post("/v1/chat/completions", ServerHarness.ALICE,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":"
            + "{\"name\":\"a\",\"schema\":{\"type\":\"array\",\"uniqueItems\":true}}}}");
    assertEquals(400, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("uniqueItems"), refused.body());

    // Tools beside a response format, as OpenAI's API takes them: the format is the answer's, and a
    // required choice makes the reply a call (cut short here by the server's 24-token cap).
    HttpResponse<String> both = h.post("/v1/chat/completions", ServerHarness.ALICE,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
            + "\"tool_choice\":\"required\",\"response_format\":{\"type\":\"json_object\"}}");
    assertEquals(200, both.statusCode(), both.body());
    String finish = ServerHarness.json(both).at("/choices/0/finish_reason").asText();
    assertTrue(finish.equals("tool_calls") || finish.equals("length"), both.body());
  }

  @Test
  void theOpenAiEndpointReturnsARequiredToolCallFromARealModel() throws Exception {
    // A call in Parley's generic JSON takes more tokens than this class's server allows a reply.
    try (ServerHarness h = ServerHarness.start("--model", TestModels.tiny().toString(), "--fake-model=false",
        "--slots", "1", "--context-size", "512", "--threads", "1", "--max-reply-tokens", "96")) {
      toolRoundTrip(h);
      streamedToolCall(h);
    }
  }

  /** The same call streamed: its deltas, as OpenAI's clients assemble them, make valid arguments. */
  private static void streamedToolCall(ServerHarness h) throws Exception {
    String tool = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
        + "\"properties\":{\"city\":{\"enum\":[\"Paris\",\"Lyon\"]}},\"required\":[\"city\"]}}}";
    HttpResponse<String> r = h.post("/v1/chat/completions", ServerHarness.ALICE,
        "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}],\"max_tokens\":64,"
            + "\"tools\":[" + tool + "],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}}");
    assertEquals(200, r.statusCode(), r.body());
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    StringBuilder arguments = new StringBuilder();
    String name = null;
    String finish = null;
    for (String line : r.body().split("\n")) {
      if (line.startsWith("data: {")) {
        JsonNode choice = json.readTree(line.substring(6)).path("choices").path(0);
        JsonNode call = choice.at("/delta/tool_calls/0");
        if (call.at("/function/name").isTextual()) {
          name = call.at("/function/name").asText();
        }
        arguments.append(call.at("/function/arguments").asText(""));
        if (choice.path("finish_reason").isTextual()) {
          finish = choice.path("finish_reason").asText();
        }
      }
    }
    assertEquals("get_weather", name, r.body());
    assertEquals("tool_calls", finish, r.body());
    String city = json.readTree(arguments.toString()).path("city").asText();
    assertTrue(city.equals("Paris") || city.equals("Lyon"), arguments.toString());
  }

  private static void toolRoundTrip(ServerHarness h) throws Exception {
    String tool = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather in a city.\","
        + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":12}},"
        + "\"required\":[\"city\"],\"additionalProperties\":false}}}";
    HttpResponse<String> r = h.post("/v1/chat/completions", ServerHarness.ALICE,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}],\"max_tokens\":64,\"seed\":5,"
            + "\"tools\":[" + tool + "],\"tool_choice\":\"required\"}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode c = ServerHarness.json(r);
    assertEquals("tool_calls", c.at("/choices/0/finish_reason").asText(), r.body());
    JsonNode call = c.at("/choices/0/message/tool_calls/0");
    assertEquals("get_weather", call.at("/function/name").asText(), r.body());
    JsonNode args = new com.fasterxml.jackson.databind.ObjectMapper().readTree(call.at("/function/arguments").asText());
    assertTrue(args.get("city").isTextual() && args.get("city").asText().length() <= 12, args.toString());
    assertEquals(1, args.size(), args.toString());
    assertTrue(!call.get("id").asText().isBlank(), r.body());

    // The call's result goes back with its id, and the model answers.
    String id = call.get("id").asText();
    HttpResponse<String> answer = h.post("/v1/chat/completions", ServerHarness.ALICE,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},{\"role\":\"assistant\",\"content\":null,"
            + "\"tool_calls\":[{\"id\":\"" + id + "\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
            + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(args.toString()) + "}}]},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"" + id + "\",\"content\":\"sunny\"}],\"max_tokens\":8,\"seed\":5,"
            + "\"tools\":[" + tool + "],\"tool_choice\":\"none\"}");
    assertEquals(200, answer.statusCode(), answer.body());
    // A sampled reply may end at the end-of-text token before max_tokens: the answer is text, not a call.
    JsonNode reply = ServerHarness.json(answer);
    String ended = reply.at("/choices/0/finish_reason").asText();
    assertTrue(ended.equals("stop") || ended.equals("length"), answer.body());
    assertTrue(reply.at("/choices/0/message/tool_calls").isMissingNode(), answer.body());
    int tokens = reply.at("/usage/completion_tokens").asInt();
    assertTrue(tokens >= 1 && tokens <= 8, answer.body());
  }
}
