package dev.parley.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationCancelledException;
import dev.parley.chat.GenerationFailedException;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.ModelUnavailableException;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FakeChatModelTest {
  private static ChatRequest ask(String text) {
    return ChatRequest.of(Message.user(text));
  }

  private static void awaitIdle(FakeChatModel model) {
    org.awaitility.Awaitility.await("no generation active").atMost(Duration.ofMinutes(1))
        .until(() -> model.activeGenerations() == 0);
  }

  @Test
  void alwaysRespondsWithTheGivenReply() {
    FakeChatModel model = FakeChatModel.thatAlwaysResponds("Hello there");
    ChatResponse r = model.generate(ask("anything"));
    assertEquals("Hello there", r.text());
    assertEquals(FinishReason.STOP, r.finishReason());
    assertEquals(2, r.usage().completionTokens());
    assertEquals(3 + 4 + 1, r.usage().promptTokens(), "prompt framing 3, message framing 4, one word");
    assertEquals(List.of(ask("anything").messages().get(0).content()),
        model.requests().stream().map(q -> q.lastMessage().content()).toList());
  }

  @Test
  void echoesTheLastUserMessage() {
    FakeChatModel model = FakeChatModel.thatEchoes();
    ChatRequest r = ChatRequest.of(Message.user("first"), Message.assistant("reply"), Message.user("second one"));
    assertEquals("second one", model.generate(r).text());
  }

  @Test
  void replaysAScriptThenFailsClearly() {
    FakeChatModel model = FakeChatModel.thatReplays("one", "two");
    assertEquals("one", model.generate(ask("a")).text());
    assertEquals("two", model.generate(ask("b")).text());
    GenerationFailedException e = assertThrows(GenerationFailedException.class, () -> model.generate(ask("c")));
    assertTrue(e.getMessage().contains("used up"), e.getMessage());
  }

  @Test
  void streamsWordByWordWithTheConfiguredDelay() throws Exception {
    FakeChatModel model = FakeChatModel.builder().responder(r -> "a b c d").tokenDelay(Duration.ofMillis(20)).build();
    List<String> tokens = new java.util.concurrent.CopyOnWriteArrayList<>();
    long start = System.nanoTime();
    ChatResponse r = model.stream(ask("x"), new Collecting(tokens)).completion().toCompletableFuture().get(5, TimeUnit.SECONDS);
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertEquals(List.of("a", " b", " c", " d"), tokens);
    assertEquals("a b c d", r.text());
    assertTrue(elapsedMs >= 80, "4 tokens at 20 ms each take at least 80 ms, took " + elapsedMs);
  }

  @Test
  void honoursMaxTokensAndStopSequences() {
    FakeChatModel model = FakeChatModel.thatAlwaysResponds("one two three four five");
    ChatResponse cut = model.generate(ask("x").withOptions(GenerationOptions.builder().maxTokens(2).build()));
    assertEquals("one two", cut.text());
    assertEquals(FinishReason.LENGTH, cut.finishReason());
    ChatResponse stopped = model.generate(ask("x").withOptions(GenerationOptions.builder().stopSequences(" three").build()));
    assertEquals("one two", stopped.text());
    assertEquals(FinishReason.STOP_SEQUENCE, stopped.finishReason());
  }

  @Test
  void failsTheNextCallsOnDemand() {
    FakeChatModel model = FakeChatModel.thatAlwaysResponds("ok").failNext(2);
    assertThrows(ModelUnavailableException.class, () -> model.generate(ask("a")));
    assertThrows(ModelUnavailableException.class, () -> model.generate(ask("b")));
    assertEquals("ok", model.generate(ask("c")).text());
  }

  @Test
  void failsWithARepeatableProbability() {
    int[] failures = new int[2];
    for (int run = 0; run < 2; run++) {
      FakeChatModel model = FakeChatModel.builder().failureProbability(0.3, 7).build();
      for (int i = 0; i < 100; i++) {
        try {
          model.generate(ask("x"));
        } catch (ModelUnavailableException e) {
          failures[run]++;
        }
      }
    }
    assertEquals(failures[0], failures[1], "same seed, same failures");
    assertTrue(failures[0] > 15 && failures[0] < 45, "about 30 of 100, was " + failures[0]);
  }

  @Test
  void aClosedGateLetsThroughOnlyTheTokensReleased() throws Exception {
    TokenGate gate = TokenGate.closed();
    FakeChatModel model = FakeChatModel.builder().responder(r -> "a b c d e").gate(gate).build();
    List<String> tokens = new java.util.concurrent.CopyOnWriteArrayList<>();
    GenerationHandle reply = model.stream(ask("x"), new Collecting(tokens));
    CompletableFuture<ChatResponse> f = reply.completion().toCompletableFuture();

    gate.release(2);
    assertTrue(gate.awaitPassed(2, Duration.ofSeconds(10)), gate.toString());
    assertEquals(List.of("a", " b"), tokens, "two permits, two tokens");
    assertFalse(f.isDone(), "the reply waits at the gate for its third token");
    assertEquals(1, model.activeGenerations());

    reply.cancel();
    ChatResponse r = f.get(10, TimeUnit.SECONDS);
    assertEquals(FinishReason.CANCELLED, r.finishReason(), "a cancel does not wait for the gate");
    assertEquals("a b", r.text());
    assertEquals(2, gate.passed());
  }

  @Test
  void anOpenedGateLetsTheRestOfTheReplyStream() throws Exception {
    TokenGate gate = TokenGate.closed();
    FakeChatModel model = FakeChatModel.builder().responder(r -> "a b c").gate(gate).build();
    CompletableFuture<ChatResponse> f = model.stream(ask("x"), StreamHandler.ignoringTokens()).completion()
        .toCompletableFuture();
    assertFalse(gate.awaitPassed(1, Duration.ZERO), "nothing passes a closed gate");
    gate.open();
    ChatResponse r = f.get(10, TimeUnit.SECONDS);
    assertEquals("a b c", r.text());
    assertEquals(FinishReason.STOP, r.finishReason());
    assertEquals(3, gate.passed());
    assertThrows(IllegalArgumentException.class, () -> gate.release(-1));
  }

  @Test
  void hangsUntilCancelledThenFreesItself() throws Exception {
    FakeChatModel model = FakeChatModel.thatAlwaysResponds("ok").hangNext(1);
    GenerationHandle handle = model.stream(ask("x"), StreamHandler.ignoringTokens());
    CompletableFuture<ChatResponse> f = handle.completion().toCompletableFuture();
    assertThrows(java.util.concurrent.TimeoutException.class, () -> f.get(100, TimeUnit.MILLISECONDS));
    assertEquals(1, model.activeGenerations());
    handle.cancel();
    assertEquals(FinishReason.CANCELLED, f.get(5, TimeUnit.SECONDS).finishReason());
    assertEquals(0, model.activeGenerations());
    assertEquals(1, model.cancellations());
  }

  @Test
  void interruptingABlockingGenerateCancelsIt() throws Exception {
    FakeChatModel model = FakeChatModel.thatAlwaysResponds("ok").hangNext(1);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller = new Thread(() -> {
      try {
        model.generate(ask("x"));
      } catch (Throwable t) {
        thrown.set(t);
      }
    });
    caller.start();
    org.awaitility.Awaitility.await("the generation started").atMost(Duration.ofMinutes(1))
        .until(() -> model.activeGenerations() == 1);
    caller.interrupt();
    caller.join(5_000);
    assertFalse(caller.isAlive());
    assertInstanceOf(GenerationCancelledException.class, thrown.get());
    awaitIdle(model);
    assertEquals(0, model.activeGenerations(), "interrupting generate must cancel the generation in the model");
  }

  @Test
  void responderFailureEndsTheStreamWithAMappedError() {
    FakeChatModel model = FakeChatModel.builder().responder(r -> {
      throw new IllegalStateException("bad script");
    }).build();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> model.stream(ask("x"), StreamHandler.ignoringTokens()).completion().toCompletableFuture().get(5, TimeUnit.SECONDS));
    ParleyException p = assertInstanceOf(GenerationFailedException.class, e.getCause());
    assertTrue(p.getMessage().contains("bad script"), p.getMessage());
  }

  private record Collecting(List<String> tokens) implements StreamHandler {
    @Override
    public void onToken(String token) {
      tokens.add(token);
    }

    @Override
    public void onComplete(ChatResponse response) {}

    @Override
    public void onError(ParleyException error) {}
  }

  private static final dev.parley.chat.ToolSpecification WEATHER = dev.parley.chat.ToolSpecification.of("get_weather", "");
  private static final dev.parley.chat.ToolCall CALL = new dev.parley.chat.ToolCall("call_7", "get_weather", "{\"city\":\"Bergen\"}");

  private static ChatRequest withTools(dev.parley.chat.ToolChoice choice, int maxTokens) {
    return new ChatRequest(List.of(Message.user("weather?")),
        GenerationOptions.builder().tools(WEATHER).toolChoice(choice).maxTokens(maxTokens).build());
  }

  @Test
  void scriptedToolCallsAndReasoningStreamApartFromTheText() throws Exception {
    FakeChatModel model = FakeChatModel.thatReplays(ScriptedReply.toolCalls(CALL).withReasoning("I should ask the tool").withText("Checking."));
    dev.parley.testing.contract.RecordingStreamHandler h = new dev.parley.testing.contract.RecordingStreamHandler();
    model.stream(withTools(dev.parley.chat.ToolChoice.AUTO, 64), h);
    assertTrue(h.await(Duration.ofMinutes(1)));
    assertEquals(List.of(), h.violations());
    ChatResponse r = h.response();
    assertEquals(FinishReason.TOOL_CALLS, r.finishReason());
    assertEquals(List.of(CALL), r.toolCalls());
    assertEquals(List.of(CALL), h.toolCalls());
    assertEquals("I should ask the tool", r.reasoning());
    assertEquals("I should ask the tool", h.reasoning());
    assertEquals("Checking.", r.text());
    assertEquals("Checking.", h.text(), "reasoning is not part of the text");
    int argumentPieces = (CALL.arguments().length() + 7) / 8;
    assertEquals(5 + 1 + 1 + argumentPieces, r.usage().completionTokens(), "5 reasoning words, 1 word, the call's opening, its pieces");
  }

  @Test
  void aCallCutAtMaxTokensIsNotMade() throws Exception {
    FakeChatModel model = FakeChatModel.thatReplays(ScriptedReply.toolCalls(CALL));
    dev.parley.testing.contract.RecordingStreamHandler h = new dev.parley.testing.contract.RecordingStreamHandler();
    model.stream(withTools(dev.parley.chat.ToolChoice.AUTO, 2), h);
    assertTrue(h.await(Duration.ofMinutes(1)));
    assertEquals(List.of(), h.violations());
    assertEquals(FinishReason.LENGTH, h.response().finishReason());
    assertEquals(List.of(), h.response().toolCalls());
    assertEquals(1, h.toolCalls().size(), "its opening streamed before the cut");
  }

  @Test
  void aScriptThatBreaksTheToolRulesFailsTheRequest() {
    FakeChatModel unknown = FakeChatModel.thatReplays(ScriptedReply.toolCalls(new dev.parley.chat.ToolCall("c", "get_time", "{}")));
    assertEquals("the script calls get_time, which is not one of the request's tools [get_weather]",
        assertThrows(GenerationFailedException.class, () -> unknown.generate(withTools(dev.parley.chat.ToolChoice.AUTO, 64))).getMessage());
    FakeChatModel forbidden = FakeChatModel.thatReplays(ScriptedReply.toolCalls(CALL));
    assertEquals("the script calls get_weather but the request has tool choice NONE",
        assertThrows(GenerationFailedException.class, () -> forbidden.generate(withTools(dev.parley.chat.ToolChoice.NONE, 64))).getMessage());
    FakeChatModel noTools = FakeChatModel.thatReplays(ScriptedReply.toolCalls(CALL));
    assertEquals("the script calls get_weather but the request offers no tools",
        assertThrows(GenerationFailedException.class, () -> noTools.generate(ask("weather?"))).getMessage());
  }

  @Test
  void aRequiredCallIsMadeEvenByAScriptOfText() {
    FakeChatModel model = FakeChatModel.thatAlwaysResponds("no tools from me");
    ChatResponse r = model.generate(withTools(dev.parley.chat.ToolChoice.REQUIRED, 64));
    assertEquals(FinishReason.TOOL_CALLS, r.finishReason());
    assertEquals("get_weather", r.toolCalls().get(0).name());
    assertEquals("{}", r.toolCalls().get(0).arguments());
    assertEquals("", r.text());
  }

  @Test
  void aCachedToolCallReplaysWithItsDeltas() throws Exception {
    FakeChatModel fake = FakeChatModel.thatReplays(ScriptedReply.toolCalls(CALL).withReasoning("hm"));
    dev.parley.chat.ChatModel cached = dev.parley.cache.ResponseCache.builder().build().decorate(fake);
    ChatRequest request = new ChatRequest(List.of(Message.user("weather?")),
        GenerationOptions.builder().tools(WEATHER).temperature(0).build());
    ChatResponse first = cached.generate(request);
    dev.parley.testing.contract.RecordingStreamHandler h = new dev.parley.testing.contract.RecordingStreamHandler();
    cached.stream(request, h);
    assertTrue(h.await(Duration.ofMinutes(1)));
    assertEquals(List.of(), h.violations());
    assertEquals(first, h.response());
    assertEquals(List.of(CALL), h.toolCalls());
    assertEquals("hm", h.reasoning());
    assertEquals(1, fake.requests().size(), "the second came from the cache");
  }
}
