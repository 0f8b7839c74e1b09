package dev.parley.chat;

import java.util.List;

/**
 * Counts tokens the way a model does. Conversation memory trims by these counts, so they must come
 * from the model's own tokenizer, not a characters-per-token guess. Thread-safe.
 *
 * <p>Only {@link #countTokens(String)} is required. A tokenizer that knows its model's chat
 * template overrides the other two to add the template's framing: the tokens around each message
 * and those that open the assistant's reply.
 */
public interface Tokenizer {

  /** Tokens in {@code text} alone, without special tokens. */
  int countTokens(String text);

  /** Tokens that {@code message} adds to a prompt, template framing included. */
  default int countTokens(Message message) {
    return countTokens(message.content());
  }

  /** Tokens of the whole prompt the model sees for {@code messages}, template overhead included. */
  default int countTokens(List<Message> messages) {
    int total = 0;
    for (Message m : messages) {
      total += countTokens(m);
    }
    return total;
  }
}
