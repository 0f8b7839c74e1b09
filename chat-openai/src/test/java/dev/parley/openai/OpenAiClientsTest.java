package dev.parley.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolCallDelta;
import dev.parley.testing.ScriptedReply;
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
  /**
   * Echoes the last user message; asked for JSON, answers JSON; offered tools, calls get_weather with
   * reasoning first, and answers the tool's result once it comes.
   */
  private static final ChatModel MODEL = FakeChatModel.builder().script(r -> {
    Message last = r.lastMessage();
    if (last.role() == Role.TOOL) {
      return ScriptedReply.text("It is " + last.content() + " in Oslo.");
    }
    if (r.options().responseFormat().isJson()) {
      return ScriptedReply.text("{\"answer\":\"Parley\"}");
    }
    if (!r.options().tools().isEmpty() && r.options().toolChoice() != dev.parley.chat.ToolChoice.NONE) {
      return ScriptedReply.toolCalls(new ToolCall("call_oslo", "get_weather", "{\"city\":\"Oslo\"}")).withReasoning("I need the weather tool.");
    }
    return ScriptedReply.text(last.content());
  }).build();
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
      public void onReasoning(String text) {
        write(events.reasoning(text));
      }

      @Override
      public void onToolCall(ToolCallDelta delta) {
        write(events.toolCall(delta));
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

  private static ChatCompletionCreateParams.Builder weatherParams() {
    return ChatCompletionCreateParams.builder().model("parley-fake").addUserMessage("Weather in Oslo?")
        .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
            .description("The weather in a city now.")
            .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(java.util.Map.of("city", java.util.Map.of("type", "string"))))
                .build()).build()).build())
        .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED);
  }

  @Test
  void openAisJavaClientCallsAToolSendsItsResultAndReadsTheAnswer() {
    OpenAIClient client = OpenAIOkHttpClient.builder().apiKey("any").baseUrl(base).maxRetries(0).build();
    try {
      ChatCompletion first = client.chat().completions().create(weatherParams().build());
      ChatCompletion.Choice choice = first.choices().get(0);
      assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
      ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
      assertEquals("call_oslo", call.id());
      assertEquals("get_weather", call.function().name());
      assertEquals("{\"city\":\"Oslo\"}", call.function().arguments());

      ChatCompletion answer = client.chat().completions().create(weatherParams()
          .toolChoice(ChatCompletionToolChoiceOption.Auto.AUTO)
          .addMessage(choice.message())
          .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("4 degrees").build())
          .build());
      assertEquals("It is 4 degrees in Oslo.", answer.choices().get(0).message().content().orElseThrow());
      assertEquals(ChatCompletion.Choice.FinishReason.STOP, answer.choices().get(0).finishReason());

      // Streamed: the deltas add up to the same call.
      StringBuilder arguments = new StringBuilder();
      List<String> ids = new ArrayList<>();
      List<ChatCompletionChunk.Choice.FinishReason> finishes = new ArrayList<>();
      try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(weatherParams().build())) {
        stream.stream().forEach(chunk -> chunk.choices().forEach(c -> {
          c.delta().toolCalls().ifPresent(calls -> calls.forEach(d -> {
            d.id().ifPresent(ids::add);
            d.function().flatMap(f -> f.arguments()).ifPresent(arguments::append);
          }));
          c.finishReason().ifPresent(finishes::add);
        }));
      }
      assertEquals(List.of("call_oslo"), ids);
      assertEquals("{\"city\":\"Oslo\"}", arguments.toString());
      assertEquals(List.of(ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS), finishes);

      ChatCompletion json = client.chat().completions().create(params().responseFormat(ResponseFormatJsonSchema.builder()
          .jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder().name("answer").strict(true)
              .schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder().putAdditionalProperty("type", JsonValue.from("object")).build())
              .build()).build()).build());
      assertEquals("{\"answer\":\"Parley\"}", json.choices().get(0).message().content().orElseThrow());
    } finally {
      client.close();
    }
  }
}
