package dev.parley.chat;

/**
 * Receives a streamed reply: tokens in order, then exactly one of {@link #onComplete} or {@link
 * #onError}. Calls for one generation never overlap, but may come from any thread; a handler must
 * not block for long, since the model may wait for it.
 */
public interface StreamHandler {

  /** The next piece of the reply text (one model token, decoded; may be a partial word). */
  void onToken(String token);

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
