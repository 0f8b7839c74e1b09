package dev.parley.pipeline;

import dev.parley.chat.Role;
import dev.parley.memory.Conversation;
import dev.parley.memory.ConversationStore;
import dev.parley.memory.InMemoryConversationStore;
import dev.parley.memory.NoSuchConversationException;
import dev.parley.memory.StoredMessage;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * An in-memory store that can refuse to create conversations, fail on demand, hold assistant
 * writes until released, and remember which threads wrote.
 */
class TestStore implements ConversationStore {
  private final InMemoryConversationStore delegate = InMemoryConversationStore.create();
  private final boolean creates;
  volatile boolean failing;
  volatile boolean failAssistantWrites;
  volatile CountDownLatch holdAssistantWrites = new CountDownLatch(0);
  final CountDownLatch assistantWriteWaiting = new CountDownLatch(1);
  final List<String> writerThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
  final java.util.Set<String> created = ConcurrentHashMap.newKeySet();
  /** Counted down by a subclass's delete (see ChatPipelineTest). */
  final CountDownLatch deleted = new CountDownLatch(1);

  TestStore(boolean creates) {
    this.creates = creates;
  }

  /** Creates an empty conversation, as a store with owners does when a session is made. */
  synchronized void create(String id) {
    created.add(id);
    delegate.update(id, c -> c);
  }

  @Override
  public Optional<Conversation> find(String conversationId) {
    return delegate.find(conversationId);
  }

  @Override
  public synchronized Conversation update(String conversationId, UnaryOperator<Conversation> change) {
    // Synchronized, as a real store's transaction is: "does it exist?" and the write are one step,
    // so a delete cannot slip between them and the write bring the conversation back.
    if (failing) {
      throw new IllegalStateException("database is locked");
    }
    if (!creates && delegate.find(conversationId).isEmpty()) {
      throw new NoSuchConversationException(conversationId);
    }
    Conversation[] out = new Conversation[1];
    delegate.update(conversationId, c -> {
      Conversation next = change.apply(c);
      boolean assistant = next.messages().stream().anyMatch(m -> m.message().role() == Role.ASSISTANT
          && c.messages().stream().noneMatch(old -> old.sequence() == m.sequence()));
      if (assistant && failAssistantWrites) {
        throw new IllegalStateException("disk full");
      }
      if (assistant) {
        writerThreads.add(Thread.currentThread().getName());
        assistantWriteWaiting.countDown();
        try {
          if (!holdAssistantWrites.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("held too long");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      out[0] = next;
      return next;
    });
    return out[0];
  }

  @Override
  public synchronized boolean delete(String conversationId) {
    return delegate.delete(conversationId);
  }

  List<StoredMessage> messages(String id) {
    return delegate.find(id).map(Conversation::messages).orElse(List.of());
  }
}
