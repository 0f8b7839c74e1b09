package dev.parley.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import dev.parley.chat.Message;
import dev.parley.memory.Conversation;
import dev.parley.memory.ConversationStore;
import dev.parley.memory.StoredMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Parley {@link ConversationStore} as LangChain4j's {@link ChatMemoryStore}: a {@code
 * MessageWindowChatMemory} or {@code TokenWindowChatMemory} over it keeps its messages in Parley's
 * in-memory store or in {@code chat-store-jdbc}'s SQLite or PostgreSQL database, one conversation per
 * memory id ({@code String.valueOf(memoryId)}).
 *
 * <p>LangChain4j hands over a memory's whole window on each update. Messages the window still holds
 * keep their place (and, in a JDBC store, their rows), wherever it evicted others from; the ones it
 * evicted leave the memory (a JDBC store marks them out of memory and keeps them in the
 * transcript); new ones are appended. A tool
 * result's tool name is kept in the message's metadata. Thread-safe as the store is.
 */
public final class ParleyChatMemoryStore implements ChatMemoryStore {
  private final ConversationStore store;

  public ParleyChatMemoryStore(ConversationStore store) {
    this.store = Objects.requireNonNull(store, "store must not be null");
  }

  @Override
  public List<ChatMessage> getMessages(Object memoryId) {
    return store.find(id(memoryId)).map(c -> c.toMessages().stream().map(Conversions::chatMessage).toList())
        .orElse(List.of());
  }

  @Override
  public void updateMessages(Object memoryId, List<ChatMessage> messages) {
    Objects.requireNonNull(messages, "messages must not be null");
    List<Message> window = messages.stream().map(Conversions::message).toList();
    String id = id(memoryId);
    store.update(id, current -> {
      // The window's messages that are stored already, in order (eviction takes some out of the
      // middle: a pinned system message stays first), keep their place; the rest are new.
      List<StoredMessage> old = current.messages();
      List<StoredMessage> next = new ArrayList<>();
      int from = 0;
      int matched = 0;
      for (Message m : window) {
        int at = indexOf(old, m, from);
        if (at < 0) {
          break;
        }
        next.add(old.get(at));
        from = at + 1;
        matched++;
      }
      long sequence = current.nextSequence();
      for (Message m : window.subList(matched, window.size())) {
        next.add(new StoredMessage(sequence++, m, 0));
      }
      return new Conversation(id, next, sequence);
    });
  }

  @Override
  public void deleteMessages(Object memoryId) {
    store.delete(id(memoryId));
  }

  private static String id(Object memoryId) {
    return String.valueOf(Objects.requireNonNull(memoryId, "memoryId must not be null"));
  }

  private static int indexOf(List<StoredMessage> stored, Message m, int from) {
    for (int i = from; i < stored.size(); i++) {
      if (sameMessage(stored.get(i).message(), m)) {
        return i;
      }
    }
    return -1;
  }

  /** The same message, whenever it was written. */
  private static boolean sameMessage(Message a, Message b) {
    return a.role() == b.role() && a.content().equals(b.content()) && a.toolCalls().equals(b.toolCalls())
        && Objects.equals(a.toolCallId(), b.toolCallId()) && Objects.equals(a.reasoning(), b.reasoning());
  }
}
