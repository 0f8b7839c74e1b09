package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a stranger sends to {@code /v1/chat/completions}: every one is refused or bounded, none holds a slot. */
class OpenAiHardeningTest {

  @Test
  void aNonStreamingRequestWhoseClientLeavesIsCancelled() throws Exception {
    try (ServerHarness h = ServerHarness.start("--fake-token-delay-ms", "200", "--max-reply-tokens", "200")) {
      // The fake model echoes the message: 300 words, of which 200 tokens at 200 ms each.
      String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "word ".repeat(300) + "\"}],\"max_tokens\":200}";
      try (Socket raw = new Socket("127.0.0.1", h.server.port())) {
        OutputStream out = raw.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ServerHarness.ALICE
            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
            + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        out.flush();
        h.awaitInFlight(1);
      }
      // 200 tokens at 200 ms would hold the slot for 40 s; the client is gone, so the reply stops.
      h.awaitInFlight(0);
    }
  }

  @Test
  void maxTokensBeyondTheServersCapIsRefusedNamingTheCap() throws Exception {
    try (ServerHarness h = ServerHarness.start("--max-reply-tokens", "64")) {
      HttpResponse<String> r = complete(h, "\"max_tokens\":1000000");
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("'max_tokens' must be at most 64"), r.body());
      r = complete(h, "\"max_completion_tokens\":65");
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("'max_completion_tokens' must be at most 64"), r.body());
      assertEquals(200, complete(h, "\"max_tokens\":64").statusCode());
      assertEquals(0, h.server.service().inFlight());
    }
  }

  @Test
  void badSamplingFieldsAre400sThatNameTheField() throws Exception {
    try (ServerHarness h = ServerHarness.start()) {
      Map<String, String> expected = new LinkedHashMap<>();
      expected.put("\"stop\":\"\"", "'stop' must not hold an empty string");
      expected.put("\"stop\":[\"a\",\"\"]", "'stop' must not hold an empty string");
      expected.put("\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]", "'stop' may hold at most 4");
      expected.put("\"top_p\":0", "'top_p' must be greater than 0");
      expected.put("\"seed\":99999999999999999999", "was 99999999999999999999");
      expected.put("\"max_tokens\":9223372036854775808", "was 9223372036854775808");
      expected.put("\"tools\":{\"type\":\"function\"}", "'tools' must be an array");
      expected.put("\"tools\":[{\"type\":\"retrieval\",\"function\":{\"name\":\"f\"}}]", "'tools[0].type' must be");
      expected.put("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"no spaces\"}}]", "'tools[0].function.name' must be");
      expected.put("\"tool_choice\":\"sometimes\"", "'tool_choice' must be");
      expected.put("\"tool_choice\":\"required\"", "tool_choice");
      expected.put("\"response_format\":{\"type\":\"xml\"}", "'response_format.type' must be");
      expected.put("\"response_format\":{\"type\":\"json_schema\"}", "'response_format.json_schema' must be");
      expected.put("\"logprobs\":true", "'logprobs' is not supported");
      expected.put("\"top_logprobs\":2", "'top_logprobs' is not supported");
      for (Map.Entry<String, String> e : expected.entrySet()) {
        HttpResponse<String> r = complete(h, e.getKey());
        assertEquals(400, r.statusCode(), e.getKey() + " -> " + r.body());
        assertTrue(r.body().contains(e.getValue()), e.getKey() + " -> " + r.body());
      }
      // What OpenAI's clients send by default still works.
      assertEquals(200, complete(h, "\"response_format\":{\"type\":\"text\"},\"tools\":[],\"logprobs\":false").statusCode());
    }
  }

  @Test
  void trailingTextAfterTheJsonObjectIsRefused() throws Exception {
    try (ServerHarness h = ServerHarness.start()) {
      HttpResponse<String> r = h.post("/v1/chat/completions", ServerHarness.ALICE,
          "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} xyz");
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("invalid_json"), r.body());
    }
  }

  @Test
  void aReplyCapAtOrAboveTheContextIsAnOptionError() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ServerHarness.options("--context-size", "512", "--max-reply-tokens", "512").validate());
    assertEquals("--max-reply-tokens must be less than --context-size (512): a reply and its prompt share the context,"
        + " was 512", e.getMessage());
  }

  private static HttpResponse<String> complete(ServerHarness h, String fields) throws Exception {
    return h.post("/v1/chat/completions", ServerHarness.ALICE,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + fields + "}");
  }

  /** A streamed reply's reasoning and tool calls reach the client as OpenAI streams them, through the whole server. */
  @Test
  void aStreamedToolCallAndReasoningArriveAsDeltas() throws Exception {
    dev.parley.testing.FakeChatModel fake = dev.parley.testing.FakeChatModel.builder().id("calling-fake")
        .script(r -> dev.parley.testing.ScriptedReply.toolCalls(new dev.parley.chat.ToolCall("call_7", "get_weather",
            "{\"city\":\"Lisbon\",\"unit\":\"celsius\"}")).withReasoning("Look it up.")).build();
    try (ServerHarness h = ServerHarness.start(ModelRuntime.of(fake, 2))) {
      HttpResponse<String> r = h.post("/v1/chat/completions", ServerHarness.ALICE,
          "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}],\"tools\":[{\"type\":\"function\","
              + "\"function\":{\"name\":\"get_weather\"}}]}");
      assertEquals(200, r.statusCode(), r.body());
      StringBuilder reasoning = new StringBuilder();
      StringBuilder arguments = new StringBuilder();
      String name = null;
      String finish = null;
      com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
      for (String line : r.body().split("\n")) {
        if (!line.startsWith("data: {")) {
          continue;
        }
        com.fasterxml.jackson.databind.JsonNode choice = json.readTree(line.substring(6)).path("choices").path(0);
        reasoning.append(choice.at("/delta/reasoning_content").asText(""));
        com.fasterxml.jackson.databind.JsonNode call = choice.at("/delta/tool_calls/0");
        if (!call.isMissingNode()) {
          if (call.at("/function/name").isTextual()) {
            name = call.at("/function/name").asText();
          }
          arguments.append(call.at("/function/arguments").asText(""));
        }
        if (choice.path("finish_reason").isTextual()) {
          finish = choice.path("finish_reason").asText();
        }
      }
      assertEquals("Look it up.", reasoning.toString(), r.body());
      assertEquals("get_weather", name, r.body());
      assertEquals("{\"city\":\"Lisbon\",\"unit\":\"celsius\"}", arguments.toString(), r.body());
      assertEquals("tool_calls", finish, r.body());
    }
  }

  @Test
  void aReplyCutShortByShutdownIsAnErrorNotAStop() throws Exception {
    dev.parley.testing.TokenGate gate = dev.parley.testing.TokenGate.closed();
    try (ServerHarness h = ServerHarness.start(ServerHarness.gated(gate, 150), "--max-reply-tokens", "200")) {
      String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"" + "word ".repeat(300) + "\"}]";
      java.util.concurrent.CompletableFuture<HttpResponse<String>> plain = h.http.sendAsync(
          h.request("/v1/chat/completions", ServerHarness.ALICE).header("Content-Type", "application/json")
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{" + messages + "}")).build(),
          HttpResponse.BodyHandlers.ofString());
      java.util.concurrent.CompletableFuture<HttpResponse<String>> streamed = h.http.sendAsync(
          h.request("/v1/chat/completions", ServerHarness.ALICE).header("Content-Type", "application/json")
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"stream\":true," + messages + "}")).build(),
          HttpResponse.BodyHandlers.ofString());
      h.awaitInFlight(2);
      gate.release(4);
      assertTrue(gate.awaitPassed(4, java.time.Duration.ofMinutes(1)), "some of the replies streamed");
      // The gate holds the rest: neither reply can finish before the drain cancels it.
      h.server.service().drain(java.time.Duration.ofMillis(1));

      HttpResponse<String> r = plain.get(10, TimeUnit.SECONDS);
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(r.body().contains("reply_cancelled"), r.body());
      HttpResponse<String> s = streamed.get(10, TimeUnit.SECONDS);
      assertEquals(200, s.statusCode());
      assertTrue(s.body().contains("reply_cancelled"), s.body());
      assertTrue(!s.body().contains("\"finish_reason\":\"stop\""), "a cut reply is not a stop: " + s.body());
      assertTrue(s.body().endsWith("data: [DONE]\n\n"), s.body());
    }
  }
}
