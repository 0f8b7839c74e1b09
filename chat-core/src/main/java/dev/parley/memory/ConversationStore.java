package dev.parley.memory;

import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where conversation histories live. {@link InMemoryConversationStore} is the default; a database
 * store implements the same three methods. Implementations are thread-safe.
 */
public interface ConversationStore {

  /** The conversation's current history, if it exists. */
  Optional<Conversation> find(String conversationId);

  /**
   * Atomically replaces the conversation with {@code change} applied to its current state ({@link
   * Conversation#empty} when it does not exist yet) and returns the result. Updates of one
   * conversation are serialized; {@code change} may run more than once under optimistic
   * concurrency, so it must have no side effects beyond its result. If it throws, nothing changes
   * and the exception propagates.
   */
  Conversation update(String conversationId, UnaryOperator<Conversation> change);

  /** Removes the conversation; returns whether it existed. */
  boolean delete(String conversationId);
}
