package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.Message;
import dev.parley.memory.ConversationManager;
import dev.parley.memory.StoredMessage;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The JDBC store on SQLite and on a real PostgreSQL server. */
class JdbcChatStoreTest {
  private static PostgresServer postgres;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    postgres.close();
  }

  static Stream<String> databases() throws Exception {
    return Stream.of("jdbc:sqlite:" + Files.createTempDirectory("parley-store").resolve("chat.db"), postgres.jdbcUrl());
  }

  private static JdbcChatStore open(String url) {
    return JdbcChatStore.open(url, url.startsWith("jdbc:postgresql") ? "parley" : null, null);
  }

  @ParameterizedTest
  @MethodSource("databases")
  void trimmedMessagesLeaveMemoryButStayInTheTranscriptAcrossReopening(String url) {
    String id;
    String owner = "owner-" + System.nanoTime();
    try (JdbcChatStore store = open(url)) {
      ConversationManager memory = ConversationManager.builder().store(store).maxMessages(4).build();
      id = store.createSession(owner, "t").id();
      memory.append(id, Message.system("be brief"));
      for (int i = 0; i < 5; i++) {
        memory.append(id, Message.user("question " + i).withMetadata("author", "alice"));
        memory.append(id, Message.assistant("answer " + i));
      }
      assertEquals(List.of("be brief", "question 3", "answer 3", "question 4", "answer 4"),
          memory.history(id).stream().map(Message::content).toList());
    }
    try (JdbcChatStore reopened = open(url)) {
      List<StoredMessage> all = reopened.transcript(id);
      assertEquals(11, all.size());
      assertEquals("question 0", all.get(1).message().content());
      assertEquals("alice", all.get(1).message().metadata().get("author"));
      assertEquals(5, reopened.find(id).orElseThrow().messages().size());
      assertEquals(11, reopened.find(id).orElseThrow().nextSequence());
      assertEquals(List.of("t"), reopened.sessions(owner).stream().map(JdbcChatStore.Session::title).toList());
      assertTrue(reopened.deleteSession(id));
      assertFalse(reopened.deleteSession(id));
      assertTrue(reopened.transcript(id).isEmpty());
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void theExistingOnlyViewNeverBringsBackADeletedSession(String url) {
    try (JdbcChatStore store = open(url)) {
      ConversationManager sessions = ConversationManager.builder().store(store.existingOnly()).build();
      String id = store.createSession("owner", "t").id();
      sessions.append(id, Message.user("kept"));
      assertTrue(store.deleteSession(id));

      JdbcChatStore.NoSuchConversationException e = org.junit.jupiter.api.Assertions.assertThrows(
          JdbcChatStore.NoSuchConversationException.class, () -> sessions.append(id, Message.assistant("late reply")));
      assertTrue(e.getMessage().contains(id), e.getMessage());
      assertTrue(store.session(id).isEmpty());
      assertTrue(store.transcript(id).isEmpty());
      // The plain store still creates what it is asked to (rooms).
      ConversationManager rooms = ConversationManager.builder().store(store).build();
      rooms.append("room:test-" + System.nanoTime(), Message.user("hello"));
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void concurrentAppendsFromTwoStoresLoseNothing(String url) throws Exception {
    // Two stores = two server instances on one database. 4 threads each append 25 messages.
    try (JdbcChatStore a = open(url); JdbcChatStore b = open(url)) {
      String id = a.createSession("alice", "busy").id();
      ConversationManager ma = ConversationManager.builder().store(a).build();
      ConversationManager mb = ConversationManager.builder().store(b).build();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        ConversationManager m = t % 2 == 0 ? ma : mb;
        int thread = t;
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 25; i++) {
            m.append(id, Message.user(thread + ":" + i));
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      List<StoredMessage> all = a.transcript(id);
      assertEquals(100, all.size());
      Set<String> contents = new HashSet<>();
      for (int i = 0; i < all.size(); i++) {
        assertEquals(i, all.get(i).sequence(), "sequences are dense and unique");
        contents.add(all.get(i).message().content());
      }
      assertEquals(100, contents.size());
      for (int t = 0; t < 4; t++) {
        int thread = t;
        List<String> mine = all.stream().map(s -> s.message().content()).filter(c -> c.startsWith(thread + ":")).toList();
        for (int i = 0; i < 25; i++) {
          assertEquals(thread + ":" + i, mine.get(i), "each thread's messages keep their order");
        }
      }
    }
  }
}
