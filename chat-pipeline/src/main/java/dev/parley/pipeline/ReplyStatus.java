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

  /**
   * The status of a stored assistant message: {@link #CANCELLED} if its {@linkplain
   * Message#finishReason() finish reason} says so, else {@link #COMPLETE}.
   */
  public static ReplyStatus of(Message stored) {
    return stored.isCancelledReply() ? CANCELLED : COMPLETE;
  }
}
