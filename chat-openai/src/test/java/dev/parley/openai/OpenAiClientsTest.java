package dev.parley.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.testing.FakeChatModel;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's official Java client and LangChain4j's OpenAI models, unchanged but for the base URL,
 * against the JDK's own HTTP server serving a fake model through {@link ChatCompletions}: the whole
 * adapter is the {@link #serve} method below, about 40 lines, no web framework.
 */
class OpenAiClientsTest {
  private static final ChatModel MODEL = FakeChatModel.thatEchoes();
  private static final ChatCompletions API = ChatCompletions.builder("parley-fake").maxReplyTokens(200).build();
  private static HttpServer server;
  private static String base;

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/models", ex -> respond(ex, 200, "application/json", API.models()));
    server.createContext("/v1/chat/completions", OpenAiClientsTest::serve);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  private static void serve(HttpExchange ex) throws IOException {
    ChatCompletionRequest request;
    try {
      request = API.parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    } catch (OpenAiError e) {
      respond(ex, e.status(), "application/json", e.toJson());
      return;
    }
    ChatRequest chat = new ChatRequest(request.messages(), request.options());
    if (!request.stream()) {
      try {
        respond(ex, 200, "application/json", API.completion(MODEL.generate(chat)));
      } catch (OpenAiError e) {
        respond(ex, e.status(), "application/json", e.toJson());
      }
      return;
    }
    CompletionStream events = API.stream(request);
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    CompletableFuture<Void> done = new CompletableFuture<>();
    MODEL.stream(chat, new StreamHandler() {
      @Override
      public void onToken(String token) {
        write(events.token(token));
      }

      @Override
      public void onComplete(ChatResponse response) {
        write(events.end(response) + events.done());
        done.complete(null);
      }

      @Override
      public void onError(ParleyException error) {
        write(events.error(new OpenAiError(503, "model_failed", null, "the model failed")) + events.done());
        done.complete(null);
      }

      private void write(String text) {
        try {
          out.write(text.getBytes(StandardCharsets.UTF_8));
          out.flush();
        } catch (IOException e) {
          done.completeExceptionally(e);
        }
      }
    });
    done.join();
    out.close();
  }

  private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static ChatCompletionCreateParams.Builder params() {
    return ChatCompletionCreateParams.builder().model("parley-fake")
        .addSystemMessage("You are terse.").addUserMessage("What is Parley?").maxCompletionTokens(200);
  }

  @Test
  void openAisJavaClientReadsModelsCompletionsStreamsAndErrors() {
    OpenAIClient client = OpenAIOkHttpClient.builder().apiKey("any").baseUrl(base).maxRetries(0).build();
    try {
      assertEquals(List.of("parley-fake"), client.models().list().data().stream().map(m -> m.id()).toList());

      ChatCompletion c = client.chat().completions().create(params().build());
      String text = c.choices().get(0).message().content().orElseThrow();
      assertTrue(text.contains("What is Parley?"), text);
      assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
      assertEquals(c.usage().orElseThrow().promptTokens() + c.usage().get().completionTokens(), c.usage().get().totalTokens());

      StringBuilder streamed = new StringBuilder();
      List<ChatCompletionChunk> chunks = new ArrayList<>();
      try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
          params().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
        stream.stream().forEach(chunk -> {
          chunks.add(chunk);
          chunk.choices().forEach(choice -> choice.delta().content().ifPresent(streamed::append));
        });
      }
      assertEquals(text, streamed.toString());
      ChatCompletionChunk last = chunks.get(chunks.size() - 1);
      assertTrue(last.choices().isEmpty());
      assertEquals(chunks.size() - 3, last.usage().orElseThrow().completionTokens(),
          "one chunk per token, plus the role chunk, the finish chunk and the usage chunk");

      BadRequestException bad = assertThrows(BadRequestException.class,
          () -> client.chat().completions().create(params().n(3).build()));
      assertTrue(bad.getMessage().contains("'n' must be 1"), bad.getMessage());
    } finally {
      client.close();
    }
  }

  @Test
  void langChain4jsBlockingAndStreamingModelsWork() throws Exception {
    OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(base).apiKey("any").modelName("parley-fake")
        .maxRetries(0).build();
    dev.langchain4j.model.chat.response.ChatResponse blocking =
        model.chat(dev.langchain4j.data.message.UserMessage.from("Hello from LangChain4j"));
    assertTrue(blocking.aiMessage().text().contains("Hello from LangChain4j"), blocking.aiMessage().text());
    assertTrue(blocking.tokenUsage().outputTokenCount() > 0);

    OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(base).apiKey("any")
        .modelName("parley-fake").build();
    StringBuilder partials = new StringBuilder();
    CompletableFuture<dev.langchain4j.model.chat.response.ChatResponse> done = new CompletableFuture<>();
    streaming.chat("Stream to LangChain4j", new StreamingChatResponseHandler() {
      @Override
      public void onPartialResponse(String partial) {
        partials.append(partial);
      }

      @Override
      public void onCompleteResponse(dev.langchain4j.model.chat.response.ChatResponse response) {
        done.complete(response);
      }

      @Override
      public void onError(Throwable error) {
        done.completeExceptionally(error);
      }
    });
    assertEquals(done.get(30, TimeUnit.SECONDS).aiMessage().text(), partials.toString());
    assertTrue(partials.toString().contains("Stream to LangChain4j"), partials.toString());
  }
}
