package dev.parley.chat;

import dev.parley.core.internal.Checks;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link ChatModel} is asked: the conversation so far and how to generate the reply.
 * Immutable; the message list is copied.
 *
 * @param messages the conversation, oldest first; at least one message
 * @param options how to generate
 * @param conversationId the conversation this request continues (as {@code ConversationManager}
 *     names it), or null. An engine may keep what it computed for the conversation's earlier turns
 *     under this id, so that the next turn processes only its new messages; it never changes the
 *     reply, and it is not part of the response cache's key.
 */
public record ChatRequest(List<Message> messages, GenerationOptions options, @Nullable String conversationId) {

  public ChatRequest {
    Checks.notNull(messages, "messages");
    Checks.notNull(options, "options");
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("messages must not be empty");
    }
    for (int i = 0; i < messages.size(); i++) {
      if (messages.get(i) == null) {
        throw new NullPointerException("messages[" + i + "] must not be null");
      }
    }
    messages = List.copyOf(messages);
    if (conversationId != null && conversationId.isBlank()) {
      throw new IllegalArgumentException("conversationId must not be blank, was \"" + conversationId + "\"");
    }
  }

  /** A request that names no conversation. */
  public ChatRequest(List<Message> messages, GenerationOptions options) {
    this(messages, options, null);
  }

  public static ChatRequest of(List<Message> messages) {
    return new ChatRequest(messages, GenerationOptions.defaults());
  }

  public static ChatRequest of(Message... messages) {
    return of(List.of(Checks.notNull(messages, "messages")));
  }

  /** A copy with other options. */
  public ChatRequest withOptions(GenerationOptions options) {
    return new ChatRequest(messages, options, conversationId);
  }

  /** A copy that names its conversation (null: none). */
  public ChatRequest withConversation(@Nullable String conversationId) {
    return new ChatRequest(messages, options, conversationId);
  }

  /** The conversation this request continues, if it names one. */
  public Optional<String> conversation() {
    return Optional.ofNullable(conversationId);
  }

  /** The newest message. */
  public Message lastMessage() {
    return messages.get(messages.size() - 1);
  }
}
