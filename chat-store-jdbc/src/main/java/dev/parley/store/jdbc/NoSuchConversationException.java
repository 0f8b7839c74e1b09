package dev.parley.store.jdbc;

import dev.parley.chat.NonRetriableException;

/**
 * An update of a conversation that does not exist through {@link JdbcConversationStore#existingOnly()}:
 * it was deleted (for instance while its reply was being generated) or never created.
 */
public final class NoSuchConversationException extends NonRetriableException {
  private static final long serialVersionUID = 1L;

  private final String conversationId;

  NoSuchConversationException(String conversationId) {
    super("no conversation " + conversationId + ": it was deleted or never created");
    this.conversationId = conversationId;
  }

  /** The conversation that was asked for. */
  public String conversationId() {
    return conversationId;
  }
}
