package dev.parley.cache;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A generation that is already over: a reply replayed from the cache. */
final class CompletedGeneration implements GenerationHandle {
  private final CompletableFuture<ChatResponse> completion;

  private CompletedGeneration(CompletableFuture<ChatResponse> completion) {
    this.completion = completion;
  }

  /** Delivers {@code response} to {@code handler} (its text as one token) on the calling thread. */
  static GenerationHandle replay(ChatResponse response, StreamHandler handler) {
    CompletableFuture<ChatResponse> f = new CompletableFuture<>();
    try {
      if (!response.text().isEmpty()) {
        handler.onToken(response.text());
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
