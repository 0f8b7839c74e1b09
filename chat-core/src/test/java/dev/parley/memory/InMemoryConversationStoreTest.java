package dev.parley.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.Message;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InMemoryConversationStoreTest {
  private final AtomicLong nanos = new AtomicLong();

  @Test
  void dropsAConversationIdleLongerThanTheLimit() {
    InMemoryConversationStore store =
        InMemoryConversationStore.builder().expireAfterIdle(Duration.ofMinutes(10)).ticker(nanos::get).build();
    ConversationManager memory = ConversationManager.builder().store(store).build();
    memory.append("idle", Message.user("hi"));
    memory.append("busy", Message.user("hi"));

    nanos.addAndGet(Duration.ofMinutes(6).toNanos());
    memory.append("busy", Message.user("still here"));
    nanos.addAndGet(Duration.ofMinutes(6).toNanos());

    assertTrue(store.find("idle").isEmpty(), "idle for 12 minutes: dropped");
    assertEquals(2, memory.history("busy").size(), "used 6 minutes ago: kept");
  }

  @Test
  void keepsAtMostTheConfiguredNumberOfConversations() {
    InMemoryConversationStore store = InMemoryConversationStore.builder().maximumConversations(100).build();
    ConversationManager memory = ConversationManager.builder().store(store).build();
    for (int i = 0; i < 1_000; i++) {
      memory.append("c" + i, Message.user("hi"));
    }
    assertTrue(store.size() <= 100, "size " + store.size());
  }

  @Test
  void failedChangeLeavesTheConversationAsItWas() {
    InMemoryConversationStore store = InMemoryConversationStore.create();
    ConversationManager memory = ConversationManager.builder().store(store).build();
    memory.append("c", Message.user("kept"));
    assertThrows(IllegalStateException.class, () -> store.update("c", c -> {
      throw new IllegalStateException("boom");
    }));
    assertEquals(List.of("kept"), memory.history("c").stream().map(Message::content).toList());
  }

  @Test
  void rejectsBadSettings() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> InMemoryConversationStore.builder().maximumConversations(0));
    assertEquals("maximumConversations must be > 0, was 0", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> InMemoryConversationStore.builder().expireAfterIdle(Duration.ofSeconds(-1)));
  }
}
