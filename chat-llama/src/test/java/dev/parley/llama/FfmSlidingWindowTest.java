package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.StreamHandler;
import dev.parley.testing.contract.RecordingStreamHandler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Gemma 3-style model whose sliding-window layers keep only their window's cells ({@link
 * LlamaChatModel.Builder#fullSlidingWindowCache} off): conversations longer than those cells still
 * reply as a recomputation of their whole prompt, whether the engine keeps their cells, cuts them
 * back, copies another sequence's or computes the prompt afresh. The model's first layer attends to the last 32 tokens; each sequence's windowed cells
 * are its window and a micro-batch, so the prompts here (about 900 tokens) outgrow them. JDK 22+.
 */
class FfmSlidingWindowTest {
  private static final GenerationOptions GREEDY = GenerationOptions.builder().temperature(0).maxTokens(8).build();
  private static final long DEADLINE_SECONDS = 120;
  /** About 880 tokens: more than the windowed layer's cells (its 32-token window and a 512-token micro-batch). */
  private static final String LONG = "The tide comes in over the flats at dusk, and the herons leave. ".repeat(60);

  @TempDir Path temp;
  private Path file;

  @BeforeEach
  void writeModel() {
    file = ModelFamilies.write("gemma3", temp);
  }

  /** Fused attention off: a prompt split into other steps must give the same bits. */
  private LlamaChatModel.Builder windowOnly(int slots) {
    return LlamaChatModel.builder(file).contextSize(1024).slots(slots).threads(1).flashAttention(false)
        .fullSlidingWindowCache(false);
  }

  private LlamaChatModel recomputing() {
    return LlamaChatModel.builder(file).contextSize(1024).slots(1).threads(1).flashAttention(false)
        .promptCache(false).build();
  }

  private static List<Message> history(String system, String... users) {
    List<Message> h = new ArrayList<>(List.of(Message.system(system)));
    for (String u : users) {
      h.add(Message.user(u));
    }
    return h;
  }

  @Test
  void aLongConversationCutBackAFewTokensKeepsItsCellsAndRepliesAsARecomputation() {
    try (LlamaChatModel model = windowOnly(1).build(); LlamaChatModel fresh = recomputing()) {
      List<Message> first = history("You answer briefly.", LONG + " What do the herons do?");
      assertTrue(model.countTokens(first) > 700, "the prompt outgrows the windowed cells: " + model.countTokens(first));
      model.generate(new ChatRequest(first, GREEDY));
      // The next request drops the reply and asks again: the cells are cut back to the end of the
      // user's message, which the windowed layer still has the window before.
      List<Message> next = history("You answer briefly.", LONG + " What do the herons do?", "And at dawn?");
      long reusedBefore = model.statistics().promptTokensReused();
      String reply = model.generate(new ChatRequest(next, GREEDY)).text();
      long reused = model.statistics().promptTokensReused() - reusedBefore;
      assertTrue(reused > 700, "cells kept: " + reused);
      assertEquals(fresh.generate(new ChatRequest(next, GREEDY)).text(), reply);
    }
  }

  @Test
  void aPromptThatDepartsBeforeTheWindowedCellsIsComputedFromItsStart() {
    List<Message> first = history("You answer briefly.", LONG + " What do the herons do?");
    List<Message> edited = history("You answer briefly.", "Dawn. " + LONG + " What do the herons do?");
    long reusedByWindowOnly;
    try (LlamaChatModel model = windowOnly(1).build(); LlamaChatModel fresh = recomputing()) {
      model.generate(new ChatRequest(first, GREEDY));
      long before = model.statistics().promptTokensReused();
      String reply = model.generate(new ChatRequest(edited, GREEDY)).text();
      reusedByWindowOnly = model.statistics().promptTokensReused() - before;
      assertEquals(fresh.generate(new ChatRequest(edited, GREEDY)).text(), reply,
          "the windowed layer lacks the cells before the departure: the prompt is computed again");
    }
    assertEquals(0, reusedByWindowOnly, "the shared system prompt is computed again");
    try (LlamaChatModel full = windowOnly(1).fullSlidingWindowCache(true).build()) {
      full.generate(new ChatRequest(first, GREEDY));
      long before = full.statistics().promptTokensReused();
      full.generate(new ChatRequest(edited, GREEDY));
      assertTrue(full.statistics().promptTokensReused() - before > 0, "with every cell kept, the shared start is kept");
    }
  }

