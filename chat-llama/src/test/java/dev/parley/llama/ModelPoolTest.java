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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ModelPoolTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /**
   * Flash attention off: its sums depend on what else is in the batch, and these tests compare
   * replies made under load with the same replies made alone, token for token, to find cross-talk.
   */
  private static ModelPool pool(int slots, int maxQueue, Duration maxWait) {
    return ModelPool.builder(LlamaChatModel.builder(TestModels.tiny()).contextSize(512).threads(1).flashAttention(false))
        .slots(slots).maxQueue(maxQueue).maxWait(maxWait).build();
  }

  private static ChatRequest greedy(String prompt, int maxTokens) {
    return new ChatRequest(List.of(Message.user(prompt)),
        GenerationOptions.builder().temperature(0).maxTokens(maxTokens).build());
  }

  /** Sampled with its own seed: each request has a reply of its own to recognise. */
  private static ChatRequest seeded(String prompt, int seed) {
    return new ChatRequest(List.of(Message.user(prompt)),
        GenerationOptions.builder().temperature(1.0).seed(seed).maxTokens(16).build());
  }

  private static ChatResponse await(GenerationHandle h) throws Exception {
    return h.completion().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void sixteenThreadsGenerateAtOnceAndEachGetsItsOwnReply() throws Exception {
    try (ModelPool pool = pool(4, 64, WAIT)) {
      List<String> prompts = new ArrayList<>();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        prompts.add("Conversation " + i + ": tell me about topic number " + (i * 7919 % 1000));
        expected.add(pool.generate(seeded(prompts.get(i), i)).text());
      }
      assertTrue(expected.stream().distinct().count() >= 12, "seeds must give distinct replies: " + expected);

      ExecutorService threads = Executors.newFixedThreadPool(16);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<String[]>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        int n = i;
        results.add(threads.submit(() -> {
          start.await();
          RecordingStreamHandler h = new RecordingStreamHandler();
          ChatResponse r = await(pool.stream(seeded(prompts.get(n), n), h));
          return new String[] {r.text(), h.text()};
        }));
      }
      start.countDown();
      for (int i = 0; i < 16; i++) {
        String[] got = results.get(i).get(2, TimeUnit.MINUTES);
        assertEquals(got[0], got[1], "streamed tokens add up to the reply of request " + i);
        assertEquals(expected.get(i), got[0], "request " + i + " got another conversation's output");
      }
      threads.shutdown();
      PoolStatistics stats = pool.statistics();
      assertEquals(0, stats.busySlots());
      assertEquals(0, stats.queued());
      assertEquals(32, stats.started());
    }
  }

  @Test
  void timeToFirstTokenIsMeasuredOnTheGivenTicker() throws Exception {
    // Each reading advances 250 ms: one when a request arrives, one at its first token.
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
    try (ModelPool pool = ModelPool.builder(TestModels.tiny()).slots(2)
        .ticker(() -> now.addAndGet(Duration.ofMillis(250).toNanos())).build()) {
      assertEquals(Duration.ZERO, pool.statistics().meanTimeToFirstToken(), "nothing measured yet");
      for (int i = 0; i < 3; i++) {
        pool.generate(seeded("count to " + i, i));
      }
      assertEquals(Duration.ofMillis(250), pool.statistics().meanTimeToFirstToken());
    }
  }

  /**
   * Many conversations taking turns on few slots, histories growing each turn: every turn is
   * answered in full. (The example server's load test, LoadGeneratorIT, drives the same pattern
   * with arrivals spread over time, which is what fragmented llama.cpp's KV cache.)
   */
  @Test
  void manyConversationsTakingTurnsOnFewSlotsAreAllAnswered() throws Exception {
    try (ModelPool pool = ModelPool.builder(LlamaChatModel.builder(TestModels.tiny()).contextSize(512).threads(1))
        .slots(8).maxQueue(256).maxWait(WAIT).build()) {
      int conversations = 64;
      List<List<Message>> histories = new ArrayList<>();
      for (int c = 0; c < conversations; c++) {
        histories.add(new ArrayList<>(List.of(Message.system("You are assistant number " + c + "."))));
      }
      ExecutorService threads = Executors.newFixedThreadPool(16);
      for (int turn = 0; turn < 4; turn++) {
        List<Future<ChatResponse>> replies = new ArrayList<>();
        for (int c = 0; c < conversations; c++) {
          List<Message> history = histories.get(c);
          history.add(Message.user("Turn " + turn + " of conversation " + c + ": what makes the tide come in?"));
          ChatRequest request = new ChatRequest(List.copyOf(history),
              GenerationOptions.builder().temperature(0).maxTokens(24).build());
          replies.add(threads.submit(() -> pool.generate(request)));
        }
        for (int c = 0; c < conversations; c++) {
          ChatResponse r = replies.get(c).get(2, TimeUnit.MINUTES);
          assertEquals(FinishReason.LENGTH, r.finishReason(), "conversation " + c + ", turn " + turn);
          histories.get(c).add(r.toMessage());
        }
      }
      threads.shutdown();
      assertEquals(0, pool.statistics().busySlots());
    }
  }

  @Test
  void aPoolTakesEveryModelSettingFromAModelBuilder() throws Exception {
    LlamaChatModel.Builder model = LlamaChatModel.builder(TestModels.tiny()).id("my-assistant").slots(3)
        .contextSize(256).threads(1).closeTimeout(Duration.ofSeconds(5));
    try (ModelPool pool = ModelPool.builder(model).maxQueue(2).build()) {
      assertEquals("my-assistant", pool.id(), "the id, which the pool's own builder never had");
      assertEquals(3, pool.statistics().slots(), "the model builder's slots");
      assertEquals(4, await(pool.stream(greedy("hi", 4), StreamHandler.ignoringTokens())).usage().completionTokens());
    }
    try (ModelPool pool = ModelPool.builder(LlamaChatModel.builder(TestModels.tiny()).contextSize(256).threads(1))
        .slots(2).build()) {
      assertEquals(2, pool.statistics().slots(), "the pool's builder may still set them");
    }
  }

  @Test
  void failsFastWhenEverySlotIsBusyAndTheQueueIsFull() throws Exception {
    try (ModelPool pool = pool(1, 1, WAIT)) {
      HeldStream hold = new HeldStream();
      GenerationHandle running = pool.stream(greedy("long story", 4096), hold);
      GenerationHandle queued = pool.stream(greedy("waiting", 4), StreamHandler.ignoringTokens());
      PoolExhaustedException e = assertThrows(PoolExhaustedException.class,
          () -> pool.stream(greedy("one too many", 4), StreamHandler.ignoringTokens()));
      assertTrue(e.isRetriable());
      assertTrue(e.getMessage().contains("1 requests are already waiting"), e.getMessage());
      assertEquals(1, pool.statistics().rejected());

      hold.awaitFirstToken();
      running.cancel();
      hold.release();
      await(running);
      assertEquals(4, await(queued).usage().completionTokens(), "the queued request runs once the slot is free");
    }
  }

  @Test
  void aRequestWaitingLongerThanMaxWaitFails() throws Exception {
    try (ModelPool pool = pool(1, 8, Duration.ofMillis(200))) {
      // The only slot is held until the test lets it go: the queued request cannot get it in time.
      HeldStream hold = new HeldStream();
      GenerationHandle running = pool.stream(greedy("long story", 4096), hold);
      GenerationHandle queued = pool.stream(greedy("waiting", 4), StreamHandler.ignoringTokens());
      ExecutionException e = assertThrows(ExecutionException.class, () -> await(queued));
      assertInstanceOf(PoolExhaustedException.class, e.getCause());
      assertEquals(1, pool.statistics().busySlots(), "the held request still has the slot");
      running.cancel();
      hold.release();
      await(running);
    }
  }

  @Test
  void queuedRequestsStartInArrivalOrder() throws Exception {
    try (ModelPool pool = pool(1, 8, WAIT)) {
      List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
      HeldStream hold = new HeldStream();
      GenerationHandle running = pool.stream(greedy("long story", 4096), hold);
      List<GenerationHandle> queued = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int n = i;
        queued.add(pool.stream(greedy("queued " + i, 2), new RecordingStreamHandler(t -> {
          if (!order.contains(n)) {
            order.add(n);
          }
        })));
      }
      assertEquals(4, pool.statistics().queued());
      running.cancel();
      hold.release();
      for (GenerationHandle h : queued) {
        await(h);
      }
      assertEquals(List.of(0, 1, 2, 3), order);
    }
  }

  @Test
  void cancellingAQueuedRequestRemovesItAtOnce() throws Exception {
    try (ModelPool pool = pool(1, 8, WAIT)) {
      HeldStream hold = new HeldStream();
      GenerationHandle running = pool.stream(greedy("long story", 4096), hold);
      GenerationHandle queued = pool.stream(greedy("waiting", 4), StreamHandler.ignoringTokens());
      queued.cancel();
      assertEquals(FinishReason.CANCELLED, await(queued).finishReason());
      assertEquals(0, pool.statistics().queued());
      assertEquals(1, pool.statistics().busySlots(), "the held request kept its slot");
      running.cancel();
      hold.release();
      await(running);
      assertEquals(0, pool.statistics().busySlots());
    }
  }

  @Test
  void closeFailsQueuedRequestsAndCancelsRunningOnes() throws Exception {
    ModelPool pool = pool(1, 8, WAIT);
    HeldStream hold = new HeldStream();
    GenerationHandle running = pool.stream(greedy("long story", 4096), hold);
    GenerationHandle queued = pool.stream(greedy("waiting", 4), StreamHandler.ignoringTokens());
    hold.awaitFirstToken();
    Thread closer = new Thread(pool::close, "closer");
    closer.start();
    // close cancels the running request; it ends once its handler lets go.
    hold.release();
    closer.join(TimeUnit.MINUTES.toMillis(1));
    assertEquals(false, closer.isAlive(), "close returned");
    assertEquals(FinishReason.CANCELLED, await(running).finishReason());
    CompletableFuture<ChatResponse> q = queued.completion().toCompletableFuture();
    assertThrows(ExecutionException.class, () -> q.get(10, TimeUnit.SECONDS));
    assertEquals(false, pool.statistics().loaded());
  }

  /**
   * Replicas share the cores out by default: as many replicas as cores get one thread each, so
   * llama.cpp starts only their server threads and no OpenMP workers, whose teams would outnumber
   * the cores (see {@link LlamaChatModelTest#everyDecodeRunsOnOneThreadTeam}).
   */
  @Test
  void replicasShareTheCoresOut() throws Exception {
    int replicas = Math.max(2, LlamaChatModel.defaultThreads());
    Set<String> before = TestModels.nativeThreads();
    Set<String> decodeBefore = TestModels.decodeThreads();
    try (ModelPool pool = ModelPool.builder(LlamaChatModel.builder(TestModels.tiny()).contextSize(256)).replicas(replicas).slots(1).build()) {
      Set<String> started = TestModels.nativeThreads();
      started.removeAll(before);
      if (EngineSelectionTest.ffm()) {
        Set<String> decode = TestModels.decodeThreads();
        decode.removeAll(decodeBefore);
        assertEquals(Set.of(), started, "no native thread outside the decode loops");
        assertEquals(replicas, decode.size(), replicas + " replicas, loaded and warmed up: one decode loop each, "
            + "no OpenMP workers; got " + decode);
      } else {
        assertEquals(replicas, started.size(), replicas + " replicas, loaded and warmed up: one server thread each, "
            + "no OpenMP workers; got " + started);
      }
      assertEquals(replicas, pool.statistics().slots());
    }
  }

  @Test
  void badSettingsNameTheParameter() {
    assertEquals("slots must be > 0, was 0",
        assertThrows(IllegalArgumentException.class, () -> ModelPool.builder(TestModels.tiny()).slots(0)).getMessage());
    assertEquals("maxQueue must be >= 0, was -1",
        assertThrows(IllegalArgumentException.class, () -> ModelPool.builder(TestModels.tiny()).maxQueue(-1)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> ModelPool.builder(TestModels.tiny()).maxWait(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> ModelPool.builder(TestModels.tiny()).replicas(0));
  }
}
