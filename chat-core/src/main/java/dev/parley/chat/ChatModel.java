package dev.parley.chat;

import dev.parley.core.internal.Checks;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A chat model: given a conversation, it writes the next assistant message.
 *
 * <p>An implementation provides {@link #id()} and {@link #stream}; blocking {@link #generate} is
 * built on streaming and may be overridden where a backend does it better. Implementations are
 * thread-safe: one instance serves many concurrent requests, queueing or rejecting (with a
 * {@link RetriableException}) what it cannot run at once.
 *
 * <h2>The streaming contract</h2>
 *
 * <ul>
 *   <li>{@link #stream} returns at once; generation runs elsewhere. Errors found before anything
 *       starts (a closed model, an invalid request) may be thrown from {@code stream} itself as a
 *       {@link ParleyException}.
 *   <li>Tokens reach {@link StreamHandler#onToken} in order, one call at a time, never after the
 *       terminal call. Their concatenation is the final {@link ChatResponse#text()}.
 *   <li>Exactly one terminal call follows: {@link StreamHandler#onComplete} or {@link
 *       StreamHandler#onError}. {@link GenerationHandle#completion()} completes the same way, once that
 *       call has returned.
 *   <li>{@link GenerationHandle#cancel()} reaches the model and frees what the generation holds
 *       (a slot, a thread); the generation then completes with {@link FinishReason#CANCELLED}
 *       and the text produced so far.
 *   <li>If the handler throws, the generation is cancelled and ends with {@link StreamHandler#onError}.
 * </ul>
 *
 * <p>{@code dev.parley.testing.contract.ChatModelContractTest} (artifact {@code chat-testing})
 * checks these rules; every implementation should extend it.
 */
public interface ChatModel {

  /** A stable identifier of the model (for example its file name); part of cache keys. */
  String id();

  /**
   * Starts generating the reply to {@code request}, delivering tokens to {@code handler} as they
   * are produced.
   *
   * @return a handle that cancels the generation and tells when it is complete
   * @throws ParleyException when the generation cannot start
   */
  GenerationHandle stream(ChatRequest request, StreamHandler handler);

  /**
   * Generates the whole reply and returns it. Interrupting the calling thread cancels the
   * generation and throws {@link GenerationCancelledException}.
   *
   * @throws ParleyException when generation fails; {@link ParleyException#isRetriable()} tells
   *     whether trying again may help
   */
  default ChatResponse generate(ChatRequest request) {
    Checks.notNull(request, "request");
    GenerationHandle handle = stream(request, StreamHandler.ignoringTokens());
    CompletableFuture<ChatResponse> result = handle.completion().toCompletableFuture();
    try {
      return result.get();
    } catch (InterruptedException e) {
      handle.cancel();
      Thread.currentThread().interrupt();
      throw new GenerationCancelledException("generation of " + id() + " was interrupted", e);
    } catch (ExecutionException e) {
      throw ParleyException.from(e.getCause());
    } catch (CancellationException e) {
      throw new GenerationCancelledException("generation of " + id() + " was cancelled", e);
    }
  }
}
