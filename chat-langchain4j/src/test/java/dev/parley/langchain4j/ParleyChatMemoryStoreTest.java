package dev.parley.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.parley.memory.InMemoryConversationStore;
import dev.parley.memory.StoredMessage;
import dev.parley.store.jdbc.JdbcConversationStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LangChain4j's chat memories kept in Parley's conversation stores. */
class ParleyChatMemoryStoreTest {
  @TempDir Path temp;

  private static final ToolExecutionRequest CALL =
      ToolExecutionRequest.builder().id("c1").name("get_weather").arguments("{\"city\":\"Oslo\"}").build();
  private static final List<ChatMessage> CONVERSATION = List.of(
      SystemMessage.from("Be brief."),
      UserMessage.from("Weather in Oslo?"),
      AiMessage.builder().toolExecutionRequests(List.of(CALL)).thinking("Look it up.").build(),
      ToolExecutionResultMessage.from(CALL, "sunny"),
      AiMessage.from("Sunny."));

  private static ChatMemory memory(ParleyChatMemoryStore store, int maxMessages) {
    return MessageWindowChatMemory.builder().id("alice-1").maxMessages(maxMessages).chatMemoryStore(store).build();
  }

  @Test
  void aMemoryReadsBackEveryKindOfMessageItWrote() {
    ParleyChatMemoryStore store = new ParleyChatMemoryStore(InMemoryConversationStore.builder().build());
    ChatMemory first = memory(store, 20);
    CONVERSATION.forEach(first::add);
    assertEquals(CONVERSATION, memory(store, 20).messages(), "a second memory over the same store and id");
    store.deleteMessages("alice-1");
    assertEquals(List.of(), store.getMessages("alice-1"));
  }

  @Test
  void aJdbcStoreKeepsTheWindowAsMemoryAndEveryMessageInTheTranscript() {
    try (JdbcConversationStore jdbc = JdbcConversationStore.builder("jdbc:sqlite:" + temp.resolve("memories.db")).build()) {
      ParleyChatMemoryStore store = new ParleyChatMemoryStore(jdbc);
      ChatMemory window = memory(store, 3);
      CONVERSATION.forEach(window::add);
      // The window keeps what LangChain4j's eviction leaves (a tool call leaves with its result).
      List<ChatMessage> kept = memory(store, 3).messages();
      assertEquals(window.messages(), kept);
      assertEquals(List.of(SystemMessage.from("Be brief."), AiMessage.from("Sunny.")), kept);
      List<StoredMessage> transcript = jdbc.transcript("alice-1");
      assertEquals(5, transcript.size(), "each message stored once, the evicted ones kept in the transcript: " + transcript);
      assertTrue(transcript.get(2).message().hasToolCalls());
    }
  }
}
