package dev.parley.testing.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.memory.AppendResult;
import dev.parley.memory.Conversation;
import dev.parley.memory.ConversationLimitException;
import dev.parley.memory.ConversationManager;
import dev.parley.memory.InMemoryConversationStore;
import dev.parley.memory.MessageTooLargeException;
import dev.parley.memory.StoredMessage;
import dev.parley.testing.FakeTokenizer;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConversationManagerTest {
  // FakeTokenizer.withOverhead(0, 0): one token per word, so budgets are easy to read.
  private final FakeTokenizer tokenizer = FakeTokenizer.withOverhead(0, 0);

  private static String words(int n) {
    return "w ".repeat(n).strip();
  }

  private static List<String> contents(List<Message> messages) {
    return messages.stream().map(Message::content).collect(Collectors.toList());
  }

  @Test
  void fitTrimsAStatelessRequestExactlyAsAStoredConversationAndStoresNothing() {
    InMemoryConversationStore store = InMemoryConversationStore.create();
    ConversationManager memory = ConversationManager.builder().store(store).tokenizer(tokenizer).maxTokens(10).build();
    List<Message> request = List.of(Message.system(words(2)), Message.user("one " + words(2)), Message.assistant(words(3)),
        Message.user("two " + words(1)), Message.assistant(words(2)));
    for (Message m : request) {
      memory.append("stored", m);
    }

    List<Message> fitted = memory.fit(request);

    assertEquals(contents(memory.history("stored")), contents(fitted));
    assertEquals(List.of(words(2), "two w", words(2)), contents(fitted), "system pinned, oldest turn dropped");
    assertEquals(1, store.size(), "fit stores nothing");
    assertEquals(request.subList(0, 2), memory.fit(request.subList(0, 2)), "what fits is returned as it is");

    ConversationLimitException e = assertThrows(ConversationLimitException.class,
        () -> memory.fit(List.of(Message.system(words(6)), Message.user(words(5)))));
    assertEquals(11, e.required());
    assertEquals(10, e.allowed());
    assertThrows(MessageTooLargeException.class, () -> memory.fit(List.of(Message.user(words(11)))));
    assertThrows(IllegalArgumentException.class, () -> memory.fit(List.of()));
  }

  @Test
  void keepsEverythingWhenNoLimitIsSet() {
    ConversationManager memory = ConversationManager.builder().build();
    for (int i = 0; i < 50; i++) {
      memory.append("c", Message.user("u" + i));
      memory.append("c", Message.assistant("a" + i));
    }
    assertEquals(100, memory.history("c").size());
  }

  @Test
  void trimsOldestTurnWhenTokenBudgetExceeded() {
    ConversationManager memory = ConversationManager.builder().tokenizer(tokenizer).maxTokens(10).build();
    memory.append("c", Message.user(words(3)));       // turn 1: 3
    memory.append("c", Message.assistant(words(2)));  // turn 1: 5
    memory.append("c", Message.user(words(2)));       // turn 2: 7
    memory.append("c", Message.assistant(words(2)));  // 9
    AppendResult r = memory.append("c", Message.user(words(3))); // 12 > 10: turn 1 goes -> 7

    assertEquals(7, r.conversation().tokens());
    assertEquals(2, r.trimmed().size());
    assertEquals(Role.USER, r.trimmed().get(0).message().role());
    assertEquals(Role.ASSISTANT, r.trimmed().get(1).message().role());
    assertEquals(List.of(2L, 3L, 4L), r.conversation().messages().stream().map(StoredMessage::sequence).toList());
  }

  @Test
  void trimsWholeTurnsByMessageCount() {
    ConversationManager memory = ConversationManager.builder().maxMessages(4).build();
    memory.append("c", Message.user("q1"));
    memory.append("c", Message.assistant("a1"));
    memory.append("c", Message.user("q2"));
    memory.append("c", Message.assistant("a2"));
    AppendResult r = memory.append("c", Message.user("q3"));

    assertEquals(List.of("q2", "a2", "q3"), contents(memory.history("c")));
    assertEquals(List.of("q1", "a1"), r.trimmed().stream().map(m -> m.message().content()).toList());
  }

  @Test
  void neverKeepsAUserMessageWithoutItsReply() {
    // Trimming one message (q1) would be enough for the count, but q1's reply must go with it.
    ConversationManager memory = ConversationManager.builder().maxMessages(5).build();
    memory.append("c", Message.user("q1"));
    memory.append("c", Message.assistant("a1"));
    memory.append("c", Message.user("q2"));
    memory.append("c", Message.assistant("a2"));
    memory.append("c", Message.user("q3"));
    memory.append("c", Message.assistant("a3"));

    List<String> kept = contents(memory.history("c"));
    assertEquals(List.of("q2", "a2", "q3", "a3"), kept);
  }

  @Test
  void systemMessagesArePinnedAndCountAgainstTheBudget() {
    ConversationManager memory = ConversationManager.builder().tokenizer(tokenizer).maxTokens(10).maxMessages(2).build();
    memory.append("c", Message.system(words(4)));
    for (int i = 0; i < 20; i++) {
      memory.append("c", Message.user(words(1)));
      memory.append("c", Message.assistant(words(2)));
    }
    List<Message> history = memory.history("c");
    assertEquals(Role.SYSTEM, history.get(0).role(), "system message must stay first");
    assertEquals(3, history.size());
    assertEquals(7, memory.conversation("c").tokens());
  }

  @Test
  void countsTokensOncePerMessageAndNeverRetokenizesHistory() {
    ConversationManager memory = ConversationManager.builder().tokenizer(tokenizer).maxTokens(1_000).build();
    for (int i = 0; i < 200; i++) {
      memory.append("c", Message.user(words(2)));
    }
    assertEquals(200, tokenizer.calls(), "each message must be tokenized exactly once");
  }

  @Test
  void storesEachMessagesTokenCountWithTheMessage() {
    FakeTokenizer framed = FakeTokenizer.withOverhead(4, 3);
    ConversationManager memory = ConversationManager.builder().tokenizer(framed).build();
    AppendResult r = memory.append("c", Message.user("three little words"));
    assertEquals(3 + 4, r.appended().tokens(), "message tokens include the template's per-message framing");
  }

  @Test
  void rejectsAMessageLargerThanTheWholeBudgetAndKeepsTheHistory() {
    ConversationManager memory = ConversationManager.builder().tokenizer(tokenizer).maxTokens(10).build();
    memory.append("c", Message.user("hello"));
    MessageTooLargeException e =
        assertThrows(MessageTooLargeException.class, () -> memory.append("c", Message.user(words(11))));
    assertEquals(11, e.required());
    assertEquals(10, e.allowed());
    assertTrue(e.getMessage().contains("11 tokens"), e.getMessage());
    assertFalse(e.isRetriable());
    assertEquals(List.of("hello"), contents(memory.history("c")), "nothing already accepted is lost");
  }

  @Test
  void truncatesAnOversizedMessageWhenConfigured() {
    ConversationManager memory =
        ConversationManager.builder().tokenizer(tokenizer).maxTokens(10).truncateOversizedMessages(true).build();
    memory.append("c", Message.system(words(3)));
    AppendResult r = memory.append("c", Message.user(words(20)));
    assertTrue(r.truncated());
    assertEquals(7, r.appended().tokens(), "cut to what fits beside the system message");
    assertEquals(10, r.conversation().tokens());
  }

  @Test
  void rejectsANewestTurnThatCannotFitAndChangesNothing() {
    ConversationManager memory = ConversationManager.builder().tokenizer(tokenizer).maxTokens(10).build();
    memory.append("c", Message.user(words(2)));
    memory.append("c", Message.assistant(words(2)));
    memory.append("c", Message.user(words(6)));
    Conversation before = memory.conversation("c");

    ConversationLimitException e =
        assertThrows(ConversationLimitException.class, () -> memory.append("c", Message.assistant(words(5))));
    assertEquals(ConversationLimitException.Limit.TOKENS, e.limit());
    assertEquals(11, e.required());
    assertEquals(before.messages(), memory.conversation("c").messages());
  }

  @Test
  void conversationsAreIndependent() {
    ConversationManager memory = ConversationManager.builder().maxMessages(2).build();
    memory.append("a", Message.user("a1"));
    memory.append("b", Message.user("b1"));
    assertEquals(List.of("a1"), contents(memory.history("a")));
    assertEquals(List.of("b1"), contents(memory.history("b")));
    assertTrue(memory.delete("a"));
    assertFalse(memory.delete("a"));
    assertEquals(List.of(), memory.history("a"));
  }

  @Test
  void buildsARequestFromTheKeptHistory() {
    ConversationManager memory = ConversationManager.builder().build();
    memory.append("c", Message.system("be brief"));
    memory.append("c", Message.user("hi"));
    var request = memory.request("c", GenerationOptions.defaults());
    assertEquals(List.of("be brief", "hi"), contents(request.messages()));
    assertEquals(java.util.Optional.of("c"), request.conversation(), "the request names its conversation");
    assertThrows(IllegalStateException.class, () -> memory.request("empty", GenerationOptions.defaults()));
  }

  @Test
  void badConfigurationNamesTheParameterAndValue() {
    var e1 = assertThrows(IllegalArgumentException.class, () -> ConversationManager.builder().maxTokens(-3));
    assertEquals("maxTokens must be > 0, was -3", e1.getMessage());
    var e2 = assertThrows(IllegalArgumentException.class, () -> ConversationManager.builder().maxMessages(1));
    assertEquals("maxMessages must be >= 2, was 1", e2.getMessage());
    var e3 = assertThrows(IllegalStateException.class, () -> ConversationManager.builder().maxTokens(100).build());
    assertTrue(e3.getMessage().contains("tokenizer"), e3.getMessage());
    var e4 = assertThrows(IllegalArgumentException.class, () -> ConversationManager.builder().build().append(" ", Message.user("x")));
    assertTrue(e4.getMessage().startsWith("conversationId must not be blank"), e4.getMessage());
    assertThrows(NullPointerException.class, () -> ConversationManager.builder().build().append("c", null));
  }
}
