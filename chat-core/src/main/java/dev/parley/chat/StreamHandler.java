package dev.parley.chat;

/**
 * Receives a streamed reply: tokens in order, then exactly one of {@link #onComplete} or {@link
 * #onError}. Calls for one generation never overlap, but may come from any thread; a handler must
 * not block for long, since the model may wait for it.
 *
 * <p>A reply may also carry reasoning ({@link #onReasoning}) and tool calls ({@link #onToolCall}),
 * streamed apart from its text. Both have empty defaults, so a handler that only wants the text
 * implements the three methods above.
 */
public interface StreamHandler {

  /** The next piece of the reply text (one model token, decoded; may be a partial word). */
  void onToken(String token);

  /**
   * The next piece of the model's reasoning, kept apart from the reply text. The pieces add up to
   * {@link ChatResponse#reasoning()}. Does nothing by default.
   */
  default void onReasoning(String text) {}

  /**
   * The next piece of a tool call. The deltas add up to {@link ChatResponse#toolCalls()} as {@link
   * ToolCallDelta} says. Does nothing by default.
   */
  default void onToolCall(ToolCallDelta delta) {}

  /** The generation ended; {@code response.text()} is the concatenation of every token. */
  void onComplete(ChatResponse response);

  /** The generation failed; no further calls follow. */
  void onError(ParleyException error);

  /** A handler that drops tokens and terminal events, for callers that only use the handle. */
  static StreamHandler ignoringTokens() {
    return IgnoringHandler.INSTANCE;
  }
}

enum IgnoringHandler implements StreamHandler {
  INSTANCE;

  @Override
  public void onToken(String token) {}

  @Override
  public void onComplete(ChatResponse response) {}

  @Override
  public void onError(ParleyException error) {}
}
