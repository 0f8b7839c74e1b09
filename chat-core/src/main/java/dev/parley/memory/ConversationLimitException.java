package dev.parley.memory;

import dev.parley.chat.NonRetriableException;

/**
 * A message cannot be added to a conversation without breaking its limits, even after trimming
 * every older turn: for example the newest turn alone is over the token budget. Nothing was
 * changed. Not retriable with the same message.
 */
public class ConversationLimitException extends NonRetriableException {
  private static final long serialVersionUID = 1L;

  /** Which limit was in the way. */
  public enum Limit {
    TOKENS,
    MESSAGES
  }

  private final String conversationId;
  private final Limit limit;
  private final int required;
  private final int allowed;

  public ConversationLimitException(
      String message, String conversationId, Limit limit, int required, int allowed) {
    super(message);
    this.conversationId = conversationId;
    this.limit = limit;
    this.required = required;
    this.allowed = allowed;
  }

  public String conversationId() {
    return conversationId;
  }

  public Limit limit() {
    return limit;
  }

  /** Tokens or messages the smallest history with the new message would need. */
  public int required() {
    return required;
  }

  /** The configured limit. */
  public int allowed() {
    return allowed;
  }
}
