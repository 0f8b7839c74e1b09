package dev.parley.chat;

import java.util.concurrent.CompletionStage;

/** A running generation, returned by {@link ChatModel#stream}. Thread-safe. */
public interface GenerationHandle {

  /**
   * Stops the generation and frees what it holds in the model. Idempotent, returns at once; has no
   * effect once the generation is complete. The generation then completes with {@link
   * FinishReason#CANCELLED}.
   */
  void cancel();

  /**
   * Completes when the generation ends, with the same outcome the handler sees: the response, or
   * a {@link ParleyException}.
   */
  CompletionStage<ChatResponse> completion();
}
