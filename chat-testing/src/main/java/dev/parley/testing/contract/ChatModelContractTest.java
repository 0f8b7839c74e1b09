package dev.parley.testing.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
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
  void rejectsNullArgumentsWithIllegalArgumentException() {
    assertThrows(IllegalArgumentException.class, () -> model().stream(null, new RecordingStreamHandler()));
    assertThrows(IllegalArgumentException.class, () -> model().stream(request(4), null));
    assertThrows(IllegalArgumentException.class, () -> model().generate(null));
  }

  @Test
  void idIsStableAndNotBlank() {
    String id = model().id();
    assertNotNull(id);
    assertFalse(id.isBlank());
    assertEquals(id, model().id());
  }
}
