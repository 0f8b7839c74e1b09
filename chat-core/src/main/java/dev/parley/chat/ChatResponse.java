package dev.parley.chat;

import dev.parley.core.internal.Checks;

/**
 * A generated reply.
 *
 * @param text the reply text (partial when {@code finishReason} is {@link FinishReason#CANCELLED})
 * @param finishReason why generation ended
 * @param usage tokens used
 */
public record ChatResponse(String text, FinishReason finishReason, TokenUsage usage) {
  public ChatResponse {
    Checks.notNull(text, "text");
    Checks.notNull(finishReason, "finishReason");
    Checks.notNull(usage, "usage");
  }

  /** The reply as an assistant message, ready to append to a conversation. */
  public Message toMessage() {
    return Message.assistant(text);
  }
}
