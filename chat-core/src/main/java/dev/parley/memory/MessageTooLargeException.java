package dev.parley.memory;

/**
 * One message has more tokens than the conversation's whole token budget. Nothing was changed.
 * Configure {@link ConversationManager.Builder#truncateOversizedMessages(boolean)} to cut such
 * messages down instead.
 */
public class MessageTooLargeException extends ConversationLimitException {
  private static final long serialVersionUID = 1L;

  public MessageTooLargeException(String conversationId, int tokens, int budget) {
    super(
        "message of " + tokens + " tokens is larger than the token budget of " + budget
            + " for conversation " + conversationId,
        conversationId,
        Limit.TOKENS,
        tokens,
        budget);
  }
}
