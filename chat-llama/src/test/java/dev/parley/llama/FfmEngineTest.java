package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.StreamHandler;
import dev.parley.testing.contract.RecordingStreamHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only the FFM engine does: its faults (a full KV cache, a library without a function) and its
 * decode loop's guarantees. Runs on the JDK 22+ only (the build leaves it out of the JDK 17 run).
 */
class FfmEngineTest {
  @TempDir Path temp;

  private static ChatRequest greedy(String prompt, int maxTokens) {
    return new ChatRequest(List.of(Message.user(prompt)),
        GenerationOptions.builder().temperature(0).maxTokens(maxTokens).build());
  }

  private static String promptOf(LlamaChatModel model, int tokens, String topic) {
    StringBuilder text = new StringBuilder(topic);
    while (model.countTokens(List.of(Message.user(text.toString()))) < tokens) {
      text.append(" and ").append(topic);
    }
    return text.toString();
  }

  /**
   * Two conversations whose prompts and replies need more cells than the cache holds: one of them
   * fails with a typed error when its step finds no room, the other is answered in full, and the
   * model goes on serving.
   */
  @Test
  void aFullKvCacheFailsOnlyTheRequestThatFindsNoRoom() throws Exception {
    try (LlamaChatModel model = LlamaChatModel.builder(TestModels.tiny()).contextSize(256).slots(2).kvCells(256)
        .threads(1).build()) {
      assertEquals("ffm", model.engine());
      List<CompletableFuture<ChatResponse>> replies = new ArrayList<>();
      for (String topic : List.of("the sea", "mountains")) {
        replies.add(model.stream(greedy(promptOf(model, 150, topic), 100), StreamHandler.ignoringTokens())
            .completion().toCompletableFuture());
      }
      int failed = 0;
      int answered = 0;
      for (CompletableFuture<ChatResponse> reply : replies) {
        try {
          ChatResponse r = reply.get(60, TimeUnit.SECONDS);
          assertTrue(r.finishReason() == FinishReason.LENGTH || r.finishReason() == FinishReason.STOP, r.toString());
          answered++;
        } catch (ExecutionException e) {
          DecodeFailedException d = assertInstanceOf(DecodeFailedException.class, e.getCause());
          assertTrue(d.returnCode() == 1 || d.returnCode() == -3, "llama_decode's no-room codes: " + d.returnCode());
          assertTrue(d.getMessage().contains("no room in the KV cache"), d.getMessage());
          assertTrue(d.isRetriable());
          failed++;
        }
      }
      assertEquals(1, failed, "exactly one of the two conversations finds no room");
      assertEquals(1, answered);
      assertEquals(FinishReason.LENGTH, model.generate(greedy("Still there?", 8)).finishReason(),
          "the model keeps serving after a failed decode");
    }
  }

  /** The prompt the loop decodes is the one counted: the template's tokens after the beginning-of-sequence token. */
  @Test
  void theDecodedPromptIsTheCountedPrompt() {
    try (LlamaChatModel model = oneSlot(0)) {
      List<Message> messages = List.of(Message.system("Be brief."), Message.user("Name a river."));
      model.generate(new ChatRequest(messages, GREEDY));
      assertEquals(model.countTokens(messages), model.statistics().promptTokens(), "BOS included, nothing twice");
    }
  }

