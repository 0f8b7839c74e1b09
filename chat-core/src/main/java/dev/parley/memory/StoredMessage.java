package dev.parley.memory;

import dev.parley.core.internal.Checks;
import dev.parley.chat.Message;

/**
 * A message as conversation memory keeps it: with its place in the conversation and its token
 * count, computed once when it was appended and never again.
 *
 * @param sequence position in the conversation, increasing from 0; never reused, also after trimming
 * @param message the message
 * @param tokens tokens the message adds to a prompt, from the conversation's {@code Tokenizer}
 *     (0 when the manager has none)
 */
public record StoredMessage(long sequence, Message message, int tokens) {
  public StoredMessage {
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence must be >= 0, was " + sequence);
    }
    Checks.notNull(message, "message");
    if (tokens < 0) {
      throw new IllegalArgumentException("tokens must be >= 0, was " + tokens);
    }
  }
}
