package dev.parley.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.GenerationFailedException;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolCallDelta;
import dev.parley.chat.ToolSpecification;
import dev.parley.memory.ConversationManager;
import dev.parley.memory.StoredMessage;
import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.TokenBucketRateLimiter;
import dev.parley.sanitize.InputSanitizer;
import dev.parley.testing.FakeChatModel;
import dev.parley.testing.ScriptedReply;
import dev.parley.testing.TokenGate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChatPipelineTest {
  private static final Duration WAIT = Duration.ofMinutes(1);
  private final FakeChatModel model = FakeChatModel.builder().id("fake")
      .responder(r -> "echo " + r.lastMessage().content()).build();
  private final TestStore store = new TestStore(false);
  private final TokenBucketRateLimiter limiter = TokenBucketRateLimiter.builder().limit(Limit.perDay(10)).build();
  private ChatPipeline pipeline;

  private ChatPipeline.Builder builder() {
    return ChatPipeline.builder(model, ConversationManager.builder().store(store).tokenizer(model.tokenizer())
        .maxTokens(40).build()).rateLimiter(limiter)
        .sanitizer(InputSanitizer.builder().maxCharacters(100).build());
  }

  private ChatPipeline pipeline() {
    pipeline = builder().build();
    return pipeline;
  }

  @AfterEach
  void close() {
    if (pipeline != null) {
      pipeline.close();
    }
  }

  private long remaining(String user) {
    // charge(…, 1) then release(…, 1) reads the balance without changing it.
    long left = limiter.charge(user, 1).remaining() + 1;
    limiter.release(user, 1);
    return left;
  }

  @Test
  void aTurnStoresTheMessageThenStreamsAndStoresTheReplyOffTheModelsThread() throws Exception {
    ChatPipeline p = pipeline();
    store.create("c1");
    Recorder listener = new Recorder();

    TurnOutcome outcome = p.send(Turn.message("alice", "c1", "hello\u0007 there"), listener);

    TurnOutcome.Started started = assertInstanceOf(TurnOutcome.Started.class, outcome);
    assertEquals("hello there", started.message().message().content(), "sanitized before it is stored");
    assertEquals("alice", started.message().message().metadata().get(ChatPipeline.AUTHOR_KEY));
    assertEquals(9, started.decision().remaining());
    ReplyResult result = listener.await();
    assertEquals(ReplyStatus.COMPLETE, result.status());
    assertTrue(result.stored());
    assertEquals("echo hello there", listener.text());
    assertEquals(1, listener.ends.get());
    List<StoredMessage> messages = store.messages("c1");
    assertEquals(List.of(Role.USER, Role.ASSISTANT), messages.stream().map(m -> m.message().role()).toList());
    assertEquals("echo hello there", messages.get(1).message().content());
    assertTrue(store.writerThreads.get(0).startsWith("parley-pipeline-"), store.writerThreads.toString());
    assertTrue(listener.endThread.startsWith("parley-pipeline-"), listener.endThread);
    assertEquals(result, started.reply().completion().toCompletableFuture().get(1, TimeUnit.SECONDS));
    assertEquals(0, p.inFlight());
  }

  @Test
  void aRepliesReasoningAndToolCallsReachTheListenerAndAreStoredWithIt() throws Exception {
    FakeChatModel calling = FakeChatModel.builder().id("calling").script(r -> ScriptedReply.toolCalls(
        new ToolCall("call_1", "get_weather", "{\"city\":\"Oslo\"}")).withReasoning("Look it up.")).build();
    pipeline = ChatPipeline.builder(calling, ConversationManager.builder().store(store).build())
        .defaults(GenerationOptions.builder().tools(ToolSpecification.of("get_weather", "Weather.")).build()).build();
    store.create("c1");
    List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    Recorder listener = new Recorder() {
      @Override
      public void onReasoning(String text) {
        heard.add("reasoning " + text);
      }

      @Override
      public void onToolCall(ToolCallDelta delta) {
        heard.add("call " + delta.index() + (delta.opensCall() ? " " + delta.name() : "") + " " + delta.arguments());
      }
    };

    pipeline.send(Turn.message("alice", "c1", "Weather in Oslo?"), listener);

    assertTrue(listener.await().stored());
    assertEquals("Look it up.", String.join("", heard.stream().filter(e -> e.startsWith("reasoning "))
        .map(e -> e.substring("reasoning ".length())).toList()));
    assertTrue(heard.get(0).startsWith("reasoning "), "the reasoning comes first: " + heard);
    assertEquals("{\"city\":\"Oslo\"}", String.join("", heard.stream().filter(e -> e.startsWith("call 0"))
        .map(e -> e.substring(e.lastIndexOf(' ') + 1)).toList()));
    Message stored = store.messages("c1").get(1).message();
    assertEquals(List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Oslo\"}")), stored.toolCalls());
    assertEquals("Look it up.", stored.reasoning());
    assertEquals(dev.parley.chat.FinishReason.TOOL_CALLS, stored.finishReason());
  }

  @Test
  void theModelsSlotIsFreeWhileTheReplyIsWrittenAndTheListenerHearsOnlyAfterwards() throws Exception {
    ChatPipeline p = pipeline();
    store.create("c1");
    store.holdAssistantWrites = new CountDownLatch(1);
    Recorder listener = new Recorder();

    p.send(Turn.message("alice", "c1", "slow database"), listener);

    assertTrue(store.assistantWriteWaiting.await(10, TimeUnit.SECONDS));
    assertEquals(0, model.activeGenerations(), "the model is done while the store writes");
    assertEquals(1, p.inFlight());
    assertFalse(listener.end.isDone(), "no end before the reply is stored");
    store.holdAssistantWrites.countDown();
    assertTrue(listener.await().stored());
    assertEquals(0, p.inFlight());
  }

  @Test
  void refusedTurnsStoreNothingAndSpendNoPermit() throws Exception {
    ChatPipeline p = pipeline();
    store.create("c1");
    Recorder never = new Recorder();

    TurnOutcome.Rejected empty = assertInstanceOf(TurnOutcome.Rejected.class,
        p.send(Turn.message("alice", "c1", " \u0000 "), never));
    assertEquals(Rejection.INVALID_TEXT, empty.reason());
    TurnOutcome.Rejected tooLong = assertInstanceOf(TurnOutcome.Rejected.class,
        p.send(Turn.message("alice", "c1", "x".repeat(101)), never));
    assertEquals(Rejection.TOO_LONG, tooLong.reason());
    TurnOutcome.Rejected overMemory = assertInstanceOf(TurnOutcome.Rejected.class,
        p.send(Turn.message("alice", "c1", "w ".repeat(45)), never));
    assertEquals(Rejection.OVER_MEMORY, overMemory.reason());
    assertTrue(overMemory.message().contains("40-token"), overMemory.message());
    TurnOutcome.Rejected gone = assertInstanceOf(TurnOutcome.Rejected.class,
        p.send(Turn.message("alice", "deleted", "hello"), never));
    assertEquals(Rejection.NO_SUCH_CONVERSATION, gone.reason());
    store.failing = true;
    IllegalStateException failed = assertThrows(IllegalStateException.class,
        () -> p.send(Turn.message("alice", "c1", "hello"), never));
    assertEquals("database is locked", failed.getMessage());

    assertEquals(10, remaining("alice"), "no permit spent by refused or failed turns");
    assertTrue(store.messages("c1").isEmpty());
    assertEquals(0, never.ends.get());
    assertTrue(model.requests().isEmpty());
  }

  @Test
  void overTheLimitIsRateLimitedAndStoresNothing() {
    ChatPipeline p = pipeline();
    store.create("c1");
    for (int i = 0; i < 10; i++) {
      assertInstanceOf(TurnOutcome.Stored.class, p.send(Turn.message("alice", "c1", "m" + i).withoutReply(), new Recorder()));
    }
    TurnOutcome.RateLimited limited = assertInstanceOf(TurnOutcome.RateLimited.class,
        p.send(Turn.message("alice", "c1", "one more"), new Recorder()));
    assertFalse(limited.decision().allowed());
    assertTrue(store.messages("c1").stream().noneMatch(m -> m.message().content().equals("one more")));
    assertInstanceOf(TurnOutcome.Stored.class, p.send(Turn.message("bob", "c1", "bob's").withoutReply(), new Recorder()));
  }

  @Test
  void aCancelledReplyKeepsItsTextMarkedCancelled() throws Exception {
    TokenGate gate = TokenGate.closed();
    FakeChatModel slow = FakeChatModel.builder().responder(r -> "a b c d e f g h i j k l m n o p").gate(gate).build();
    pipeline = ChatPipeline.builder(slow, ConversationManager.builder().store(store).build()).build();
    store.create("c1");
    Recorder listener = new Recorder();
    TurnOutcome.Started s = (TurnOutcome.Started) pipeline.send(Turn.message("alice", "c1", "go").replyAs("ai"), listener);
    gate.release(3);
    await("three tokens streamed").atMost(WAIT).until(() -> listener.tokens.size() == 3);
    s.reply().cancel();

    ReplyResult r = listener.await();
    assertEquals(ReplyStatus.CANCELLED, r.status());
    assertTrue(r.stored());
    Message stored = store.messages("c1").get(1).message();
    assertEquals(ReplyStatus.CANCELLED, ReplyStatus.of(stored));
    assertEquals("ai", stored.metadata().get(ChatPipeline.AUTHOR_KEY));
    assertEquals("a b c", stored.content(), "exactly the three tokens streamed before the cancel");
  }

  @Test
  void deletingAConversationCancelsItsReplyAndNothingOfItComesBack() throws Exception {
    TokenGate gate = TokenGate.closed();
    FakeChatModel slow = FakeChatModel.builder().responder(r -> "a b c d e f g h i j k l m n o p").gate(gate).build();
    // A store that creates conversations on update: the late reply must still not bring it back.
    TestStore creating = new TestStore(true);
    pipeline = ChatPipeline.builder(slow, ConversationManager.builder().store(creating).build()).build();
    Recorder listener = new Recorder();
    TurnOutcome.Started s = (TurnOutcome.Started) pipeline.send(Turn.message("alice", "room", "go"), listener);
    gate.release(1);
    await("the first token streamed").atMost(WAIT).until(() -> listener.tokens.size() == 1);

    assertTrue(pipeline.delete("room"));
    gate.open(); // a reply the delete failed to cancel would now stream to its end

    ReplyResult r = listener.await();
    assertEquals(ReplyStatus.CANCELLED, r.status());
    assertFalse(r.stored());
    assertEquals(List.of("a"), listener.tokens, "nothing streams after the delete");
    assertTrue(creating.find("room").isEmpty(), "the late reply did not re-create the conversation");
    assertEquals(r, s.reply().completion().toCompletableFuture().get());
  }

  @Test
  void aDeleteBetweenTheMessageAndTheReplysStartLeavesNoReplyBehind() throws Exception {
    // A store that creates conversations on update, and deletes this one the moment the user's
    // message is in: the delete lands after the append and before the reply starts, on any machine.
    ChatPipeline[] self = new ChatPipeline[1];
    TestStore creating = new TestStore(true) {
      @Override
      public dev.parley.memory.Conversation update(String id,
          java.util.function.UnaryOperator<dev.parley.memory.Conversation> change) {
        dev.parley.memory.Conversation after = super.update(id, change);
        if (after.messages().size() == 1) {
          new Thread(() -> self[0].delete(id)).start(); // another caller's delete, as a server gets it
          try {
            assertTrue(deleted.await(10, TimeUnit.SECONDS), "the delete ran");
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return after;
      }

      @Override
      public boolean delete(String id) {
        boolean existed = super.delete(id);
        deleted.countDown();
        return existed;
      }
    };
    pipeline = ChatPipeline.builder(model, ConversationManager.builder().store(creating).build()).build();
    self[0] = pipeline;
    Recorder listener = new Recorder();

    TurnOutcome.Started s = (TurnOutcome.Started) pipeline.send(Turn.message("alice", "room", "go"), listener);

    ReplyResult r = listener.await();
    assertEquals(ReplyStatus.CANCELLED, r.status());
    assertFalse(r.stored());
    assertTrue(listener.tokens.isEmpty(), "nothing of the reply streamed: " + listener.tokens);
    assertTrue(creating.find("room").isEmpty(), "the reply did not re-create the deleted conversation");
    assertEquals(0, model.requests().size(), "the model was never asked");
    assertEquals(r, s.reply().completion().toCompletableFuture().get());
  }

  @Test
  void aReplyThatCannotBeStoredIsReportedNotLostSilently() throws Exception {
    ChatPipeline p = pipeline();
    store.create("c1");
    store.failAssistantWrites = true;
    Recorder listener = new Recorder();

    p.send(Turn.message("alice", "c1", "hi"), listener);

    ReplyResult failed = listener.await();
    assertEquals(ReplyStatus.COMPLETE, failed.status());
    assertFalse(failed.stored());
    assertNotNull(failed.storeFailure());
    assertEquals("disk full", failed.storeFailure().getMessage());
    assertEquals("echo hi", failed.response().text(), "the reply still reaches the client");
    assertEquals(1, store.messages("c1").size(), "the user's message is kept");
  }

  @Test
  void aModelWithNoFreeSlotCostsNoPermitButAFailureDoes() throws Exception {
    ChatPipeline p = pipeline();
    store.create("c1");
    model.failNext(1); // ModelUnavailableException: refused before the model did anything
    Recorder busy = new Recorder();
    p.send(Turn.message("alice", "c1", "hello"), busy);
    ReplyResult r = busy.await();
    assertEquals(ReplyStatus.FAILED, r.status());
    assertNull(r.response());
    assertEquals(10, remaining("alice"));
    assertEquals(1, store.messages("c1").size(), "the user's message is kept");

    FakeChatModel broken = FakeChatModel.builder()
        .failure(() -> new GenerationFailedException("out of memory", null)).build();
    broken.failNext(1);
    try (ChatPipeline q = ChatPipeline.builder(broken, ConversationManager.builder().store(store).build())
        .rateLimiter(limiter).build()) {
      Recorder failed = new Recorder();
      q.send(Turn.message("alice", "c1", "again"), failed);
      assertEquals(ReplyStatus.FAILED, failed.await().status());
      assertEquals(9, remaining("alice"), "the first turn's permit came back, this failure's is spent");
    }
  }

  @Test
  void tokensAreChargedWhenTheReplyEndsAndAUserInDebtIsRefused() throws Exception {
    TokenBucketRateLimiter tokens = TokenBucketRateLimiter.builder().limit(Limit.perDay(20)).build();
    pipeline = builder().tokenLimiter(tokens).build();
    store.create("c1");
    Recorder first = new Recorder();
    pipeline.send(Turn.message("alice", "c1", "one two three four five six seven eight"), first);
    ReplyResult r = first.await();
    int used = r.response().usage().totalTokens();
    assertTrue(used > 20, "prompt + reply: " + used);
    assertEquals(0, tokens.tryAcquire("bob").remaining() - 19, "bob untouched");
    TurnOutcome.RateLimited limited = assertInstanceOf(TurnOutcome.RateLimited.class,
        pipeline.send(Turn.message("alice", "c1", "more"), new Recorder()));
    assertEquals(Limit.perDay(20).name(), limited.decision().binding().name());
    assertEquals(9, remaining("alice"), "the refused turn's request permit was given back");
  }

  @Test
  void aStatelessCompletionIsSanitizedFittedAndStoresNothing() throws Exception {
    ChatPipeline p = pipeline();
    Recorder listener = new Recorder();
    List<Message> messages = List.of(Message.system("be brief"), Message.user("old " + "w ".repeat(30)),
        Message.assistant("ok"), Message.user("new\u0007est"));
    TurnOutcome.Started s = assertInstanceOf(TurnOutcome.Started.class,
        p.complete("alice", messages, GenerationOptions.defaults(), listener));
    assertNull(s.message());
    assertEquals("echo newest", listener.await().response().text());
    assertEquals(List.of("be brief", "newest"), model.requests().get(0).messages().stream().map(Message::content).toList(),
        "the oldest turn trimmed to fit 40 tokens; the user's text sanitized");
    assertNull(model.requests().get(0).conversationId());
    assertFalse(listener.await().stored());
    TurnOutcome.Rejected tooBig = assertInstanceOf(TurnOutcome.Rejected.class,
        p.complete("alice", List.of(Message.system("w ".repeat(41))), GenerationOptions.defaults(), listener));
    assertEquals(Rejection.OVER_MEMORY, tooBig.reason());
    assertEquals(9, remaining("alice"));
  }

  @Test
  void drainingFinishesWhatRunsTakesNothingNewAndCancelsWhatOutlastsIt() throws Exception {
    TokenGate gate = TokenGate.closed();
    FakeChatModel slow = FakeChatModel.builder().responder(r -> "a b c d e f g h i j k l m n o p q r s t").gate(gate)
        .build();
    pipeline = ChatPipeline.builder(slow, ConversationManager.builder().store(store).build()).build();
    store.create("c1");
    Recorder listener = new Recorder();
    pipeline.send(Turn.message("alice", "c1", "go"), listener);
    gate.release(1);
    await("the first token streamed").atMost(WAIT).until(() -> listener.tokens.size() == 1);

    // The reply cannot finish (the gate holds it), so draining must cancel it.
    int cancelled = pipeline.drain(Duration.ofMillis(100));

    assertEquals(1, cancelled);
    assertEquals(0, pipeline.inFlight());
    assertEquals(ReplyStatus.CANCELLED, listener.await().status());
    assertTrue(listener.await().stored(), "its partial text is stored");
    TurnOutcome.Rejected r = assertInstanceOf(TurnOutcome.Rejected.class,
        pipeline.send(Turn.message("alice", "c1", "late"), new Recorder()));
    assertEquals(Rejection.DRAINING, r.reason());
  }

  @Test
  void drainingWaitsOnThePipelinesTicker() throws Exception {
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicInteger drainerReads = new java.util.concurrent.atomic.AtomicInteger();
    java.util.function.LongSupplier ticker = () -> {
      if (Thread.currentThread().getName().equals("drainer")) {
        drainerReads.incrementAndGet();
      }
      return now.get();
    };
    TokenGate gate = TokenGate.closed();
    FakeChatModel held = FakeChatModel.builder().responder(r -> "a b c").gate(gate).build();
    pipeline = ChatPipeline.builder(held, ConversationManager.builder().store(store).build()).ticker(ticker).build();
    store.create("c1");
    Recorder listener = new Recorder();
    pipeline.send(Turn.message("alice", "c1", "go"), listener);

    java.util.concurrent.CompletableFuture<Integer> drained = new java.util.concurrent.CompletableFuture<>();
    Thread drainer = new Thread(() -> {
      try {
        drained.complete(pipeline.drain(Duration.ofHours(1)));
      } catch (Throwable e) {
        drained.completeExceptionally(e);
      }
    }, "drainer");
    drainer.start();
    await("the drain reads the ticker").atMost(WAIT).until(() -> drainerReads.get() >= 3);
    assertFalse(drained.isDone(), "no time has passed on the ticker, and the reply is held");
    now.addAndGet(Duration.ofHours(1).toNanos());
    assertEquals(1, drained.get(1, TimeUnit.MINUTES), "an hour passed on the ticker: the held reply is cancelled");
    assertEquals(ReplyStatus.CANCELLED, listener.await().status());
  }
}
