package dev.parley.testing.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.memory.AppendResult;
import dev.parley.memory.Conversation;
import dev.parley.memory.ConversationLimitException;
import dev.parley.memory.ConversationManager;
import dev.parley.memory.StoredMessage;
import dev.parley.testing.FakeTokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many threads append to a few shared conversations and many private ones at once. At the end:
 * the budget was never exceeded, each writer's messages are in the order it wrote them, and every
 * appended message is either kept or was reported as trimmed, exactly once.
 */
class ConversationManagerStressTest {
  private static final int THREADS = 8;
  private static final int APPENDS_PER_THREAD = 3_000;
  private static final int SHARED_CONVERSATIONS = 3;
  private static final int BUDGET = 60;
  private static final int MAX_MESSAGES = 24;

  @Test
  void concurrentAppendsKeepTheInvariants() throws Exception {
    ConversationManager memory =
        ConversationManager.builder()
            .tokenizer(FakeTokenizer.withOverhead(1, 0))
            .maxTokens(BUDGET)
            .maxMessages(MAX_MESSAGES)
            .build();
    Map<String, Set<String>> trimmed = new ConcurrentHashMap<>();
    Map<String, Set<String>> appended = new ConcurrentHashMap<>();
    List<String> budgetBreaches = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      futures.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < APPENDS_PER_THREAD; i++) {
                  String conversation = i % 2 == 0 ? "shared-" + (i % SHARED_CONVERSATIONS) : "own-" + thread;
                  Role role = (i / 2) % 2 == 0 ? Role.USER : Role.ASSISTANT;
                  String content = thread + ":" + i + " " + "x ".repeat(i % 5);
                  Message m = new Message(role, content);
                  if (i % 500 == 0) {
                    m = Message.system(thread + ":" + i);
                  }
                  AppendResult r;
                  try {
                    r = memory.append(conversation, m);
                  } catch (ConversationLimitException e) {
                    continue; // pinned system messages can fill a shared conversation; nothing was changed
                  }
                  appended.computeIfAbsent(conversation, k -> ConcurrentHashMap.newKeySet()).add(content(m));
                  if (r.conversation().tokens() > BUDGET) {
                    budgetBreaches.add(conversation + " at " + r.conversation().tokens());
                  }
                  for (StoredMessage s : r.trimmed()) {
                    boolean fresh = trimmed.computeIfAbsent(conversation, k -> ConcurrentHashMap.newKeySet())
                        .add(content(s.message()));
                    if (!fresh) {
                      budgetBreaches.add("trimmed twice: " + s);
                    }
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();

    assertEquals(List.of(), budgetBreaches);
    int totalAppended = appended.values().stream().mapToInt(Set::size).sum();
    int totalTrimmed = trimmed.values().stream().mapToInt(Set::size).sum();
    assertTrue(totalAppended > THREADS * APPENDS_PER_THREAD * 9 / 10, "most appends succeed: " + totalAppended);
    assertTrue(totalTrimmed > totalAppended / 2, "the limits must have trimmed most messages: " + totalTrimmed);
    for (String conversation : appended.keySet()) {
      Conversation c = memory.conversation(conversation);
      assertTrue(c.tokens() <= BUDGET, conversation + " over budget: " + c.tokens());
      long nonSystem = c.messages().stream().filter(m -> m.message().role() != Role.SYSTEM).count();
      assertTrue(nonSystem <= MAX_MESSAGES, conversation + " over message limit: " + nonSystem);

      Set<String> kept = new HashSet<>();
      Map<String, Integer> lastIndexByWriter = new HashMap<>();
      long lastSequence = -1;
      for (StoredMessage s : c.messages()) {
        String content = content(s.message());
        kept.add(content);
        assertTrue(s.sequence() > lastSequence, "sequences must increase");
        lastSequence = s.sequence();
        String[] parts = content.split(":");
        int index = Integer.parseInt(parts[1]);
        Integer previous = lastIndexByWriter.put(parts[0], index);
        assertTrue(previous == null || previous < index, "writer " + parts[0] + "'s order broken in " + conversation);
      }
      Set<String> gone = trimmed.getOrDefault(conversation, Set.of());
      for (String k : kept) {
        assertTrue(!gone.contains(k), "message both kept and reported trimmed: " + k);
      }
      Set<String> accounted = new HashSet<>(kept);
      accounted.addAll(gone);
      assertEquals(appended.get(conversation), accounted, "every appended message is kept or reported trimmed in " + conversation);
    }
  }

  private static String content(Message m) {
    return m.content().split(" ")[0];
  }
}
