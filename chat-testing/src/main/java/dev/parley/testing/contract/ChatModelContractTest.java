package dev.parley.testing.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.chat.ParleyException;
import dev.parley.chat.ResponseFormat;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolChoice;
import dev.parley.chat.ToolSpecification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The rules every {@link ChatModel} keeps; extend it in each implementation's tests.
 *
 * <pre>{@code
 * class MyModelContractTest extends ChatModelContractTest {
 *   @Override protected ChatModel model() { return MY_MODEL; }
 * }
 * }</pre>
 *
 * <p>{@link #model()} must be able to write at least 16 tokens in answer to {@link #prompt()}
 * without ending by itself. It may return the same instance to every test. A model that samples
 * its end at random (a random-weight test model can pick its end-of-generation token at any step)
 * pins a seed in {@link #options()}, so that every run of the suite sees the same replies.
 *
 * <p>A model that takes tools says so in {@link #supportsTools()}; one that constrains replies to a
 * JSON Schema says so in {@link #supportsResponseFormat()}. The suite then checks that required and
 * named tool choices are obeyed, that streamed tool-call deltas add up to the calls, and that a
 * schema-bound reply validates; a model that supports neither must refuse such requests with an
 * {@link InvalidRequestException} naming the field, never ignore them. These rules parse JSON with
 * Jackson ({@code jackson-databind}), which, like JUnit, the test's class path provides.
 */
public abstract class ChatModelContractTest {

  protected ChatModelContractTest() {}

  /** The model under test. */
  protected abstract ChatModel model();

  /** The conversation each test sends. */
  protected List<Message> prompt() {
    return List.of(
        Message.system("You are a storyteller."),
        Message.user("Tell me a long story about a lighthouse keeper and the sea."));
  }

  /** Whether a fixed seed makes sampling repeatable. */
  protected boolean supportsSeed() {
    return true;
  }

  /**
   * Whether the model takes {@link GenerationOptions#tools()} and calls them; false by default. One
   * that does must finish a call to {@link #WEATHER} or {@link #CLOCK} within 256 tokens.
   */
  protected boolean supportsTools() {
    return false;
  }

  /**
   * Whether the model honours {@link GenerationOptions#responseFormat()}; false by default. One that
   * does must finish a reply to {@link #ANSWER_SCHEMA} within 256 tokens.
   */
  protected boolean supportsResponseFormat() {
    return false;
  }

  /** A tool with one bounded string argument. */
  protected static final ToolSpecification WEATHER = new ToolSpecification(
      "get_weather",
      "The weather in a city now.",
      "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":12}},"
          + "\"required\":[\"city\"],\"additionalProperties\":false}");

  /** A tool with no arguments. */
  protected static final ToolSpecification CLOCK = ToolSpecification.of("get_time", "The time now.");

  /** A JSON Schema whose every reply is short. */
  protected static final String ANSWER_SCHEMA =
      "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"string\",\"maxLength\":12},"
          + "\"confident\":{\"type\":\"boolean\"}},\"required\":[\"answer\",\"confident\"],"
          + "\"additionalProperties\":false}";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** How long any one generation in these tests may take. */
  protected Duration timeout() {
    return Duration.ofSeconds(60);
  }

  /**
   * The options each test starts from; each test sets its own {@code maxTokens} on top. The
   * default is the model's defaults; override to pin a seed or a temperature.
   */
  protected GenerationOptions.Builder options() {
    return GenerationOptions.builder();
  }

  private ChatRequest request(int maxTokens) {
    return new ChatRequest(prompt(), options().maxTokens(maxTokens).build());
  }

  private RecordingStreamHandler awaitStream(ChatRequest request, RecordingStreamHandler handler)
      throws InterruptedException {
    model().stream(request, handler);
    assertTrue(handler.await(timeout()), "stream did not complete within " + timeout());
    assertEquals(List.of(), handler.violations(), "streaming contract violations");
    return handler;
  }

  @Test
  void generateReturnsReplyWithFinishReasonAndUsage() {
    ChatResponse r = model().generate(request(16));
    assertNotNull(r.text());
    assertTrue(r.usage().promptTokens() > 0, "prompt tokens must be counted, was " + r.usage());
    assertTrue(r.usage().completionTokens() > 0, "expected a non-empty reply, usage " + r.usage());
    assertTrue(r.usage().completionTokens() <= 16, "completion over maxTokens: " + r.usage());
    assertTrue(Set.of(FinishReason.STOP, FinishReason.STOP_SEQUENCE, FinishReason.LENGTH).contains(r.finishReason()),
        "finish reason of an uncancelled generation: " + r.finishReason());
  }

  @Test
  void stopsAtMaxTokensWithFinishReasonLength() {
    ChatResponse r = model().generate(request(4));
    assertEquals(4, r.usage().completionTokens(), "reply must be cut at 4 tokens: " + r);
    assertEquals(FinishReason.LENGTH, r.finishReason());
  }

  @Test
  void streamDeliversTokensInOrderThenCompletesOnce() throws Exception {
    RecordingStreamHandler h = awaitStream(request(12), new RecordingStreamHandler());
    assertNull(h.error(), () -> "unexpected error: " + h.error());
    ChatResponse response = h.response();
    assertNotNull(response);
    assertEquals(1, h.terminalCalls());
    assertFalse(h.tokens().isEmpty(), "no tokens were streamed");
    assertEquals(response.text(), h.text(), "the streamed tokens must add up to the reply text");
    for (String token : h.tokens()) {
      assertFalse(token.isEmpty(), "onToken must never be called with empty text");
    }
    assertTrue(h.tokens().size() <= response.usage().completionTokens(),
        "at most one onToken per generated token (a token may carry no complete character)");
  }

  @Test
  void handleCompletesAfterTheHandlerWithTheSameResponse() throws Exception {
    RecordingStreamHandler h = new RecordingStreamHandler();
    GenerationHandle handle = model().stream(request(8), h);
    ChatResponse viaHandle =
        handle.completion().toCompletableFuture().get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    assertEquals(1, h.terminalCalls(), "the handle completes only after the handler's terminal call");
    assertEquals(h.response(), viaHandle);
  }

  @Test
  void cancelReachesTheModelAndCompletesWithCancelled() throws Exception {
    GenerationHandle[] handle = new GenerationHandle[1];
    RecordingStreamHandler h =
        new RecordingStreamHandler(
            token -> {
              synchronized (handle) {
                while (handle[0] == null) {
                  try {
                    handle.wait();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                  }
                }
                handle[0].cancel();
              }
            });
    GenerationHandle started = model().stream(request(4096), h);
    synchronized (handle) {
      handle[0] = started;
      handle.notifyAll();
    }
    assertTrue(h.await(timeout()), "a cancelled generation must complete promptly");
    assertEquals(List.of(), h.violations());
    ChatResponse r = h.response();
    assertNotNull(r, () -> "expected completion, got error " + h.error());
    assertEquals(FinishReason.CANCELLED, r.finishReason());
    assertTrue(h.tokens().size() <= 2, "generation went on after cancel: " + h.tokens().size() + " tokens");
    assertEquals(r.text(), h.text());
  }

  @Test
  void cancelledGenerationFreesTheModelForTheNextRequest() throws Exception {
    RecordingStreamHandler first = new RecordingStreamHandler();
    GenerationHandle handle = model().stream(request(4096), first);
    handle.cancel();
    assertTrue(first.await(timeout()), "a cancelled generation must complete promptly");
    ChatResponse next = model().generate(request(4));
    assertEquals(4, next.usage().completionTokens());
  }

  @Test
  void cancelIsIdempotentAndHarmlessAfterCompletion() throws Exception {
    RecordingStreamHandler h = new RecordingStreamHandler();
    GenerationHandle handle = model().stream(request(4), h);
    assertTrue(h.await(timeout()));
    handle.cancel();
    handle.cancel();
    assertEquals(1, h.terminalCalls());
    assertEquals(List.of(), h.violations());
    assertEquals(FinishReason.LENGTH, h.response().finishReason());
  }

  @Test
  void handlerThatThrowsCancelsTheGenerationAndGetsOnError() throws Exception {
    RecordingStreamHandler h =
        new RecordingStreamHandler(
            token -> {
              throw new IllegalStateException("handler failure on purpose");
            });
    awaitStream(request(4096), h);
    assertNotNull(h.error(), "a handler that throws must end the generation with onError");
    assertEquals(1, h.tokens().size(), "no token after the handler threw");
  }

  @Test
  void concurrentStreamsEachGetTheirOwnCompleteReply() throws Exception {
    List<RecordingStreamHandler> handlers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RecordingStreamHandler h = new RecordingStreamHandler();
      handlers.add(h);
      model().stream(request(8), h);
    }
    for (RecordingStreamHandler h : handlers) {
      assertTrue(h.await(timeout()), "a concurrent stream did not complete");
      assertEquals(List.of(), h.violations());
      assertNotNull(h.response(), () -> "error: " + h.error());
      assertEquals(h.response().text(), h.text());
    }
  }

  @Test
  void sameSeedGivesTheSameReply() {
    if (!supportsSeed()) {
      return;
    }
    GenerationOptions seeded = GenerationOptions.builder().maxTokens(12).temperature(0.9).seed(1234).build();
    ChatRequest request = new ChatRequest(prompt(), seeded);
    assertEquals(model().generate(request).text(), model().generate(request).text());
  }

  @Test
  void rejectsNullArgumentsWithNullPointerException() {
    assertThrows(NullPointerException.class, () -> model().stream(null, new RecordingStreamHandler()));
    assertThrows(NullPointerException.class, () -> model().stream(request(4), null));
    assertThrows(NullPointerException.class, () -> model().generate(null));
  }

  private GenerationOptions.Builder withTools(ToolChoice choice) {
    return options().maxTokens(256).tools(WEATHER, CLOCK).toolChoice(choice).parallelToolCalls(false);
  }

  /** Streams {@code request} and returns the error it was refused with, thrown or through the handler. */
  private ParleyException refusal(ChatRequest request) throws InterruptedException {
    RecordingStreamHandler h = new RecordingStreamHandler();
    try {
      model().stream(request, h);
    } catch (ParleyException e) {
      return e;
    }
    assertTrue(h.await(timeout()), "stream did not complete within " + timeout());
    assertNotNull(h.error(), () -> "the request must be refused, it was answered: " + h.response());
    return h.error();
  }

  @Test
  void aModelWithoutToolsRefusesARequestWithToolsNamingThem() throws Exception {
    if (supportsTools()) {
      return;
    }
    ParleyException e = refusal(new ChatRequest(prompt(), withTools(ToolChoice.REQUIRED).build()));
    assertInstanceOf(InvalidRequestException.class, e, () -> "a request with tools must be refused as invalid: " + e);
    assertTrue(e.getMessage().contains("tools"), () -> "the refusal must name the field: " + e.getMessage());
  }

  @Test
  void aModelWithoutResponseFormatsRefusesAJsonSchemaNamingIt() throws Exception {
    if (supportsResponseFormat()) {
      return;
    }
    GenerationOptions o = options().maxTokens(64).responseFormat(ResponseFormat.jsonSchema("answer", ANSWER_SCHEMA, true)).build();
    ParleyException e = refusal(new ChatRequest(prompt(), o));
    assertInstanceOf(InvalidRequestException.class, e, () -> "a request with a response format must be refused as invalid: " + e);
    assertTrue(e.getMessage().contains("responseFormat"), () -> "the refusal must name the field: " + e.getMessage());
  }

  @Test
  void aRequiredToolChoiceEndsWithACallWhoseDeltasAddUp() throws Exception {
    if (!supportsTools()) {
      return;
    }
    RecordingStreamHandler h = awaitStream(new ChatRequest(prompt(), withTools(ToolChoice.REQUIRED).build()), new RecordingStreamHandler());
    ChatResponse r = h.response();
    assertNotNull(r, () -> "error: " + h.error());
    assertEquals(FinishReason.TOOL_CALLS, r.finishReason(), () -> "a required call must end the reply: " + r);
    assertEquals(1, r.toolCalls().size(), "parallelToolCalls false allows one call: " + r.toolCalls());
    ToolCall call = r.toolCalls().get(0);
    assertTrue(Set.of(WEATHER.name(), CLOCK.name()).contains(call.name()), () -> "a call to a tool not offered: " + call);
    assertFalse(call.id().isBlank());
    JsonNode args = assertJsonObject(call.arguments());
    if (call.name().equals(WEATHER.name())) {
      assertTrue(args.path("city").isTextual(), () -> "get_weather requires a string city: " + call.arguments());
    }
    assertEquals(r.toolCalls(), h.toolCalls(), "the streamed deltas must add up to the calls");
  }

  @Test
  void aNamedToolChoiceCallsThatTool() throws Exception {
    if (!supportsTools()) {
      return;
    }
    for (ToolSpecification tool : List.of(WEATHER, CLOCK)) {
      ChatResponse r = model().generate(new ChatRequest(prompt(), withTools(ToolChoice.tool(tool.name())).build()));
      assertEquals(FinishReason.TOOL_CALLS, r.finishReason(), () -> "a named call must end the reply: " + r);
      assertEquals(List.of(tool.name()), r.toolCalls().stream().map(ToolCall::name).toList());
      assertJsonObject(r.toolCalls().get(0).arguments());
    }
  }

  @Test
  void toolChoiceNoneCallsNoTool() {
    if (!supportsTools()) {
      return;
    }
    ChatResponse r = model().generate(new ChatRequest(prompt(), withTools(ToolChoice.NONE).maxTokens(8).build()));
    assertEquals(List.of(), r.toolCalls());
    assertNotEquals(FinishReason.TOOL_CALLS, r.finishReason());
  }

  @Test
  void aToolResultIsAcceptedAndAnswered() {
    if (!supportsTools()) {
      return;
    }
    List<Message> conversation = new ArrayList<>(prompt());
    ToolCall call = new ToolCall("call_contract_1", WEATHER.name(), "{\"city\":\"Oslo\"}");
    conversation.add(Message.assistant(List.of(call)));
    conversation.add(Message.toolResult(call.id(), "{\"temperature\":4,\"sky\":\"clear\"}"));
    ChatResponse r = model().generate(new ChatRequest(conversation, withTools(ToolChoice.NONE).maxTokens(8).build()));
    assertTrue(r.usage().completionTokens() > 0, () -> "a tool result must be answered: " + r);
    assertEquals(List.of(), r.toolCalls());
  }

  @Test
  void aJsonSchemaReplyValidates() throws Exception {
    if (!supportsResponseFormat()) {
      return;
    }
    GenerationOptions o = options().maxTokens(256).responseFormat(ResponseFormat.jsonSchema("answer", ANSWER_SCHEMA, true)).build();
    RecordingStreamHandler h = awaitStream(new ChatRequest(prompt(), o), new RecordingStreamHandler());
    ChatResponse r = h.response();
    assertNotNull(r, () -> "error: " + h.error());
    assertEquals(FinishReason.STOP, r.finishReason(), () -> "a reply bound to a short schema must end by itself: " + r);
    JsonNode reply = assertJsonObject(r.text());
    assertTrue(reply.path("answer").isTextual() && reply.path("answer").asText().length() <= 12,
        () -> "answer must be a string of at most 12 characters: " + r.text());
    assertTrue(reply.path("confident").isBoolean(), () -> "confident must be a boolean: " + r.text());
    assertEquals(2, reply.size(), () -> "no properties beyond the schema's: " + r.text());
  }

  private static JsonNode assertJsonObject(String text) {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new AssertionError("not JSON: " + text + " (" + e.getOriginalMessage() + ")", e);
    }
    assertTrue(node != null && node.isObject(), () -> "not a JSON object: " + text);
    return node;
  }

  @Test
  void idIsStableAndNotBlank() {
    String id = model().id();
    assertNotNull(id);
    assertFalse(id.isBlank());
    assertEquals(id, model().id());
  }
}
