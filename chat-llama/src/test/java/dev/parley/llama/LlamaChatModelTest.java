package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationFailedException;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.memory.AppendResult;
import dev.parley.memory.ConversationManager;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LlamaChatModelTest {
  private static LlamaChatModel model;

  @BeforeAll
  static void load() {
    model = TestModels.loadTiny(2);
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  private static ChatRequest greedy(int maxTokens, String... stops) {
    return new ChatRequest(List.of(Message.user("Write a poem about the sea.")),
        GenerationOptions.builder().temperature(0).maxTokens(maxTokens).stopSequences(List.of(stops)).build());
  }

  /**
   * Greedy decoding (the FFM engine takes the highest logit itself) and a full sampler chain that
   * can only keep the most likely token (top-k 1, then temperature and a seeded draw) pick the same
   * tokens: the fast path is llama.cpp's greedy choice, and the chain's draw reads the candidate
   * array it was given.
   */
  private static ChatRequest greedy(int maxTokens, GenerationOptions.Builder options) {
    return new ChatRequest(List.of(Message.user("Write a poem about the sea.")),
        options.temperature(0).maxTokens(maxTokens).build());
  }

  @Test
  void aTurnPrimingDelayOutsideZeroToADayIsRefusedNamingIt() {
    for (Duration bad : List.of(Duration.ofMillis(-1), Duration.ofDays(1).plusNanos(1), Duration.ofDays(365L * 400))) {
      LlamaChatModel.Builder b = LlamaChatModel.builder(Path.of("unused.gguf"));
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> b.turnPrimingDelay(bad));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("turnPrimingDelay must be"), e.getMessage());
    }
  }

  /** +100 on one token makes every token of the reply that one; the vocabulary bounds the ids. */
  @Test
  void aStrongLogitBiasForcesItsToken() {
    int[] ocean = model.tokenize(" ocean");
    int token = ocean[ocean.length - 1];
    ChatResponse plain = model.generate(greedy(8, GenerationOptions.builder()));
    ChatResponse forced = model.generate(greedy(8, GenerationOptions.builder().logitBias(java.util.Map.of(token, 100))));
    String text = forced.text();
    assertEquals(8, forced.usage().completionTokens());
    assertFalse(text.isEmpty());
    String piece = text.substring(0, text.length() / 8);
    assertEquals(piece.repeat(8), text, "eight times the biased token: " + text);
    assertTrue(!text.equals(plain.text()), "the bias changed the reply: " + text);

    long vocab = model.vocabSize();
    assertTrue(vocab > token, "vocabulary of " + vocab);
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> model.generate(greedy(4, GenerationOptions.builder().logitBias(java.util.Map.of((int) vocab, -100)))));
    assertTrue(e.getMessage().contains("token " + vocab), e.getMessage());
  }

  /** -100 on every token of the greedy reply: another reply, of as many tokens. */
  @Test
  void aBannedTokenIsNeverPicked() {
    ChatResponse plain = model.generate(greedy(12, GenerationOptions.builder()));
    java.util.Map<Integer, Integer> ban = new java.util.HashMap<>();
    for (int t : model.tokenize(plain.text())) {
      ban.put(t, -100);
    }
    ChatResponse banned = model.generate(greedy(12, GenerationOptions.builder().logitBias(ban)));
    assertTrue(!banned.text().equals(plain.text()), banned.text());
    assertEquals(12, banned.usage().completionTokens(), "other tokens were picked: " + banned.text());
  }

  /** The frequency and presence penalties reach the sampler: greedy replies change, and stay deterministic. */
  @Test
  void frequencyAndPresencePenaltiesChangeTheGreedyReply() {
    ChatResponse plain = model.generate(greedy(48, GenerationOptions.builder()));
    ChatResponse frequency = model.generate(greedy(48, GenerationOptions.builder().frequencyPenalty(2)));
    ChatResponse presence = model.generate(greedy(48, GenerationOptions.builder().presencePenalty(2)));
    assertTrue(!frequency.text().equals(plain.text()), "frequency penalty 2 changed nothing: " + plain.text());
    assertTrue(!presence.text().equals(plain.text()), "presence penalty 2 changed nothing: " + plain.text());
    assertEquals(frequency.text(), model.generate(greedy(48, GenerationOptions.builder().frequencyPenalty(2))).text());
  }

  @Test
  void greedyPicksWhatTheSamplerChainPicksWhenOnlyTheBestTokenIsLeft() {
    ChatResponse greedy = model.generate(greedy(24));
    ChatRequest chain = new ChatRequest(List.of(Message.user("Write a poem about the sea.")),
        GenerationOptions.builder().temperature(0.8).topK(1).seed(7).maxTokens(24).build());
    ChatResponse drawn = model.generate(chain);
    assertEquals(24, greedy.usage().completionTokens(), "the tiny model writes 24 tokens greedily: " + greedy);
    assertEquals(greedy.text(), drawn.text());
  }

  @Test
  void threadsAreTheOnesSetWithoutCalibration() {
    assertEquals(1, model.threads());
    assertEquals(1, model.batchThreads(), "batch threads default to threads");
    if (!EngineSelectionTest.ffm()) {
      // java-llama.cpp takes its threads at load: calibration is not offered and the counts stay.
      try (LlamaChatModel jni = LlamaChatModel.builder(TestModels.tiny()).contextSize(256).threads(2).batchThreads(1)
          .calibrateThreads(true).build()) {
        assertEquals(2, jni.threads());
        assertEquals(1, jni.batchThreads());
      }
    }
  }

  @Test
  void flashAttentionIsOnUnlessChosenOff() {
    java.nio.file.Path file = java.nio.file.Path.of("any.gguf");
    assertTrue(LlamaChatModel.builder(file).effectiveFlashAttention(), "one slot");
    assertTrue(LlamaChatModel.builder(file).slots(2).effectiveFlashAttention(), "two slots");
    assertFalse(LlamaChatModel.builder(file).flashAttention(false).effectiveFlashAttention(), "chosen off, one slot");
    assertTrue(LlamaChatModel.builder(file).slots(4).flashAttention(false).flashAttention(true)
        .effectiveFlashAttention(), "the last choice counts");
    assertFalse(LlamaChatModel.builder(file).slots(4).flashAttention(false).effectiveFlashAttention(),
        "chosen off, four slots");
  }

  /**
   * Decodes run on the engine's own threads only. java-llama.cpp's library uses OpenMP, which keeps
   * a thread team per thread that starts a decode: if the loading thread decoded too (llama.cpp's
   * own warm-up), a 2-thread model would own two teams, and libgomp, counting more threads than
   * cores, sleeps at every barrier (3x slower decoding). Parley's own build uses ggml's thread pool:
   * one per model, made at load with one worker fewer than the model's threads (the decode loop's
   * thread computes too), and no other.
   */
  @Test
  void everyDecodeRunsOnOneThreadTeam() throws IOException {
    Set<String> before = TestModels.nativeThreads();
    Set<String> decodeBefore = TestModels.decodeThreads();
    try (LlamaChatModel twoThreads = LlamaChatModel.builder(TestModels.tiny()).contextSize(256).threads(2).build()) {
      for (int i = 0; i < 2; i++) {
        assertEquals(FinishReason.LENGTH, twoThreads.generate(greedy(4)).finishReason());
      }
      Set<String> started = TestModels.nativeThreads();
      started.removeAll(before);
      if (EngineSelectionTest.ffm()) {
        Set<String> decode = TestModels.decodeThreads();
        decode.removeAll(decodeBefore);
        Set<String> all = new java.util.HashSet<>(started);
        all.addAll(decode);
        assertEquals(1, decode.size(), "one decode loop thread; got " + decode);
        assertEquals(2, all.size(), "the decode loop's thread and the one worker of ggml's pool the model keeps"
            + " (the loop's thread is the pool's first); got " + started + " and " + decode);
      } else {
        assertEquals(2, started.size(), "native threads started by a 2-thread model: java-llama.cpp's server thread "
            + "and one OpenMP worker, not a second team for the loading thread; got " + started);
      }
    }
  }

  @Test
  void countsTokensWithTheModelsOwnTokenizer() {
    assertEquals(2, model.countTokens("Hello world"), "Llama-2 encodes 'Hello world' as [15043, 3186]");
    assertEquals(0, model.countTokens(""));
  }

  @Test
  void perMessageCountsNeverUnderestimateTheWholePrompt() {
    List<Message> messages = List.of(Message.system("Be brief."), Message.user("Hi there"),
        Message.assistant("Hello! How can I help?"), Message.user("Tell me about GGUF files."));
    int sum = messages.stream().mapToInt(model::countTokens).sum();
    int whole = model.countTokens(messages);
    assertTrue(sum >= whole - 1, "sum of per-message counts " + sum + " vs prompt " + whole + " (BOS aside)");
    assertTrue(whole > model.countTokens("Tell me about GGUF files."), "the template adds framing");
  }

  @Test
  void memoryTrimsByRealTokens() {
    ConversationManager memory = ConversationManager.builder().tokenizer(model).maxTokens(200).build();
    AppendResult last = null;
    for (int i = 0; i < 10; i++) {
      memory.append("c", Message.user("Question number " + i + " about the weather today"));
      last = memory.append("c", Message.assistant("Answer number " + i + " is sunny"));
    }
    assertTrue(last.conversation().tokens() <= 200);
    assertTrue(model.countTokens(memory.history("c")) <= 200 + 1, "the real prompt fits the budget (BOS aside)");
    assertFalse(last.trimmed().isEmpty());
  }

  @Test
  void systemMessagesAreJoinedIntoTheTemplatesSystemPrompt() {
    String prompt = model.render(List.of(Message.system("First rule."), Message.user("Hi"), Message.system("Second rule.")));
    assertTrue(prompt.startsWith("<|im_start|>system\nFirst rule.\n\nSecond rule.<|im_end|>"), prompt);
    assertTrue(prompt.endsWith("<|im_start|>assistant\n"), prompt);
  }

  @Test
  void stopsAtAStopSequenceWithoutStreamingIt() {
    ChatResponse full = model.generate(greedy(24));
    String text = full.text();
    assertTrue(text.length() > 12, "need a longer reply: " + text);
    String stop = text.substring(6, 10);
    int cut = text.indexOf(stop);

    ChatResponse stopped = model.generate(greedy(24, stop));
    assertEquals(FinishReason.STOP_SEQUENCE, stopped.finishReason());
    assertEquals(text.substring(0, cut), stopped.text());
  }

  @Test
  void aRepeatPenaltyChangesARepetitiveGreedyReply() {
    ChatRequest plain = greedy(48);
    ChatRequest penalised = plain.withOptions(plain.options().toBuilder().repeatPenalty(1.5).build());
    String repetitive = model.generate(plain).text();
    assertEquals(repetitive, model.generate(plain).text());
    assertTrue(!repetitive.equals(model.generate(penalised).text()), "the penalty reaches the sampler: " + repetitive);
  }

  @Test
  void greedyGenerationIsRepeatable() {
    assertEquals(model.generate(greedy(12)).text(), model.generate(greedy(12)).text());
  }

  @Test
  void rejectsAPromptLargerThanTheContext() {
    String huge = "word ".repeat(2_000);
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> model.generate(ChatRequest.of(Message.user(huge))));
    assertTrue(e.getMessage().contains("context of 512 tokens"), e.getMessage());
  }

  @Test
  void aClosedModelFailsClearly() {
    LlamaChatModel other = TestModels.loadTiny(1);
    other.close();
    other.close();
    GenerationFailedException e = assertThrows(GenerationFailedException.class, () -> other.generate(greedy(4)));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
  }
}
