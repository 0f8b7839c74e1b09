package dev.parley.pipeline;

import dev.parley.chat.ToolCallDelta;

/**
 * The events of one reply. {@link #onToken} runs on the model's thread: keep it short (hand the
 * text to the connection's own queue). {@link #onEnd} runs once, after the reply was stored (or not),
 * on the pipeline's store thread, never the model's.
 */
public interface ReplyListener {
  /** A piece of the reply's text, in order. */
  void onToken(String token);

  /** A piece of the model's reasoning, kept apart from the text; on the model's thread. */
  default void onReasoning(String text) {}

  /** A piece of a tool call the model makes (its id and name first); on the model's thread. */
  default void onToolCall(ToolCallDelta delta) {}

  /** The reply ended; called exactly once, also when it failed or was cancelled. */
  void onEnd(ReplyResult result);
}
