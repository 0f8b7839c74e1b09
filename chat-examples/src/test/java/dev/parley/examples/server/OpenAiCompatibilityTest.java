package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** OpenAI's official Java client, unchanged but for the base URL, against the server. */
class OpenAiCompatibilityTest {
  private static ServerHarness h;
  private static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    h = ServerHarness.start();
    client = OpenAIOkHttpClient.builder().apiKey(ServerHarness.ALICE).baseUrl(h.base + "/v1").maxRetries(0).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    h.close();
  }

  private static ChatCompletionCreateParams.Builder params() {
    return ChatCompletionCreateParams.builder().model("parley-fake")
        .addSystemMessage("You are terse.").addUserMessage("What is Parley?").maxCompletionTokens(200);
  }

  @Test
  void listsTheServedModel() {
    assertEquals(List.of("parley-fake"), client.models().list().data().stream().map(m -> m.id()).toList());
  }

  @Test
  void answersACompletion() {
    ChatCompletion c = client.chat().completions().create(params().build());
    assertEquals(1, c.choices().size());
    String text = c.choices().get(0).message().content().orElseThrow();
    assertTrue(text.contains("What is Parley?"), text);
    assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
    assertTrue(c.usage().orElseThrow().completionTokens() > 0);
    assertEquals(c.usage().get().promptTokens() + c.usage().get().completionTokens(), c.usage().get().totalTokens());
    assertTrue(c.id().startsWith("chatcmpl-"));
  }

  @Test
  void streamsACompletionWithUsageLast() {
    StringBuilder text = new StringBuilder();
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
        params().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      stream.stream().forEach(chunk -> {
        chunks.add(chunk);
        chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
      });
    }
    assertTrue(chunks.size() > 5, "streamed in many chunks: " + chunks.size());
    assertTrue(text.toString().contains("What is Parley?"), text.toString());
    ChatCompletionChunk last = chunks.get(chunks.size() - 1);
    assertTrue(last.choices().isEmpty());
    assertEquals(chunks.size() - 3, last.usage().orElseThrow().completionTokens(),
        "one chunk per token, plus the role chunk, the finish chunk and the usage chunk");
  }

  @Test
  void errorsComeInOpenAisShape() throws Exception {
    OpenAIClient stranger = OpenAIOkHttpClient.builder().apiKey("wrong").baseUrl(h.base + "/v1").maxRetries(0).build();
    assertThrows(UnauthorizedException.class, () -> stranger.models().list());
    stranger.close();
    BadRequestException bad = assertThrows(BadRequestException.class,
        () -> client.chat().completions().create(params().n(3).build()));
    assertTrue(bad.getMessage().contains("'n' must be 1"), bad.getMessage());

    HttpResponse<String> r = h.post("/v1/chat/completions", ServerHarness.ALICE,
        "{\"model\":\"x\",\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}");
    assertEquals(400, r.statusCode());
    JsonNode error = ServerHarness.json(r).get("error");
    assertEquals("invalid_request_error", error.get("type").asText());
    assertTrue(error.get("message").asText().contains("messages[0].role"), error.toString());
    r = h.post("/v1/chat/completions", ServerHarness.ALICE, "{\"model\":\"x\",\"messages\":[]}");
    assertEquals(400, r.statusCode());
    assertFalse(r.body().contains("Exception"));
  }
}