  /**
   * Another conversation sharing the start of a long one's prompt: the engine copies that
   * sequence's cells and cuts them back to what is shared, where the windowed layer lacks the
   * window before the cut, so the prompt is computed from its start, and replies as a
   * recomputation does.
   */
  @Test
  void cellsCopiedFromAnotherSequenceAndCutBackBeforeTheWindowedCellsAreComputedAgain() throws Exception {
    String shared = "Rules of the harbour: " + "moor at the east quay, pay at the office, keep the slipway clear. ".repeat(4);
    List<Message> a = history(shared, LONG.substring(0, LONG.length() * 7 / 8) + " What do the herons do?");
    List<Message> b = history(shared, "Where do I moor a small boat for the night?");
    try (LlamaChatModel model = windowOnly(2).build(); LlamaChatModel fresh = recomputing()) {
      assertTrue(model.countTokens(List.of(Message.system(shared))) > 40, "more than a block is shared");
      assertTrue(model.countTokens(a) > 900, "a outgrows the windowed cells well past the shared start: "
          + model.countTokens(a));
      // a goes on generating while b comes, so b takes the other sequence, which a's cells could
      // seed. a cannot end by itself: its end-of-turn tokens are ruled out and it may fill its
      // context, a hundred steps where b takes nine; the test cancels it once b has replied.
      Map<Integer, Integer> noEnd = Map.of(model.tokenize("<end_of_turn>")[0], -100, model.tokenize("<eos>")[0], -100);
      int room = 1024 - model.countTokens(a);
      CountDownLatch generating = new CountDownLatch(1);
      GenerationHandle aRun = model.stream(new ChatRequest(a, GenerationOptions.builder().temperature(0)
          .maxTokens(room).logitBias(noEnd).build(), "a"), new RecordingStreamHandler(token -> generating.countDown()));
      assertTrue(generating.await(DEADLINE_SECONDS, TimeUnit.SECONDS), "a never generated");
      long before = model.statistics().promptTokensReused();
      CompletableFuture<String> reply = model.stream(new ChatRequest(b, GREEDY, "b"), StreamHandler.ignoringTokens())
          .completion().toCompletableFuture().thenApply(r -> r.text());
      assertEquals(fresh.generate(new ChatRequest(b, GREEDY)).text(), reply.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
      assertEquals(0, model.statistics().promptTokensReused() - before, "b's prompt is computed from its start");
      // Had a ended first, b would have taken a's sequence for the prefix they share, saving a's cells.
      assertEquals(0, model.statistics().statesSaved(), "b took the free sequence while a generated");
      aRun.cancel();
      assertEquals(FinishReason.CANCELLED, aRun.completion().toCompletableFuture().get(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .finishReason(), "a ran until the test cancelled it");
    }
  }

  /**
   * A reply sent back in other words (as a client that edits it, or text that tokenizes otherwise)
   * departs from the cells right after the prompt. The reply was long, so the windowed layer's
   * cells have moved past the prompt's end; the checkpoint taken just before it puts them back,
   * and only what follows is computed.
   */
  @ParameterizedTest(name = "its state saved and restored in between: {0}")
  @ValueSource(booleans = {false, true})
  void aReplySentBackInOtherWordsIsCutBackToThePromptsCheckpoint(boolean savedInBetween) {
    try (LlamaChatModel model = windowOnly(1).build(); LlamaChatModel fresh = recomputing()) {
      List<Message> first = history("You answer at length.", "Tell me about the tides.");
      // The reply runs to its length: the model's end-of-turn tokens are ruled out.
      java.util.Map<Integer, Integer> noEnd = java.util.Map.of(model.tokenize("<end_of_turn>")[0], -100,
          model.tokenize("<eos>")[0], -100);
      GenerationOptions atLength = GenerationOptions.builder().temperature(0).maxTokens(850).logitBias(noEnd).build();
      assertEquals(850, model.generate(new ChatRequest(first, atLength, "a")).usage().completionTokens(),
          "a reply longer than the windowed layer's cells");
      if (savedInBetween) {
        // Another conversation takes the only sequence: a's cells go to the state cache, with the
        // checkpoint, and come back for a's next turn.
        model.generate(new ChatRequest(history("Someone else.", "Hello?"), GREEDY, "b"));
      }
      int prompt = model.countTokens(first);
      List<Message> next = new ArrayList<>(first);
      next.add(Message.assistant("The tides follow the moon."));
      next.add(Message.user("And the herons?"));
      long before = model.statistics().promptTokensReused();
      String reply = model.generate(new ChatRequest(next, GREEDY, "a")).text();
      if (savedInBetween) {
        assertEquals(1, model.statistics().statesRestored(), model.statistics().toString());
      }
      assertEquals(prompt - 4, model.statistics().promptTokensReused() - before,
          "cut back to the checkpoint, 4 tokens before the first prompt's end (the turn the reply opens, which"
              + " Gemma's template writes otherwise once the reply is in the history)");
      assertEquals(fresh.generate(new ChatRequest(next, GREEDY)).text(), reply);
    }
  }

  /**
   * With every cell kept (the default), a conversation whose state went to the state cache comes
   * back with only the window's cells of its windowed layer (llama.cpp saves no others), and its
   * next prompt departs 4 tokens before the end of the last one (Gemma's template): the checkpoint
   * saved with the state spares computing the whole history again.
   */
  @Test
  void withEveryCellKeptARestoredConversationIsCutBackToItsCheckpoint() {
    try (LlamaChatModel model = LlamaChatModel.builder(file).contextSize(1024).slots(1).threads(1)
            .flashAttention(false).build();
        LlamaChatModel fresh = recomputing()) {
      List<Message> h = history("You answer briefly.", "The tide comes in over the flats at dusk. ".repeat(6) + "Why?");
      int firstPrompt = model.countTokens(h);
      assertTrue(firstPrompt > 64, "longer than the window: " + firstPrompt);
      h.add(model.generate(new ChatRequest(h, GREEDY, "a")).toMessage());
      h.add(Message.user("And at dawn?"));
      model.generate(new ChatRequest(history("Someone else.", "Hello?"), GREEDY, "b"));
      long before = model.statistics().promptTokensReused();
      String reply = model.generate(new ChatRequest(h, GREEDY, "a")).text();
      assertEquals(1, model.statistics().statesRestored(), model.statistics().toString());
      assertEquals(firstPrompt - 4, model.statistics().promptTokensReused() - before, "cut back to the checkpoint");
      assertEquals(fresh.generate(new ChatRequest(h, GREEDY)).text(), reply);
    }
  }
}
