package dev.parley.memory;

import dev.parley.chat.NonRetriableException;

/**
 * A {@link ConversationStore} that does not create conversations was asked to update one that does
 * not exist: it was deleted (for instance while its reply was being generated) or never created.
 */
public class NoSuchConversationException extends NonRetriableException {
  private static final long serialVersionUID = 1L;

  private final String conversationId;

  public NoSuchConversationException(String conversationId) {
    super("no conversation " + conversationId + ": it was deleted or never created");
    this.conversationId = conversationId;
  }

  /** The conversation that was asked for. */
  public String conversationId() {
    return conversationId;
  }
}
