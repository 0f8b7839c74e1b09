package dev.parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ValuesTest {
  @Test
  void messageIsImmutable() {
    Map<String, String> meta = new HashMap<>(Map.of("k", "v"));
    Message m = new Message(Role.USER, "hi", Instant.EPOCH, meta);
    meta.put("k", "changed");
    assertEquals("v", m.metadata().get("k"));
    assertThrows(UnsupportedOperationException.class, () -> m.metadata().put("x", "y"));
    Message tagged = m.withMetadata("x", "y");
    assertEquals("y", tagged.metadata().get("x"));
    assertFalse(m.metadata().containsKey("x"));
  }

  @Test
  void onlyAnAssistantMessageRecordsHowItEndedAndCopiesKeepIt() {
    Message cut = Message.assistant("half an ans").withFinishReason(FinishReason.CANCELLED);
    assertTrue(cut.isCancelledReply());
    assertEquals(FinishReason.CANCELLED, cut.withMetadata("k", "v").finishReason());
    assertEquals(FinishReason.CANCELLED, cut.withContent("half").finishReason());
    assertFalse(Message.assistant("done").withFinishReason(FinishReason.STOP).isCancelledReply());
    assertEquals(null, Message.assistant("written by hand").finishReason());
    var e = assertThrows(IllegalArgumentException.class, () -> Message.user("hi").withFinishReason(FinishReason.STOP));
    assertEquals("only an assistant message has a finish reason, this is a USER message", e.getMessage());
  }

  @Test
  void messageRejectsNullsNamingTheField() {
    var e = assertThrows(NullPointerException.class, () -> new Message(null, "x"));
    assertEquals("role must not be null", e.getMessage());
    assertThrows(NullPointerException.class, () -> new Message(Role.USER, null));
  }

  @Test
  void generationOptionsCheckEachValue() {
    assertEquals("maxTokens must be > 0, was -3",
        assertThrows(IllegalArgumentException.class, () -> GenerationOptions.builder().maxTokens(-3)).getMessage());
    assertEquals("temperature must be between 0.0 and 2.0, was 2.5",
        assertThrows(IllegalArgumentException.class, () -> GenerationOptions.builder().temperature(2.5)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> GenerationOptions.builder().temperature(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> GenerationOptions.builder().topP(0));
    assertThrows(IllegalArgumentException.class, () -> GenerationOptions.builder().stopSequences("ok", ""));
  }

  @Test
  void deterministicMeansGreedyOrSeeded() {
    assertFalse(GenerationOptions.defaults().isDeterministic());
    assertTrue(GenerationOptions.builder().temperature(0).build().isDeterministic());
    assertTrue(GenerationOptions.builder().seed(1).build().isDeterministic());
    GenerationOptions o = GenerationOptions.builder().maxTokens(9).seed(4).stopSequences("x").build();
    assertEquals(o, o.toBuilder().build());
    assertEquals(o.hashCode(), o.toBuilder().build().hashCode());
  }

  @Test
  void penaltiesAndLogitBiasAreCheckedKeptAndCompared() {
    assertEquals("frequencyPenalty must be between -2.0 and 2.0, was 2.5", assertThrows(IllegalArgumentException.class,
        () -> GenerationOptions.builder().frequencyPenalty(2.5)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> GenerationOptions.builder().presencePenalty(Double.NaN));
    assertEquals("logitBias[7] must be between -100.0 and 100.0, was 101.0", assertThrows(IllegalArgumentException.class,
        () -> GenerationOptions.builder().logitBias(java.util.Map.of(7, 101))).getMessage());
    assertEquals("logitBias token ids must be >= 0, was -1", assertThrows(IllegalArgumentException.class,
        () -> GenerationOptions.builder().logitBias(java.util.Map.of(-1, 1))).getMessage());
    java.util.Map<Integer, Integer> tooMany = new java.util.HashMap<>();
    for (int i = 0; i <= GenerationOptions.MAX_LOGIT_BIAS; i++) {
      tooMany.put(i, -100);
    }
    assertThrows(IllegalArgumentException.class, () -> GenerationOptions.builder().logitBias(tooMany));

    java.util.Map<Integer, Double> bias = new java.util.HashMap<>(java.util.Map.of(3, -100.0));
    GenerationOptions o = GenerationOptions.builder().frequencyPenalty(0.5).presencePenalty(-1).logitBias(bias).build();
    bias.put(4, 1.0);
    assertEquals(java.util.Map.of(3, -100f), o.logitBias(), "a copy, not the caller's map");
    assertThrows(UnsupportedOperationException.class, () -> o.logitBias().put(5, 1f));
    assertEquals(o, o.toBuilder().build());
    assertEquals(o.hashCode(), o.toBuilder().build().hashCode());
    // A cache keyed on the options must not answer a biased request with an unbiased reply.
    assertTrue(!o.equals(o.toBuilder().logitBias(java.util.Map.of()).build()));
    assertTrue(!o.equals(o.toBuilder().frequencyPenalty(0).build()));
    assertTrue(!o.equals(o.toBuilder().presencePenalty(0).build()));
  }

  @Test
  void chatRequestNeedsMessages() {
    assertEquals("messages must not be empty",
        assertThrows(IllegalArgumentException.class, () -> ChatRequest.of(List.of())).getMessage());
    assertEquals("topK must be >= 0, was -1",
        assertThrows(IllegalArgumentException.class, () -> GenerationOptions.builder().topK(-1)).getMessage());
    assertEquals("repeatPenalty must be > 0, was 0.0",
        assertThrows(IllegalArgumentException.class, () -> GenerationOptions.builder().repeatPenalty(0)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> GenerationOptions.builder().minP(1.5));
    GenerationOptions tuned = GenerationOptions.builder().topK(0).minP(0).repeatPenalty(1.1).build();
    assertEquals(tuned, tuned.toBuilder().build(), "toBuilder keeps the sampling settings");
    assertTrue(!tuned.equals(GenerationOptions.defaults()));
    assertEquals("conversationId must not be blank, was \" \"", assertThrows(IllegalArgumentException.class,
        () -> ChatRequest.of(Message.user("x")).withConversation(" ")).getMessage());
    ChatRequest named = ChatRequest.of(Message.user("x")).withConversation("c-1");
    assertEquals("c-1", named.withOptions(GenerationOptions.builder().maxTokens(3).build()).conversationId(),
        "other options keep the conversation");
    assertEquals(java.util.Optional.empty(), named.withConversation(null).conversation());
    assertThrows(NullPointerException.class, () -> new ChatRequest(List.of(Message.user("x")), null));
    java.util.List<Message> withNull = new java.util.ArrayList<>();
    withNull.add(null);
    assertEquals("messages[0] must not be null",
        assertThrows(NullPointerException.class, () -> ChatRequest.of(withNull)).getMessage());
  }

  @Test
  void tokenUsageRejectsNegativeCounts() {
    assertThrows(IllegalArgumentException.class, () -> new TokenUsage(-1, 0));
    assertEquals(7, new TokenUsage(3, 4).totalTokens());
  }

  @Test
  void exceptionsAreSplitIntoRetriableAndNot() {
    assertTrue(new ModelUnavailableException("busy").isRetriable());
    assertFalse(new InvalidRequestException("bad").isRetriable());
    ParleyException same = new ModelUnavailableException("busy");
    assertSame(same, ParleyException.from(new CompletionException(same)));
    ParleyException mapped = ParleyException.from(new IllegalStateException("native crash"));
    assertInstanceOf(GenerationFailedException.class, mapped);
    assertTrue(mapped.getMessage().contains("native crash"));
    assertInstanceOf(IllegalStateException.class, mapped.getCause());
  }
}
