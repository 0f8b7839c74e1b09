package dev.parley.memory;

import dev.parley.core.internal.Checks;
import dev.parley.chat.Message;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An immutable snapshot of one conversation's history, oldest message first, with its total token
 * count. {@link ConversationStore} implementations keep these; {@link ConversationManager} makes
 * new ones.
 */
public final class Conversation {
  private final String id;
  private final List<StoredMessage> messages;
  private final long nextSequence;
  private final int tokens;

  /**
   * @param id the conversation id
   * @param messages the history, in increasing {@link StoredMessage#sequence()} order
   * @param nextSequence the sequence the next appended message gets; greater than every sequence
   *     in {@code messages}
   */
  public Conversation(String id, List<StoredMessage> messages, long nextSequence) {
    this.id = Checks.notBlank(id, "id");
    this.messages = List.copyOf(Checks.notNull(messages, "messages"));
    long previous = -1;
    int sum = 0;
    for (StoredMessage m : this.messages) {
      if (m.sequence() <= previous) {
        throw new IllegalArgumentException(
            "messages must be in increasing sequence order, found " + m.sequence() + " after " + previous);
      }
      previous = m.sequence();
      sum = Math.addExact(sum, m.tokens());
    }
    if (nextSequence <= previous) {
      throw new IllegalArgumentException(
          "nextSequence must be > " + previous + " (the last sequence), was " + nextSequence);
    }
    this.nextSequence = nextSequence;
    this.tokens = sum;
  }

  private Conversation(String id, List<StoredMessage> owned, long nextSequence, int tokens) {
    this.id = id;
    this.messages = Collections.unmodifiableList(owned);
    this.nextSequence = nextSequence;
    this.tokens = tokens;
  }

  /**
   * For {@link ConversationManager}, which builds {@code owned} itself (in sequence order, with
   * {@code tokens} summed as it goes) and never touches it again: no copy, no second pass.
   */
  static Conversation ofOwned(String id, List<StoredMessage> owned, long nextSequence, int tokens) {
    return new Conversation(id, owned, nextSequence, tokens);
  }

  /** An empty conversation. */
  public static Conversation empty(String id) {
    return new Conversation(id, List.of(), 0);
  }

  public String id() {
    return id;
  }

  /** The kept history, oldest first. */
  public List<StoredMessage> messages() {
    return messages;
  }

  /** The kept history as plain messages, ready for a {@code ChatRequest}. */
  public List<Message> toMessages() {
    List<Message> out = new ArrayList<>(messages.size());
    for (StoredMessage m : messages) {
      out.add(m.message());
    }
    return Collections.unmodifiableList(out);
  }

  /** Sum of the kept messages' token counts. */
  public int tokens() {
    return tokens;
  }

  /** The sequence the next appended message gets. */
  public long nextSequence() {
    return nextSequence;
  }

  public boolean isEmpty() {
    return messages.isEmpty();
  }

  @Override
  public String toString() {
    return "Conversation[" + id + ", " + messages.size() + " messages, " + tokens + " tokens]";
  }
}
