package dev.parley.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.Role;
import dev.parley.memory.ConversationManager;
import dev.parley.memory.StoredMessage;
import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.TokenBucketRateLimiter;
import dev.parley.testing.FakeChatModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * 8 threads send 40 turns each into 6 conversations while replies are cancelled and conversations
 * deleted under them. At the end: every started reply ended exactly once, nothing is in flight,
 * permits match the turns that were admitted, and every stored reply is in a conversation that
 * still exists.
 */
class ChatPipelineStressTest {

  @Test
  void turnsCancelsAndDeletesRaceWithoutLosingOrLeakingAnything() throws Exception {
    FakeChatModel model = FakeChatModel.builder().responder(r -> "a b c d e f").tokenDelay(Duration.ofMillis(1)).build();
    TestStore store = new TestStore(false);
    // A stopped clock: no refill, so the permits left count exactly what was spent.
    TokenBucketRateLimiter limiter = TokenBucketRateLimiter.builder().limit(Limit.perDay(1_000_000)).ticker(() -> 0L).build();
    int conversations = 6;
    for (int c = 0; c < conversations; c++) {
      store.create("c" + c);
    }
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger noSuch = new AtomicInteger();
    Map<Reply, Recorder> replies = new ConcurrentHashMap<>();
    try (ChatPipeline pipeline = ChatPipeline.builder(model, ConversationManager.builder().store(store).build())
        .rateLimiter(limiter).storeThreads(2).build()) {
      ExecutorService threads = Executors.newFixedThreadPool(8);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        done.add(threads.submit(() -> {
          Random random = new Random(thread);
          go.await();
          for (int i = 0; i < 40; i++) {
            String conversation = "c" + random.nextInt(conversations);
            if (thread == 0 && i == 20) {
              pipeline.delete("c0");
            }
            Recorder recorder = new Recorder();
            Turn turn = Turn.message("user" + thread, conversation, "turn " + i);
            TurnOutcome outcome = pipeline.send(random.nextInt(4) == 0 ? turn.withoutReply() : turn, recorder);
            if (outcome instanceof TurnOutcome.Started s) {
              admitted.incrementAndGet();
              replies.put(s.reply(), recorder);
              if (random.nextInt(3) == 0) {
                s.reply().cancel();
              }
            } else if (outcome instanceof TurnOutcome.Stored) {
              admitted.incrementAndGet();
            } else if (outcome instanceof TurnOutcome.Rejected r) {
              assertEquals(Rejection.NO_SUCH_CONVERSATION, r.reason(), r.message());
              noSuch.incrementAndGet();
            } else {
              throw new AssertionError("no limit was reached: " + outcome);
            }
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      threads.shutdown();
      for (Map.Entry<Reply, Recorder> e : replies.entrySet()) {
        ReplyResult result = e.getValue().await();
        assertEquals(result, e.getKey().completion().toCompletableFuture().get(10, TimeUnit.SECONDS));
      }
      assertEquals(0, pipeline.inFlight());
    }

    for (Recorder r : replies.values()) {
      assertEquals(1, r.ends.get(), "every reply ends exactly once");
    }
    assertEquals(320, admitted.get() + noSuch.get());
    assertEquals(admitted.get(), spent(limiter), "permits spent = turns admitted");
    assertTrue(store.find("c0").isEmpty(), "a deleted conversation stays deleted");
    // c0's replies stored before the delete went with it; the others' must all be there.
    long storedReplies = replies.entrySet().stream()
        .filter(e -> !"c0".equals(e.getKey().conversationId()) && e.getValue().end.join().stored()).count();
    long assistantMessages = 0;
    for (int c = 1; c < conversations; c++) {
      List<StoredMessage> messages = store.messages("c" + c);
      assistantMessages += messages.stream().filter(m -> m.message().role() == Role.ASSISTANT).count();
      for (int i = 0; i < messages.size(); i++) {
        assertEquals(i, messages.get(i).sequence(), "dense sequences in c" + c);
      }
    }
    assertEquals(storedReplies, assistantMessages, "every reply reported stored is in its conversation, and only those");
    assertEquals(0, model.activeGenerations());
  }

  /** Permits taken from the 8 users: the sum of (capacity - remaining). */
  private static long spent(TokenBucketRateLimiter limiter) {
    long total = 0;
    for (int t = 0; t < 8; t++) {
      String user = "user" + t;
      long left = limiter.charge(user, 1).remaining() + 1;
      limiter.release(user, 1);
      total += 1_000_000 - left;
    }
    return total;
  }
}
