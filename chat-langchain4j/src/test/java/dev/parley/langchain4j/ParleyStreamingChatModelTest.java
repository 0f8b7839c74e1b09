package dev.parley.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.ToolCall;
import dev.parley.testing.FakeChatModel;
import dev.parley.testing.ScriptedReply;
import dev.parley.testing.TokenGate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** A Parley model's stream as LangChain4j's handler hears it. */
class ParleyStreamingChatModelTest {

  /** Everything a handler hears, in order. */
  static class Recorder implements StreamingChatResponseHandler {
    final List<String> events = new ArrayList<>();
    final CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    volatile PartialResponseContext context;

    @Override
    public synchronized void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
      this.context = context;
      events.add("text " + partial.text());
    }

    @Override
    public synchronized void onPartialThinking(PartialThinking thinking) {
      events.add("thinking " + thinking.text());
    }

    @Override
    public synchronized void onPartialToolCall(PartialToolCall call) {
      events.add("partial " + call.index() + " " + call.name() + " " + call.partialArguments());
    }

    @Override
    public synchronized void onCompleteToolCall(CompleteToolCall call) {
      events.add("call " + call.index() + " " + call.toolExecutionRequest().name() + " " + call.toolExecutionRequest().arguments());
    }

    @Override
    public synchronized void onCompleteResponse(ChatResponse response) {
      events.add("complete");
      done.complete(response);
    }

    @Override
    public synchronized void onError(Throwable error) {
      events.add("error");
      done.completeExceptionally(error);
    }

    synchronized List<String> events() {
      return List.copyOf(events);
    }
  }

  @Test
  void tokensThinkingAndTheCompleteResponseArriveInOrder() throws Exception {
    FakeChatModel fake = FakeChatModel.thatReplays(ScriptedReply.text("Hi there").withReasoning("Greet back."));
    Recorder r = new Recorder();
    ParleyChatModel.builder(fake).buildStreaming().chat(ChatRequest.builder().messages(UserMessage.from("Hi")).build(), r);
    ChatResponse response = r.done.get(10, TimeUnit.SECONDS);
    assertEquals("Hi there", response.aiMessage().text());
    assertEquals("Greet back.", response.aiMessage().thinking());
    List<String> events = r.events();
    assertEquals("complete", events.get(events.size() - 1));
    assertTrue(events.indexOf(events.stream().filter(e -> e.startsWith("thinking")).findFirst().orElseThrow())
        < events.indexOf(events.stream().filter(e -> e.startsWith("text")).findFirst().orElseThrow()), events.toString());
    assertEquals("Hi there", String.join("", events.stream().filter(e -> e.startsWith("text ")).map(e -> e.substring(5)).toList()));
  }

  @Test
  void aToolCallStreamsInPiecesThenWholeBeforeTheResponse() throws Exception {
    String args = "{\"city\":\"Oslo\",\"days\":3,\"unit\":\"celsius\"}";
    FakeChatModel fake = FakeChatModel.thatReplays(ScriptedReply.toolCalls(new ToolCall("c9", "get_weather", args)));
    Recorder r = new Recorder();
    ParleyChatModel.builder(fake).buildStreaming().chat(ChatRequest.builder().messages(UserMessage.from("Weather?"))
        .toolSpecifications(ToolSpecification.builder().name("get_weather").build()).build(), r);
    ChatResponse response = r.done.get(10, TimeUnit.SECONDS);
    assertEquals(FinishReason.TOOL_EXECUTION, response.finishReason());
    List<String> events = r.events();
    String pieces = String.join("", events.stream().filter(e -> e.startsWith("partial 0 get_weather "))
        .map(e -> e.substring("partial 0 get_weather ".length())).toList());
    assertEquals(args, pieces, events.toString());
    assertEquals(List.of("call 0 get_weather " + args, "complete"), events.subList(events.size() - 2, events.size()));
  }

  @Test
  void cancellingThroughTheHandleStopsTheParleyGenerationAndSilencesTheHandler() throws Exception {
    TokenGate gate = TokenGate.closed();
    FakeChatModel fake = FakeChatModel.builder().responder(req -> "one two three four five six").gate(gate).build();
    Recorder r = new Recorder();
    ParleyChatModel.builder(fake).buildStreaming().chat(ChatRequest.builder().messages(UserMessage.from("Count")).build(), r);
    gate.release(2);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> r.events().size() == 2);
    r.context.streamingHandle().cancel();
    assertTrue(r.context.streamingHandle().isCancelled());
    gate.open();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> fake.activeGenerations() == 0);
    assertEquals(1, fake.cancellations(), "the generation was cancelled in the model");
    assertEquals(2, r.events().size(), "nothing after the cancel: " + r.events());
    assertTrue(!r.done.isDone());
  }

  @Test
  void aRefusedRequestIsAnErrorOfLangChain4jsKind() {
    FakeChatModel fake = FakeChatModel.builder().failure(() -> new InvalidRequestException("bad")).build().failNext(1);
    Recorder r = new Recorder();
    ParleyChatModel.builder(fake).buildStreaming().chat(ChatRequest.builder().messages(UserMessage.from("Hi")).build(), r);
    Throwable e = Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> r.done.isDone() ? r.done.handle((v, t) -> t).join()
        : null, t -> t != null);
    assertInstanceOf(dev.langchain4j.exception.InvalidRequestException.class, e);
    assertNull(r.context);
  }
}
