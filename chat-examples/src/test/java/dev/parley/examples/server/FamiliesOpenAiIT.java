package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.parley.llama.ModelFamilies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Today's model families behind the server's {@code /v1}, as OpenAI's official Java client sends
 * requests: the runnable jar in a child JVM on the JDK 22+ (the FFM engine loads them), a
 * random-weight model of each family with its real tokenizer and published chat template. A required
 * call comes back parsed with arguments that fit its schema, a named tool is obeyed and its streamed
 * deltas assemble, a tool result is answered, and {@code json_schema} and {@code json_object} replies
 * parse. Under {@code CI=true} a missing JDK 22+ fails the test.
 */
class FamiliesOpenAiIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> CITIES = Set.of("Paris", "Lyon", "Nice");

  @TempDir Path temp;

  @ParameterizedTest
  @ValueSource(strings = {"qwen3", "qwen3moe", "gemma3", "llama"})
  void openAisClientCallsToolsAndGetsSchemaBoundRepliesFromEachFamily(String architecture) throws Exception {
    Path model = ModelFamilies.write(architecture, temp);
    ServerProcess child = start(model);
    Process server = child.process();
    int port = child.port();
    OpenAIClient client = OpenAIOkHttpClient.builder().apiKey("k").baseUrl("http://127.0.0.1:" + port + "/v1")
        .maxRetries(0).build();
    try {
      // A required call, parsed, with arguments that fit the schema.
      ChatCompletion first = client.chat().completions().create(weather()
          .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
      ChatCompletion.Choice choice = first.choices().get(0);
      assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason(), architecture + ": " + first);
      ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
      assertEquals("get_weather", call.function().name());
      assertCity(call.function().arguments());

      // A named tool, streamed: the deltas assemble to valid arguments.
      StringBuilder arguments = new StringBuilder();
      List<String> names = new ArrayList<>();
      try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(weather()
          .toolChoice(ChatCompletionNamedToolChoice.builder().function(ChatCompletionNamedToolChoice.Function.builder()
              .name("get_weather").build()).build()).build())) {
        stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().toolCalls().ifPresent(calls ->
            calls.forEach(d -> {
              d.function().flatMap(f -> f.name()).ifPresent(names::add);
              d.function().flatMap(f -> f.arguments()).ifPresent(arguments::append);
            }))));
      }
      assertEquals(List.of("get_weather"), names, architecture);
      assertCity(arguments.toString());

      // The call's result goes back, and is answered.
      ChatCompletion answer = client.chat().completions().create(weather()
          .toolChoice(ChatCompletionToolChoiceOption.Auto.NONE).maxCompletionTokens(8)
          .addMessage(choice.message())
          .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("sunny, 21 degrees").build())
          .build());
      assertTrue(answer.usage().orElseThrow().completionTokens() > 0, architecture + ": " + answer);
      assertTrue(answer.choices().get(0).message().toolCalls().map(List::isEmpty).orElse(true));

      // json_schema and json_object.
      ChatCompletion schema = client.chat().completions().create(ChatCompletionCreateParams.builder().model("any")
          .addUserMessage("Pick a city.").maxCompletionTokens(64).responseFormat(ResponseFormatJsonSchema.builder()
              .jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder().name("city").strict(true)
                  .schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                      .putAdditionalProperty("type", JsonValue.from("object"))
                      .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("enum", List.copyOf(CITIES)))))
                      .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                      .putAdditionalProperty("additionalProperties", JsonValue.from(false)).build())
                  .build()).build()).build());
      assertCity(schema.choices().get(0).message().content().orElseThrow());
      ChatCompletion object = client.chat().completions().create(ChatCompletionCreateParams.builder().model("any")
          .addUserMessage("Answer in JSON.").maxCompletionTokens(128)
          .responseFormat(ResponseFormatJsonObject.builder().build()).build());
      if (object.choices().get(0).finishReason() == ChatCompletion.Choice.FinishReason.STOP) {
        assertTrue(JSON.readTree(object.choices().get(0).message().content().orElseThrow()).isObject());
      }
    } finally {
      client.close();
      server.destroy();
      if (!server.waitFor(60, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  private static void assertCity(String arguments) throws Exception {
    JsonNode args = JSON.readTree(arguments);
    assertTrue(CITIES.contains(args.path("city").asText()) && args.size() == 1, arguments);
  }

  private static ChatCompletionCreateParams.Builder weather() {
    return ChatCompletionCreateParams.builder().model("any").addUserMessage("What is the weather in Paris?")
        .maxCompletionTokens(96)
        .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
            .description("The weather in a city now.")
            .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("enum", List.copyOf(CITIES)))))
                .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                .putAdditionalProperty("additionalProperties", JsonValue.from(false)).build()).build()).build());
  }

  private ServerProcess start(Path model) throws Exception {
    String home = System.getProperty("parley.jdk22.home", "");
    if (home.isBlank() || home.startsWith("${") || !Files.isExecutable(Path.of(home, "bin", "java"))) {
      String message = "no JDK 22+ (parley.jdk22.home is '" + home + "'): today's families load on the FFM engine only";
      if ("true".equals(System.getenv("CI"))) {
        fail(message);
      }
      Assumptions.abort(message);
    }
    Path jar = Path.of("target", "parley-examples.jar");
    assertTrue(jar.toFile().isFile(), "package phase must have built " + jar.toAbsolutePath());
    return ServerProcess.start(List.of(Path.of(home, "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
        "-jar", jar.toString(), "--port", "0", "--model", model.toString(), "--fake-model=false", "--slots", "1",
        "--context-size", "1024", "--threads", "2", "--max-reply-tokens", "128",
        "--db", "jdbc:sqlite:" + temp.resolve("chat.db"), "--api-keys", "k=alice"), 120);
  }
}
