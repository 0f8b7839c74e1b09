package dev.parley.pipeline;

import dev.parley.chat.Message;

/** How a reply ended. */
public enum ReplyStatus {
  /** The model ended it (end of sequence, a stop sequence, or the token limit). */
  COMPLETE,
  /** It was cancelled (by the client, a delete, or a drain); what was generated is kept. */
  CANCELLED,
  /** The model failed; nothing of it was stored. */
  FAILED;

  /** The metadata key that marks a stored reply as cancelled (its text is partial). */
  public static final String CANCELLED_KEY = "parley.cancelled";

  /** The status of a stored assistant message: {@link #CANCELLED} if it is marked so, else {@link #COMPLETE}. */
  public static ReplyStatus of(Message stored) {
    return "true".equals(stored.metadata().get(CANCELLED_KEY)) ? CANCELLED : COMPLETE;
  }
}
