package dev.parley.chat;

import dev.parley.core.internal.Checks;
import java.util.List;

/**
 * What a {@link ChatModel} is asked: the conversation so far and how to generate the reply.
 * Immutable; the message list is copied.
 *
 * @param messages the conversation, oldest first; at least one message
 * @param options how to generate
 */
public record ChatRequest(List<Message> messages, GenerationOptions options) {

  public ChatRequest {
    Checks.notNull(messages, "messages");
    Checks.notNull(options, "options");
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("messages must not be empty");
    }
    for (int i = 0; i < messages.size(); i++) {
      if (messages.get(i) == null) {
        throw new IllegalArgumentException("messages[" + i + "] must not be null");
      }
    }
    messages = List.copyOf(messages);
  }

  public static ChatRequest of(List<Message> messages) {
    return new ChatRequest(messages, GenerationOptions.defaults());
  }

  public static ChatRequest of(Message... messages) {
    return of(List.of(Checks.notNull(messages, "messages")));
  }

  /** A copy with other options. */
  public ChatRequest withOptions(GenerationOptions options) {
    return new ChatRequest(messages, options);
  }

  /** The newest message. */
  public Message lastMessage() {
    return messages.get(messages.size() - 1);
  }
}
