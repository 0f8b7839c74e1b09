package dev.parley.cache;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolCallDelta;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A generation that is already over: a reply replayed from the cache. */
final class CompletedGeneration implements GenerationHandle {
  private final CompletableFuture<ChatResponse> completion;

  private CompletedGeneration(CompletableFuture<ChatResponse> completion) {
    this.completion = completion;
  }

  /**
   * Delivers {@code response} to {@code handler} on the calling thread: its reasoning in one piece,
   * its text as one token, each tool call as one delta.
   */
  static GenerationHandle replay(ChatResponse response, StreamHandler handler) {
    CompletableFuture<ChatResponse> f = new CompletableFuture<>();
    try {
      if (response.reasoning() != null && !response.reasoning().isEmpty()) {
        handler.onReasoning(response.reasoning());
      }
      if (!response.text().isEmpty()) {
        handler.onToken(response.text());
      }
      for (int i = 0; i < response.toolCalls().size(); i++) {
        ToolCall call = response.toolCalls().get(i);
        handler.onToolCall(new ToolCallDelta(i, call.id(), call.name(), call.arguments()));
      }
    } catch (RuntimeException e) {
      ParleyException failure = ParleyException.from(e);
      handler.onError(failure);
      f.completeExceptionally(failure);
      return new CompletedGeneration(f);
    }
    handler.onComplete(response);
    f.complete(response);
    return new CompletedGeneration(f);
  }

  @Override
  public void cancel() {}

  @Override
  public CompletionStage<ChatResponse> completion() {
    return completion.minimalCompletionStage();
  }
}