  /** A stream handler that never returns holds only its own reply back, not the decode loop. */
  @Test
  void aBlockedHandlerDoesNotHoldTheOtherConversationsBack() throws Exception {
    try (LlamaChatModel model = LlamaChatModel.builder(TestModels.tiny()).contextSize(256).slots(2).threads(1).build()) {
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      GenerationHandle stuck = model.stream(greedy("Tell me a story", 64), new RecordingStreamHandler(t -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }));
      ChatResponse other = model.generate(greedy("What is the time?", 32));
      assertEquals(32, other.usage().completionTokens());
      release.countDown();
      assertEquals(64, stuck.completion().toCompletableFuture().get(60, TimeUnit.SECONDS).usage().completionTokens());
    }
  }

  /**
   * A second turn whose prompt starts with the first turn's prompt and reply reuses those cells:
   * the same greedy reply comes back whether the conversation's cells were reused or recomputed.
   */
  @Test
  void aReturningConversationGetsTheSameReplyFromItsCachedCells() throws Exception {
    List<Message> turn1 = List.of(Message.system("You are terse."), Message.user("Name a colour."));
    try (LlamaChatModel cached = LlamaChatModel.builder(TestModels.tiny()).contextSize(512).slots(1).threads(1).build();
        LlamaChatModel fresh = LlamaChatModel.builder(TestModels.tiny()).contextSize(512).slots(1).threads(1)
            .promptCache(false).build()) {
      GenerationOptions greedy = GenerationOptions.builder().temperature(0).maxTokens(16).build();
      ChatResponse first = cached.generate(new ChatRequest(turn1, greedy));
      assertEquals(first.text(), fresh.generate(new ChatRequest(turn1, greedy)).text());
      List<Message> turn2 = new ArrayList<>(turn1);
      turn2.add(first.toMessage());
      turn2.add(Message.user("Another one."));
      assertEquals(fresh.generate(new ChatRequest(turn2, greedy)).text(),
          cached.generate(new ChatRequest(turn2, greedy)).text());
    }
  }

  private static final GenerationOptions GREEDY = GenerationOptions.builder().temperature(0).maxTokens(12).build();

  private static LlamaChatModel oneSlot(long stateCacheBytes) {
    return LlamaChatModel.builder(TestModels.tiny()).contextSize(512).slots(1).threads(1)
        .stateCacheBytes(stateCacheBytes).build();
  }

  private static LlamaChatModel uncached() {
    return LlamaChatModel.builder(TestModels.tiny()).contextSize(512).slots(1).threads(1).promptCache(false).build();
  }

  /**
   * Three conversations take turns on one sequence: each returning conversation gets its saved
   * state back, processes only its new tokens, and replies exactly as a model that computed the
   * whole prompt again.
   */
  @Test
  void aReturningConversationIsRestoredFromItsSavedState() {
    List<String> ids = List.of("a", "b", "c");
    try (LlamaChatModel model = oneSlot(LlamaChatModel.DEFAULT_STATE_CACHE_BYTES); LlamaChatModel fresh = uncached()) {
      List<List<Message>> histories = new ArrayList<>();
      for (String id : ids) {
        List<Message> h = new ArrayList<>(List.of(Message.system("You are assistant " + id + "."),
            Message.user("Conversation " + id + ": what is the weather like on the coast in spring?")));
        ChatResponse r = model.generate(new ChatRequest(h, GREEDY, id));
        h.add(r.toMessage());
        h.add(Message.user("And in autumn, for conversation " + id + "?"));
        histories.add(h);
      }
      EngineStatistics before = model.statistics();
      assertEquals(2, before.statesSaved(), "a and b were saved when the sequence went to the next conversation");
      assertEquals(3, before.stateMisses(), "every first turn is a miss");
      assertTrue(before.stateNanos() > 0, "saving took time on the loop: " + before);
      for (int i = 0; i < ids.size(); i++) {
        List<Message> h = histories.get(i);
        EngineStatistics s0 = model.statistics();
        ChatResponse r = model.generate(new ChatRequest(h, GREEDY, ids.get(i)));
        EngineStatistics s1 = model.statistics();
        int firstTurnPrompt = model.countTokens(h.subList(0, 2));
        assertTrue(s1.promptTokensReused() - s0.promptTokensReused() >= firstTurnPrompt - 1,
            "turn 2 of " + ids.get(i) + " reuses at least turn 1's prompt (" + firstTurnPrompt + " tokens): "
                + (s1.promptTokensReused() - s0.promptTokensReused()));
        assertEquals(fresh.generate(new ChatRequest(h, GREEDY)).text(), r.text(),
            "conversation " + ids.get(i) + ": restored cells give the reply a full recomputation gives");
      }
      EngineStatistics after = model.statistics();
      assertEquals(3, after.statesRestored(), "each came back from the cache (c was saved when a took the sequence)");
      assertEquals(0, after.statesRestoredByPrefix(), "each was found by its conversation id: " + after);
      assertTrue(after.stateNanos() > before.stateNanos(), "restoring took time too");
      assertEquals(0, fresh.statistics().stateNanos(), "no conversation, nothing saved or restored");
      assertEquals(3, after.stateMisses());
      assertTrue(after.stateBytes() > 0 && after.stateBytes() <= after.stateBytesLimit(), after.toString());
    }
  }

  /** Many conversations through one sequence with room for two saved states: the cache stays in its bound. */
  @Test
  void theStateCacheNeverExceedsItsByteBound() throws Exception {
    long oneState;
    try (LlamaChatModel probe = oneSlot(LlamaChatModel.DEFAULT_STATE_CACHE_BYTES)) {
      settled(probe, conversation(0));
      settled(probe, conversation(1));
      oneState = probe.statistics().stateBytes();
    }
    assertTrue(oneState > 0);
    long bound = oneState * 5 / 2;
    try (LlamaChatModel model = oneSlot(bound)) {
      List<String> replies = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        replies.add(settled(model, conversation(i)).text());
        EngineStatistics s = model.statistics();
        assertTrue(s.stateBytes() <= bound, "after conversation " + i + ": " + s.stateBytes() + " > " + bound);
      }
      EngineStatistics s = model.statistics();
      assertEquals(7, s.statesSaved());
      assertEquals(5, s.statesEvicted(), "7 saved, room for 2");
      assertEquals(2 * oneState, s.stateBytes(), 2 * oneState / 10.0, "two states held");
      // Whether a conversation comes back from the cache or is computed again, its reply is the same.
      for (int i = 0; i < 8; i++) {
        EngineStatistics s0 = model.statistics();
        assertEquals(replies.get(i), settled(model, conversation(i)).text());
        EngineStatistics s1 = model.statistics();
        assertEquals(1, s1.statesRestored() - s0.statesRestored() + s1.stateMisses() - s0.stateMisses(),
            "each request is either restored or a miss");
        assertTrue(s1.stateBytes() <= bound);
      }
      assertTrue(model.statistics().statesRestored() >= 1, "some came back: " + model.statistics());
    }
  }

  /** One sequence, {@code memoryBytes} of host memory for states and the rest written to {@code folder}. */
  private static LlamaChatModel.Builder spilling(Path folder, long memoryBytes) {
    return LlamaChatModel.builder(TestModels.tiny()).contextSize(512).slots(1).threads(1).stateCacheBytes(memoryBytes)
        .stateSpillFolder(folder);
  }

  private static long oneStateBytes() throws InterruptedException {
    try (LlamaChatModel probe = oneSlot(LlamaChatModel.DEFAULT_STATE_CACHE_BYTES)) {
      settled(probe, conversation(0));
      settled(probe, conversation(1));
      return probe.statistics().stateBytes();
    }
  }

  /** Waits until {@code done} holds (states are written by another thread); fails after a minute. */
  private static EngineStatistics awaitStatistics(LlamaChatModel model, java.util.function.Predicate<EngineStatistics> done) {
    return org.awaitility.Awaitility.await("engine statistics").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(10))
        .until(model::statistics, done);
  }

  private static List<Path> filesIn(Path folder) throws Exception {
    try (var files = Files.walk(folder)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  /**
   * Memory holds one state: the states it evicts go to files, and a returning conversation is read
   * back from its file, processing only its new tokens, with the reply a recomputation gives. The
   * engine's folder is gone after close.
   */
  @Test
  void statesMemoryNoLongerHoldsAreWrittenToTheSpillFolderAndReadBack() throws Exception {
    long oneState = oneStateBytes();
    Path spill = temp.resolve("spill");
    List<String> replies = new ArrayList<>();
    try (LlamaChatModel model = spilling(spill, oneState * 3 / 2).build()) {
      for (int i = 0; i < 4; i++) {
        replies.add(settled(model, conversation(i)).text());
      }
      // 3 states saved (each conversation's when the next took the sequence), memory holds 1.
      EngineStatistics s = awaitStatistics(model, st -> st.statesSpilled() == 2);
      assertEquals(3, s.statesSaved());
      assertEquals(2, s.statesSpilled(), s.toString());
      assertEquals(0, s.statesEvicted(), "none lost: " + s);
      List<Path> files = filesIn(spill);
      assertEquals(2, files.size(), files.toString());
      assertEquals(files.stream().mapToLong(f -> f.toFile().length()).sum(), s.spillBytes());
      assertTrue(s.stateBytes() <= oneState * 3 / 2);

      for (int i = 0; i < 3; i++) {
        EngineStatistics s0 = model.statistics();
        assertEquals(replies.get(i), settled(model, conversation(i)).text(), "conversation " + i);
        EngineStatistics s1 = model.statistics();
        assertEquals(1, s1.statesRestored() - s0.statesRestored(), "conversation " + i + " came back: " + s1);
        assertTrue(s1.promptTokensReused() - s0.promptTokensReused() > 0);
      }
      EngineStatistics after = model.statistics();
      // Which states memory keeps is Caffeine's choice (recency and frequency); most came from files.
      assertTrue(after.statesReadBack() >= 1, "some came back from files: " + after);
      assertEquals(0, after.stateMisses() - s.stateMisses(), "none was computed again");
    }
    assertEquals(List.of(), filesIn(spill), "close deletes the engine's folder");
    try (var left = Files.list(spill)) {
      assertEquals(0, left.count());
    }
  }

  /** Many conversations spilling into a folder with room for two states: it never holds more. */
  @Test
  void theSpillFolderNeverExceedsItsByteBound() throws Exception {
    long oneState = oneStateBytes();
    long bound = oneState * 5 / 2;
    Path spill = temp.resolve("bounded");
    try (LlamaChatModel model = spilling(spill, oneState * 3 / 2).stateSpillBytes(bound).build()) {
      for (int i = 0; i < 8; i++) {
        settled(model, conversation(i));
        EngineStatistics s = model.statistics();
        assertTrue(s.spillBytes() <= bound, "after conversation " + i + ": " + s.spillBytes() + " > " + bound);
      }
      // 7 saved, 1 kept in memory, 6 written, 2 fit: 4 deleted.
      EngineStatistics s = awaitStatistics(model, st -> st.statesSpilled() == 6);
      assertEquals(6, s.statesSpilled(), s.toString());
      assertEquals(4, s.statesEvicted(), "deleted to stay in the bound: " + s);
      assertEquals(2, filesIn(spill).size());
      assertTrue(s.spillBytes() <= bound && s.spillBytesLimit() == bound, s.toString());
    }
  }

  /**
   * 24 conversations taking 3 turns each on 4 sequences from 8 threads, memory holding about two
   * states and the rest spilling to files, the requests naming their conversation or (as over
   * {@code /v1}) only resending the history: every reply is the one a model with no cache computes
   * for the same history (no state ever goes to the wrong conversation, none is half written), and
   * both bounds hold at the end.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "named {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void conversationsRacingThroughMemoryAndTheSpillFolderGetTheirOwnStates(boolean named) throws Exception {
    long oneState = oneStateBytes();
    Path spill = temp.resolve("race");
    int conversations = 24;
    long spillBound = 12 * oneState;
    try (LlamaChatModel model = LlamaChatModel.builder(TestModels.tiny()).contextSize(512).slots(4).threads(1)
            .flashAttention(false).stateCacheBytes(oneState * 5 / 2).stateSpillFolder(spill)
            .stateSpillBytes(spillBound).build();
        LlamaChatModel fresh = uncached()) {
      List<List<Message>> histories = new ArrayList<>();
      for (int c = 0; c < conversations; c++) {
        histories.add(new ArrayList<>(List.of(Message.system("You are assistant number " + c + "."))));
      }
      java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(8);
      try {
        for (int turn = 0; turn < 3; turn++) {
          List<java.util.concurrent.Future<ChatResponse>> replies = new ArrayList<>();
          for (int c = 0; c < conversations; c++) {
            List<Message> h = histories.get(c);
            h.add(Message.user("Turn " + turn + " of conversation " + c + ": where do rivers begin?"));
            ChatRequest request = new ChatRequest(List.copyOf(h), GREEDY, named ? "race-" + c : null);
            replies.add(threads.submit(() -> model.generate(request)));
          }
          for (int c = 0; c < conversations; c++) {
            ChatResponse r = replies.get(c).get(2, TimeUnit.MINUTES);
            List<Message> h = histories.get(c);
            assertEquals(fresh.generate(new ChatRequest(List.copyOf(h), GREEDY)).text(), r.text(),
                "conversation " + c + ", turn " + turn);
            h.add(r.toMessage());
          }
        }
      } finally {
        threads.shutdownNow();
      }
      EngineStatistics s = model.statistics();
      assertTrue(s.statesSpilled() > 0 && s.statesReadBack() > 0, s.toString());
      assertTrue(s.stateBytes() <= oneState * 5 / 2, s.toString());
      assertTrue(s.spillBytes() <= spillBound, s.toString());
      assertTrue(s.promptTokensReused() > 0, s.toString());
    }
  }

  /**
   * Calibration times 1 and 2 threads at load and keeps counts it measured; the model then answers
   * as an uncalibrated one does (calibration leaves nothing in the cache).
   */
  @Test
  void threadCalibrationKeepsCountsItMeasured() {
    try (LlamaChatModel calibrated = LlamaChatModel.builder(TestModels.tiny()).contextSize(256).slots(2).threads(2)
            .calibrateThreads(true).build();
        LlamaChatModel plain = LlamaChatModel.builder(TestModels.tiny()).contextSize(256).slots(2).threads(2).build()) {
      assertTrue(calibrated.threads() >= 1 && calibrated.threads() <= 2, "threads " + calibrated.threads());
      assertTrue(calibrated.batchThreads() >= 1 && calibrated.batchThreads() <= 2, "batch " + calibrated.batchThreads());
      assertEquals(2, plain.threads(), "no calibration: as set");
      assertEquals(2, plain.batchThreads());
      for (String prompt : List.of("Tell me about the sea.", "And the mountains?")) {
        assertEquals(plain.generate(greedy(prompt, 12)).text(), calibrated.generate(greedy(prompt, 12)).text());
      }
    }
  }

  /** Waits until the loop has nothing left to compute (priming included); fails after a minute. */
  private static EngineStatistics awaitIdle(LlamaChatModel model) throws InterruptedException {
    assertTrue(model.awaitIdle(Duration.ofMinutes(1)), "the engine did not become idle within a minute");
    return model.statistics();
  }

  /**
   * When a reply ends and its sequence stays idle, the loop computes what the chat template puts
   * before the next user message; the next turn finds every cell it needs but its own words, and
   * answers as a model without any cache does.
   */
  @Test
  void anIdleConversationsNextTurnFindsTheTemplatesMarkersComputed() throws Exception {
    try (LlamaChatModel model = oneSlot(LlamaChatModel.DEFAULT_STATE_CACHE_BYTES); LlamaChatModel fresh = uncached()) {
      List<Message> h = new ArrayList<>(List.of(Message.user("Where do rivers begin?")));
      EngineStatistics s0 = model.statistics();
      ChatResponse first = model.generate(new ChatRequest(List.copyOf(h), GREEDY, "primed"));
      EngineStatistics s1 = awaitIdle(model);
      long prompt1 = s1.promptTokens() - s0.promptTokens();
      int generated = first.usage().completionTokens();
      long primed = s1.stepTokens() - s0.stepTokens() - prompt1 - (generated - 1);
      // ChatML spelled out by the Llama-2 tokenizer: "<|im_end|>\n<|im_start|>user\n" is ~20 tokens.
      assertTrue(primed >= 10, "tokens decoded after the reply, before any next turn: " + primed);
      // The prompt took one step and each generated token but the last one more: the rest primed,
      // at most FfmEngine.PRIME_CHUNK (16) tokens a step.
      long primeSteps = (s1.steps() - s0.steps()) - 1 - (generated - 1);
      assertTrue(primeSteps * 16 >= primed && primeSteps >= 2,
          primed + " tokens primed in " + primeSteps + " steps");

      h.add(first.toMessage());
      h.add(Message.user("And where do they end?"));
      ChatResponse second = model.generate(new ChatRequest(List.copyOf(h), GREEDY, "primed"));
      EngineStatistics s2 = model.statistics();
      long computed = (s2.promptTokens() - s1.promptTokens()) - (s2.promptTokensReused() - s1.promptTokensReused());
      int own = model.countTokens(List.of(Message.user("And where do they end?")));
      assertTrue(computed <= own + 2, "turn 2 computed " + computed + " tokens; its message and the"
          + " reply header are " + own);
      assertEquals(fresh.generate(new ChatRequest(List.copyOf(h), GREEDY)).text(), second.text());
    }
  }

  /**
   * Within the priming delay nothing is primed: a request that comes sooner (here, another
   * conversation's) finds no priming step before its prompt, and the engine computes nothing for a
   * turn that may never come. The test waits a fixed while only to see that nothing happens.
   */
  @Test
  void aReplysSequenceWaitsOutThePrimingDelay() throws Exception {
    try (LlamaChatModel model = LlamaChatModel.builder(TestModels.tiny()).contextSize(512).slots(1).threads(1)
        .turnPrimingDelay(Duration.ofHours(1)).build()) {
      EngineStatistics s0 = model.statistics();
      ChatResponse first = model.generate(new ChatRequest(List.of(Message.user("Where do rivers begin?")), GREEDY,
          "waiting"));
      Thread.sleep(300);
      EngineStatistics s1 = model.statistics();
      long computed = (s1.promptTokens() - s0.promptTokens()) - (s1.promptTokensReused() - s0.promptTokensReused());
      assertEquals(computed + first.usage().completionTokens() - 1, s1.stepTokens() - s0.stepTokens(),
          "the prompt and the reply, nothing primed: " + s1);

      ChatResponse other = model.generate(new ChatRequest(List.of(Message.user("What is a delta?")), GREEDY, "next"));
      EngineStatistics s2 = model.statistics();
      long computed2 = (s2.promptTokens() - s1.promptTokens()) - (s2.promptTokensReused() - s1.promptTokensReused());
      assertEquals(computed2 + other.usage().completionTokens() - 1, s2.stepTokens() - s1.stepTokens(),
          "the next request's prompt and reply only: " + s2);
    }
    assertThrows(IllegalArgumentException.class,
        () -> LlamaChatModel.builder(TestModels.tiny()).turnPrimingDelay(Duration.ofMillis(-1)));
  }

  /** The folder is deleted under the running engine: states are lost, replies are not. */
  @Test
  void aSpillFolderThatDisappearsCostsReuseNotReplies() throws Exception {
    long oneState = oneStateBytes();
    Path spill = temp.resolve("vanishing");
    List<String> replies = new ArrayList<>();
    try (LlamaChatModel model = spilling(spill, oneState * 3 / 2).build()) {
      replies.add(model.generate(conversation(0)).text());
      try (var walk = Files.walk(spill)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
      for (int i = 1; i < 4; i++) {
        replies.add(settled(model, conversation(i)).text());
      }
      EngineStatistics s = awaitStatistics(model, st -> st.statesEvicted() == 2);
      assertEquals(0, s.statesSpilled(), s.toString());
      assertEquals(2, s.statesEvicted(), "two states could not be written: " + s);
      for (int i = 0; i < 4; i++) {
        assertEquals(replies.get(i), model.generate(conversation(i)).text(), "conversation " + i);
      }
    }
  }

  @Test
  void aSpillFolderThatCannotBeMadeFailsTheLoadNamingIt() throws Exception {
    Path file = Files.writeString(temp.resolve("not-a-folder"), "x");
    ModelLoadException e = org.junit.jupiter.api.Assertions.assertThrows(ModelLoadException.class,
        () -> LlamaChatModel.builder(TestModels.tiny()).slots(1).threads(1).stateSpillFolder(file.resolve("states"))
            .build());
    assertTrue(e.getMessage().contains(file.resolve("states").toString()), e.getMessage());
  }

  /**
   * The reply, once the loop is idle again: after a conversation's reply its sequence computes the
   * template's markers for the next turn, so a state saved right away could hold them or not.
   * Tests that count states' bytes wait, so every state holds them.
   */
  private static ChatResponse settled(LlamaChatModel model, ChatRequest request) throws InterruptedException {
    ChatResponse r = model.generate(request);
    awaitIdle(model);
    return r;
  }

  private static ChatRequest conversation(int i) {
    return new ChatRequest(List.of(Message.user("Conversation number " + i + " asks about rivers and lakes.")), GREEDY,
        "conversation-" + i);
  }

  /**
   * A second conversation with the same long system prompt, arriving while the first generates,
   * gets that prompt's cells copied from the first's sequence instead of computing them.
   */
  @Test
  void aSharedSystemPromptIsComputedOnce() throws Exception {
    String system = "You are a careful assistant for a shipping company. " .repeat(8);
    try (LlamaChatModel model = LlamaChatModel.builder(TestModels.tiny()).contextSize(512).slots(2).threads(1).build();
        LlamaChatModel fresh = uncached()) {
      java.util.concurrent.CountDownLatch firstToken = new java.util.concurrent.CountDownLatch(1);
      GenerationHandle first = model.stream(new ChatRequest(List.of(Message.system(system), Message.user("Where is my parcel?")),
          GenerationOptions.builder().temperature(0).maxTokens(200).build(), "x"),
          new RecordingStreamHandler(t -> firstToken.countDown()));
      assertTrue(firstToken.await(60, TimeUnit.SECONDS));
      EngineStatistics s0 = model.statistics();
      ChatRequest second = new ChatRequest(List.of(Message.system(system), Message.user("Can I change the address?")),
          GREEDY, "y");
      ChatResponse r = model.generate(second);
      EngineStatistics s1 = model.statistics();
      int systemTokens = model.countTokens(List.of(Message.system(system)));
      assertTrue(s1.promptTokensReused() - s0.promptTokensReused() >= systemTokens - 8,
          "the system prompt's " + systemTokens + " tokens were copied, not computed: "
              + (s1.promptTokensReused() - s0.promptTokensReused()));
      assertEquals(fresh.generate(second).text(), r.text(), "copied cells give the reply a full computation gives");
      first.cancel();
      first.completion().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  /**
   * Three clients that name no conversation and resend their whole history every turn (as over
   * OpenAI's {@code /v1}) take turns on one sequence: each turn 2 finds its turn 1's cells among the
   * saved states by their tokens alone, computes only what is new, and replies as a model that
   * computed everything.
   */
  @Test
  void aClientThatResendsItsHistoryGetsItsCellsBackWithoutAConversationId() throws Exception {
    try (LlamaChatModel model = oneSlot(LlamaChatModel.DEFAULT_STATE_CACHE_BYTES); LlamaChatModel fresh = uncached()) {
      List<List<Message>> histories = new ArrayList<>();
      for (String topic : List.of("harbours", "glaciers", "deserts")) {
        List<Message> h = new ArrayList<>(List.of(Message.user(promptOf(model, 60, topic))));
        h.add(settled(model, new ChatRequest(List.copyOf(h), GREEDY)).toMessage());
        h.add(Message.user("Tell me more about " + topic + "."));
        histories.add(h);
      }
      for (List<Message> h : histories) {
        EngineStatistics s0 = model.statistics();
        ChatResponse r = settled(model, new ChatRequest(List.copyOf(h), GREEDY));
        EngineStatistics s1 = model.statistics();
        int firstTurn = model.countTokens(h.subList(0, 1));
        long reused = s1.promptTokensReused() - s0.promptTokensReused();
        assertTrue(reused >= firstTurn, "turn 2 reuses at least turn 1's prompt (" + firstTurn + " tokens): " + reused);
        assertEquals(1, s1.statesRestored() - s0.statesRestored(), "restored from a saved state: " + s1);
        assertEquals(1, s1.statesRestoredByPrefix() - s0.statesRestoredByPrefix(), "found by its prefix: " + s1);
        assertEquals(fresh.generate(new ChatRequest(List.copyOf(h), GREEDY)).text(), r.text(),
            "restored cells give the reply a full recomputation gives");
      }
      assertEquals(0, model.statistics().stateMisses(), "no request named a conversation");
    }
  }
}
