package dev.parley.memory;

import java.util.List;

/**
 * What {@link ConversationManager#append} did.
 *
 * @param conversation the history after the append and any trimming
 * @param appended the stored form of the appended message (its sequence and token count)
 * @param trimmed messages removed by trimming, oldest first; empty when none
 */
public record AppendResult(Conversation conversation, StoredMessage appended, List<StoredMessage> trimmed) {
  public AppendResult {
    trimmed = List.copyOf(trimmed);
  }

  /** True when the appended message had to be truncated to fit the budget. */
  public boolean truncated() {
    return ConversationManager.TRUNCATED.equals(
        appended.message().metadata().get(ConversationManager.TRUNCATED_KEY));
  }
}
