package dev.parley.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.FinishReason;
import dev.parley.chat.Message;
import dev.parley.chat.ToolCall;
import dev.parley.memory.Conversation;
import dev.parley.memory.ConversationManager;
import dev.parley.memory.NoSuchConversationException;
import dev.parley.memory.StoredMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sqlite.SQLiteDataSource;

/** The JDBC store on SQLite and on a real PostgreSQL server. */
class JdbcConversationStoreTest {
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
    return Stream.of(sqliteUrl(), postgres.jdbcUrl());
  }

  private static String sqliteUrl() throws Exception {
    return "jdbc:sqlite:" + Files.createTempDirectory("parley-store").resolve("chat.db");
  }

  private static JdbcConversationStore.Builder builder(String url) {
    return JdbcConversationStore.builder(url).user(url.startsWith("jdbc:postgresql") ? "parley" : null);
  }

  private static JdbcConversationStore open(String url) {
    return builder(url).build();
  }

  @ParameterizedTest
  @MethodSource("databases")
  void trimmedMessagesLeaveMemoryButStayInTheTranscriptAcrossReopening(String url) {
    String id;
    String owner = "owner-" + System.nanoTime();
    try (JdbcConversationStore store = open(url)) {
      ConversationManager memory = ConversationManager.builder().store(store).maxMessages(4).build();
      id = store.createConversation(owner, "t").id();
      memory.append(id, Message.system("be brief"));
      for (int i = 0; i < 5; i++) {
        memory.append(id, Message.user("question " + i).withMetadata("author", "alice"));
        memory.append(id, Message.assistant("answer " + i).withFinishReason(i == 4 ? FinishReason.CANCELLED : FinishReason.STOP));
      }
      assertEquals(List.of("be brief", "question 3", "answer 3", "question 4", "answer 4"),
          memory.history(id).stream().map(Message::content).toList());
    }
    try (JdbcConversationStore reopened = open(url)) {
      List<StoredMessage> all = reopened.transcript(id);
      assertEquals(11, all.size());
      assertEquals("question 0", all.get(1).message().content());
      assertEquals("alice", all.get(1).message().metadata().get("author"));
      assertEquals(null, all.get(1).message().finishReason(), "a user message has none");
      assertEquals(FinishReason.STOP, all.get(2).message().finishReason());
      assertTrue(all.get(10).message().isCancelledReply(), "how a reply ended survives reopening");
      assertEquals(List.of("answer 3", "question 4", "answer 4"),
          reopened.transcriptPage(id, Long.MAX_VALUE, 3).stream().map(s -> s.message().content()).toList());
      assertEquals(List.of("be brief", "question 0"),
          reopened.transcriptPage(id, 2, 5).stream().map(s -> s.message().content()).toList());
      assertEquals(5, reopened.find(id).orElseThrow().messages().size());
      assertEquals(11, reopened.find(id).orElseThrow().nextSequence());
      assertEquals(List.of("t"), reopened.conversations(owner, 0, 10).stream().map(ConversationSummary::title).toList());
      assertTrue(reopened.delete(id));
      assertFalse(reopened.delete(id));
      assertTrue(reopened.transcript(id).isEmpty());
      assertTrue(reopened.find(id).isEmpty());
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void sessionsArePagedPerOwnerOldestFirstWithTheClocksTimes(String url) {
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    String owner = "pager-" + System.nanoTime();
    List<String> ids = new ArrayList<>();
    try (JdbcConversationStore store = builder(url).clock(Clock.fixed(start, ZoneOffset.UTC)).build()) {
      store.createConversation("someone-else-" + owner, "not mine");
      for (int i = 0; i < 5; i++) {
        ids.add(store.createConversation(owner, "s" + i).id());
      }
      assertEquals(5, store.conversationCount(owner));
      ConversationSummary first = store.summary(ids.get(0)).orElseThrow();
      assertEquals(start, first.createdAt());
      assertEquals(owner, first.owner());
      // Same creation time: ordered by id, so pages never overlap or skip.
      List<String> paged = new ArrayList<>();
      for (int offset = 0; offset < 6; offset += 2) {
        store.conversations(owner, offset, 2).forEach(s -> paged.add(s.id()));
      }
      assertEquals(ids.stream().sorted().toList(), paged);
      assertTrue(store.conversations(owner, 5, 2).isEmpty());
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void theExistingOnlyViewNeverBringsBackADeletedSession(String url) {
    try (JdbcConversationStore store = open(url)) {
      ConversationManager sessions = ConversationManager.builder().store(store.existingOnly()).build();
      String id = store.createConversation("owner", "t").id();
      sessions.append(id, Message.user("kept"));
      assertTrue(store.delete(id));

      NoSuchConversationException e = assertThrows(NoSuchConversationException.class,
          () -> sessions.append(id, Message.assistant("late reply")));
      assertEquals(id, e.conversationId());
      assertFalse(e.isRetriable());
      assertTrue(store.summary(id).isEmpty());
      assertTrue(store.transcript(id).isEmpty());
      // A view that creates only rooms: rooms on first use, anything else refused.
      ConversationManager routed = ConversationManager.builder().store(store.creating(c -> c.startsWith("room:"))).build();
      String lobby = "room:lobby-" + System.nanoTime();
      routed.append(lobby, Message.user("first"));
      assertTrue(store.summary(lobby).isPresent());
      assertThrows(NoSuchConversationException.class, () -> routed.append("not-a-room-" + System.nanoTime(), Message.user("x")));
      // The plain store creates what it is asked to (rooms), with no owner.
      String room = "room:test-" + System.nanoTime();
      ConversationManager.builder().store(store).build().append(room, Message.user("hello"));
      assertEquals(null, store.summary(room).orElseThrow().owner());
      assertEquals(1, store.transcript(room).size());
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void badValuesAreRefusedNamingWhatWasWrongAndNothingIsWritten(String url) {
    try (JdbcConversationStore store = open(url)) {
      String owner = "strict-" + System.nanoTime();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> store.createConversation(owner, "x".repeat(201)));
      assertTrue(e.getMessage().contains("title") && e.getMessage().contains("201"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> store.createConversation("a\0b", "t"));
      assertTrue(e.getMessage().contains("owner") && e.getMessage().contains("NUL"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> store.update("r".repeat(65), c -> c));
      assertTrue(e.getMessage().contains("64"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> store.conversations(owner, -1, 10));
      assertTrue(e.getMessage().contains("offset"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> store.conversations(owner, 0, 0));
      assertTrue(e.getMessage().contains("limit"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> store.transcriptPage("x", 10, 0));
      assertTrue(e.getMessage().contains("limit"), e.getMessage());
      assertEquals(0, store.conversationCount(owner));

      // A change that throws leaves the conversation as it was.
      String id = store.createConversation(owner, "t").id();
      ConversationManager memory = ConversationManager.builder().store(store).build();
      memory.append(id, Message.user("first"));
      assertThrows(IllegalStateException.class, () -> store.update(id, c -> {
        throw new IllegalStateException("boom");
      }));
      assertEquals(List.of("first"), store.transcript(id).stream().map(s -> s.message().content()).toList());
      assertEquals(1, store.find(id).orElseThrow().nextSequence());
    }
  }

  @Test
  void aNulInAMessageIsRefusedOnPostgresqlAndTheWholeUpdateRolledBack() {
    try (JdbcConversationStore store = open(postgres.jdbcUrl())) {
      String id = store.createConversation("nul", "t").id();
      ConversationManager memory = ConversationManager.builder().store(store).build();
      memory.append(id, Message.user("fine"));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> memory.append(id, Message.assistant("a\0b")));
      assertTrue(e.getMessage().contains("NUL") && e.getMessage().contains(id), e.getMessage());
      Conversation after = store.find(id).orElseThrow();
      assertEquals(1, after.messages().size());
      assertEquals(1, after.nextSequence());
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void concurrentAppendsFromTwoStoresLoseNothing(String url) throws Exception {
    // Two stores = two server instances on one database. 4 threads each append 25 messages.
    try (JdbcConversationStore a = open(url); JdbcConversationStore b = open(url)) {
      String id = a.createConversation("alice", "busy").id();
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

  @ParameterizedTest
  @MethodSource("databases")
  void aNewDatabaseRecordsTheSchemaVersionAndANewerOneIsRefused(String url) throws Exception {
    try (JdbcConversationStore store = open(url)) {
      assertEquals(JdbcConversationStore.SCHEMA_VERSION, store.schemaVersion());
    }
    try (JdbcConversationStore again = open(url)) {
      assertEquals(JdbcConversationStore.SCHEMA_VERSION, again.schemaVersion(), "reopening keeps one version row");
    }
    int newer = JdbcConversationStore.SCHEMA_VERSION + 1;
    try (Connection c = connect(url); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE parley_schema SET version = " + newer + " WHERE id = 1");
    }
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> open(url));
      assertTrue(e.getMessage().contains("version " + newer) && e.getMessage().contains("(" + JdbcConversationStore.SCHEMA_VERSION + ")"),
          e.getMessage());
    } finally {
      try (Connection c = connect(url); Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE parley_schema SET version = " + JdbcConversationStore.SCHEMA_VERSION + " WHERE id = 1");
      }
    }
  }

  @Test
  void aDatabaseFromBeforeTheSchemaHadAVersionOpensWithItsDataAndIsRecordedAsVersion1() throws Exception {
    String url = sqliteUrl();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      // The tables exactly as the example server created them before chat-store-jdbc.
      s.execute("CREATE TABLE chat_sessions (id VARCHAR(64) PRIMARY KEY, owner VARCHAR(200), title VARCHAR(200) NOT NULL, "
          + "created_at BIGINT NOT NULL, next_sequence BIGINT NOT NULL)");
      s.execute("CREATE TABLE chat_messages (session_id VARCHAR(64) NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE, "
          + "sequence BIGINT NOT NULL, role VARCHAR(16) NOT NULL, content TEXT NOT NULL, created_at BIGINT NOT NULL, "
          + "metadata TEXT NOT NULL, tokens INTEGER NOT NULL, in_memory INTEGER NOT NULL, PRIMARY KEY (session_id, sequence))");
      s.execute("INSERT INTO chat_sessions VALUES ('old', 'alice', 'kept', 1000, 1)");
      s.execute("INSERT INTO chat_messages VALUES ('old', 0, 'USER', 'hello', 1000, '{}', 2, 1)");
    }
    try (JdbcConversationStore store = open(url)) {
      assertEquals(JdbcConversationStore.SCHEMA_VERSION, store.schemaVersion(), "migrated through every version");
      assertEquals("kept", store.conversations("alice", 0, 10).get(0).title());
      assertEquals("hello", store.find("old").orElseThrow().messages().get(0).message().content());
    }
  }

  @Test
  void aVersion1DatabaseMigratesThroughEveryVersionKeepingItsMessagesAndThenStoresHowRepliesEndedAndToolCalls() throws Exception {
    String url = sqliteUrl();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      // Version 1 exactly as chat-store-jdbc wrote it.
      s.execute("CREATE TABLE parley_schema (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)");
      s.execute("INSERT INTO parley_schema VALUES (1, 1)");
      s.execute("CREATE TABLE chat_sessions (id VARCHAR(64) PRIMARY KEY, owner VARCHAR(200), title VARCHAR(200) NOT NULL, "
          + "created_at BIGINT NOT NULL, next_sequence BIGINT NOT NULL)");
      s.execute("CREATE TABLE chat_messages (session_id VARCHAR(64) NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE, "
          + "sequence BIGINT NOT NULL, role VARCHAR(16) NOT NULL, content TEXT NOT NULL, created_at BIGINT NOT NULL, "
          + "metadata TEXT NOT NULL, tokens INTEGER NOT NULL, in_memory INTEGER NOT NULL, PRIMARY KEY (session_id, sequence))");
      s.execute("INSERT INTO chat_sessions VALUES ('v1', 'bob', 'old', 1000, 2)");
      s.execute("INSERT INTO chat_messages VALUES ('v1', 0, 'USER', 'hi', 1000, '{}', 1, 1)");
      s.execute("INSERT INTO chat_messages VALUES ('v1', 1, 'ASSISTANT', 'hello', 1001, '{\"k\":\"v\"}', 1, 1)");
    }
    try (JdbcConversationStore store = open(url)) {
      assertEquals(JdbcConversationStore.SCHEMA_VERSION, store.schemaVersion());
      List<StoredMessage> before = store.transcript("v1");
      assertEquals(List.of("hi", "hello"), before.stream().map(m -> m.message().content()).toList());
      assertEquals(null, before.get(1).message().finishReason(), "stored before version 2: not known");
      assertEquals("v", before.get(1).message().metadata().get("k"));
      assertEquals(List.of(), before.get(1).message().toolCalls(), "stored before version 3: no calls");
      ConversationManager memory = ConversationManager.builder().store(store).build();
      memory.append("v1", Message.assistant("cut short").withFinishReason(FinishReason.CANCELLED));
      memory.append("v1", Message.assistant(List.of(new ToolCall("c1", "get_time", "{}"))));
    }
    try (JdbcConversationStore reopened = open(url)) {
      assertEquals(JdbcConversationStore.SCHEMA_VERSION, reopened.schemaVersion(), "migrated once");
      assertEquals(FinishReason.CANCELLED, reopened.transcript("v1").get(2).message().finishReason());
      assertEquals(List.of(new ToolCall("c1", "get_time", "{}")), reopened.transcript("v1").get(3).message().toolCalls());
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void toolCallsToolResultsAndReasoningAreStoredAndReplayed(String url) throws Exception {
    try (JdbcConversationStore store = open(url)) {
      String id = store.createConversation("alice", "tools").id();
      ConversationManager memory = ConversationManager.builder().store(store.existingOnly()).build();
      List<ToolCall> calls = List.of(
          new ToolCall("call_1", "get_weather", "{\"city\":\"Zürich \\\"Nord\\\"\",\"days\":[1,2]}"),
          new ToolCall("call_2", "get_time", "{}"));
      Message asks = Message.assistant(calls).withReasoning("The user wants <b>both</b>.").withFinishReason(FinishReason.TOOL_CALLS);
      memory.append(id, Message.user("weather and time?"));
      memory.append(id, asks);
      memory.append(id, Message.toolResult("call_1", "{\"temperature\":4}"));
      memory.append(id, Message.toolResult("call_2", "09:30"));
      memory.append(id, Message.assistant("4 degrees at 09:30.").withReasoning(""));
      List<Message> back = store.transcript(id).stream().map(StoredMessage::message).toList();
      assertEquals(calls, back.get(1).toolCalls());
      assertEquals("The user wants <b>both</b>.", back.get(1).reasoning());
      assertEquals(FinishReason.TOOL_CALLS, back.get(1).finishReason());
      assertEquals("call_1", back.get(2).toolCallId());
      assertEquals(dev.parley.chat.Role.TOOL, back.get(3).role());
      assertEquals("call_2", back.get(3).toolCallId());
      assertEquals("", back.get(4).reasoning(), "empty reasoning is not no reasoning");
      assertEquals(null, back.get(0).reasoning());
      assertEquals(List.of(), back.get(4).toolCalls());
    }
  }

  @Test
  void aSqliteFileLockedByAnotherProcessIsNotWritable() throws Exception {
    String url = sqliteUrl();
    try (JdbcConversationStore store = open(url)) {
      assertTrue(store.isWritable());
      try (Connection other = DriverManager.getConnection(url); Statement s = other.createStatement()) {
        s.execute("BEGIN EXCLUSIVE"); // as another process writing would
        assertFalse(store.isWritable(), "writes would fail with SQLITE_BUSY");
        assertTrue(store.isReachable(), "yet the database still answers reads");
        s.execute("ROLLBACK");
      }
      assertTrue(store.isWritable());
      assertEquals("t", store.createConversation("alice", "t").title(), "the store's own busy timeout was restored");
    }
    try (JdbcConversationStore pg = open(postgres.jdbcUrl())) {
      assertTrue(pg.isWritable());
    }
  }

  @Test
  void anApplicationsDataSourceIsUsedAndLeftOpen() throws Exception {
    Path file = Files.createTempDirectory("parley-store").resolve("ds.db");
    SQLiteDataSource dataSource = new SQLiteDataSource();
    dataSource.setUrl("jdbc:sqlite:" + file);
    String id;
    try (JdbcConversationStore store = JdbcConversationStore.builder(dataSource, Dialect.SQLITE).build()) {
      id = store.createConversation("alice", "t").id();
    }
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT title FROM chat_sessions WHERE id = '" + id + "'")) {
      assertTrue(r.next());
      assertEquals("t", r.getString(1));
    }
  }

  @Test
  void anUnreachableDatabaseIsARetriableStoreException() {
    StoreException e = assertThrows(StoreException.class, () -> JdbcConversationStore
        .builder("jdbc:postgresql://127.0.0.1:1/none").connectionTimeout(Duration.ofMillis(500)).build());
    assertTrue(e.isRetriable());
    assertTrue(e.getMessage().contains("postgresql"), e.getMessage());
  }

  @Test
  void onlySqliteAndPostgresqlUrlsAreAccepted() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JdbcConversationStore.builder("jdbc:mysql://x/y"));
    assertTrue(e.getMessage().contains("jdbc:mysql://x/y"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> JdbcConversationStore.builder("jdbc:sqlite:x").maxConnections(0));
    assertThrows(IllegalArgumentException.class,
        () -> JdbcConversationStore.builder("jdbc:sqlite:x").connectionTimeout(Duration.ofMillis(10)));
  }

  private static Connection connect(String url) throws Exception {
    return url.startsWith("jdbc:postgresql") ? DriverManager.getConnection(url, "parley", null) : DriverManager.getConnection(url);
  }
}
