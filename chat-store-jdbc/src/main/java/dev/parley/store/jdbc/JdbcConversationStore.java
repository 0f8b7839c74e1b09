package dev.parley.store.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.parley.chat.FinishReason;
import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.chat.ToolCall;
import dev.parley.memory.Conversation;
import dev.parley.memory.ConversationStore;
import dev.parley.memory.NoSuchConversationException;
import dev.parley.memory.StoredMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Conversations and their messages in a SQL database: SQLite (one file, the default) or PostgreSQL.
 *
 * <p>As a {@link ConversationStore} it holds a model's memory: {@link #find} returns the messages the
 * {@link dev.parley.memory.ConversationManager} kept. Messages the manager trims are not deleted, only
 * marked as out of memory, so {@link #transcript} still shows the whole conversation.
 *
 * <p>Conversations created with {@link #createConversation} have an owner and are listed per owner, in
 * pages. {@link #update} creates a conversation it does not find (with no owner: rooms and other
 * shared conversations); {@link #existingOnly()} is the same store refusing to, so that a reply
 * finishing after its conversation was deleted does not bring it back.
 *
 * <p>{@link #update} runs in one transaction. On PostgreSQL the conversation's row is locked
 * ({@code SELECT ... FOR UPDATE}), so several servers sharing a database append to one conversation
 * in turn; SQLite gets a single connection, which serializes every transaction of the process.
 *
 * <p>The schema carries a version ({@link #SCHEMA_VERSION}, in table {@code parley_schema}): a store
 * opening a database created by an older release migrates it, and refuses one created by a newer
 * release. Thread-safe.
 *
 * <pre>{@code
 * try (JdbcConversationStore store = JdbcConversationStore.builder("jdbc:sqlite:chat.db").build()) {
 *   ConversationSummary session = store.createConversation("alice", "Trip to Lisbon");
 *   ConversationManager memory = ConversationManager.builder().store(store.existingOnly()).build();
 *   memory.append(session.id(), Message.user("Where should I stay?"));
 * }
 * }</pre>
 */
public final class JdbcConversationStore implements ConversationStore, AutoCloseable {
  /**
   * The schema this release writes. 1: sessions and messages. 2: a message's finish reason (how a
   * model's reply ended; a cancelled reply keeps its partial text), in column {@code finish_reason}.
   * 3: an assistant message's tool calls (a JSON array in {@code tool_calls}) and reasoning ({@code
   * reasoning}), and the call a tool result answers ({@code tool_call_id}).
   */
  public static final int SCHEMA_VERSION = 3;
  /** The longest conversation id, in characters. */
  public static final int MAX_ID_LENGTH = 64;
  /** The longest owner name and title, in characters. */
  public static final int MAX_NAME_LENGTH = 200;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> METADATA = new TypeReference<>() {};
  /** Serializes schema creation and migration among servers sharing a PostgreSQL database. */
  private static final long SCHEMA_LOCK = 0x7061726c6579L; // "parley"

  private final DataSource dataSource;
  private final @Nullable AutoCloseable owned;
  private final Dialect dialect;
  private final Clock clock;

  private JdbcConversationStore(DataSource dataSource, @Nullable AutoCloseable owned, Dialect dialect, Clock clock) {
    this.dataSource = dataSource;
    this.owned = owned;
    this.dialect = dialect;
    this.clock = clock;
  }

  /**
   * A store at {@code jdbcUrl} ({@code jdbc:sqlite:FILE} or {@code jdbc:postgresql://HOST:PORT/DB}),
   * with its own connection pool.
   *
   * @throws IllegalArgumentException for any other kind of URL
   */
  public static Builder builder(String jdbcUrl) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl must not be null");
    return new Builder(jdbcUrl, null, Dialect.of(jdbcUrl));
  }

  /**
   * A store on connections the application already pools (a Spring or container {@code DataSource}).
   * {@link #close()} leaves it open. For SQLite, it must hand out one connection at a time.
   */
  public static Builder builder(DataSource dataSource, Dialect dialect) {
    return new Builder(null, Objects.requireNonNull(dataSource, "dataSource must not be null"), Objects.requireNonNull(dialect, "dialect must not be null"));
  }

  /** Creates a conversation owned by {@code owner}, with a random id. */
  public ConversationSummary createConversation(String owner, String title) {
    checkName("owner", owner);
    checkName("title", title);
    ConversationSummary session = new ConversationSummary(UUID.randomUUID().toString(), owner, title, clock.instant());
    run(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "INSERT INTO chat_sessions (id, owner, title, created_at, next_sequence) VALUES (?, ?, ?, ?, 0)")) {
        p.setString(1, session.id());
        p.setString(2, owner);
        p.setString(3, title);
        p.setLong(4, session.createdAt().toEpochMilli());
        p.executeUpdate();
      }
      return null;
    });
    return session;
  }

  /**
   * At most {@code limit} of the owner's conversations, oldest first, skipping the first
   * {@code offset}: ask for {@code limit + 1} to know whether there is a next page.
   */
  public List<ConversationSummary> conversations(String owner, int offset, int limit) {
    Objects.requireNonNull(owner, "owner must not be null");
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, was " + offset);
    }
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be > 0, was " + limit);
    }
    return run(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "SELECT id, owner, title, created_at FROM chat_sessions WHERE owner = ? ORDER BY created_at, id"
              + " LIMIT ? OFFSET ?")) {
        p.setString(1, owner);
        p.setInt(2, limit);
        p.setInt(3, offset);
        List<ConversationSummary> out = new ArrayList<>();
        try (ResultSet r = p.executeQuery()) {
          while (r.next()) {
            out.add(summary(r));
          }
        }
        return out;
      }
    });
  }

  /** How many conversations {@code owner} has. */
  public int conversationCount(String owner) {
    Objects.requireNonNull(owner, "owner must not be null");
    return run(c -> {
      try (PreparedStatement p = c.prepareStatement("SELECT COUNT(*) FROM chat_sessions WHERE owner = ?")) {
        p.setString(1, owner);
        try (ResultSet r = p.executeQuery()) {
          r.next();
          return r.getInt(1);
        }
      }
    });
  }

  /** The conversation with this id, whoever owns it. */
  public Optional<ConversationSummary> summary(String id) {
    Objects.requireNonNull(id, "id must not be null");
    return run(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "SELECT id, owner, title, created_at FROM chat_sessions WHERE id = ?")) {
        p.setString(1, id);
        try (ResultSet r = p.executeQuery()) {
          return r.next() ? Optional.of(summary(r)) : Optional.empty();
        }
      }
    });
  }

  private static ConversationSummary summary(ResultSet r) throws SQLException {
    return new ConversationSummary(r.getString(1), r.getString(2), r.getString(3), java.time.Instant.ofEpochMilli(r.getLong(4)));
  }

  /**
   * At most {@code limit} messages of the conversation before sequence {@code beforeSequence} (from
   * the end: {@code Long.MAX_VALUE}), the latest of them, oldest first: one page of a long transcript,
   * including messages trimmed from the model's memory.
   */
  public List<StoredMessage> transcriptPage(String id, long beforeSequence, int limit) {
    Objects.requireNonNull(id, "id must not be null");
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be > 0, was " + limit);
    }
    return run(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "SELECT sequence, role, content, created_at, metadata, tokens, finish_reason, tool_calls, tool_call_id, reasoning FROM chat_messages WHERE session_id = ?"
              + " AND sequence < ? ORDER BY sequence DESC LIMIT ?")) {
        p.setString(1, id);
        p.setLong(2, beforeSequence);
        p.setInt(3, limit);
        List<StoredMessage> out = new ArrayList<>();
        try (ResultSet r = p.executeQuery()) {
          while (r.next()) {
            out.add(stored(r));
          }
        }
        Collections.reverse(out);
        return out;
      }
    });
  }

  /** Every message of the conversation, oldest first, including those trimmed from the model's memory. */
  public List<StoredMessage> transcript(String id) {
    Objects.requireNonNull(id, "id must not be null");
    return run(c -> messages(c, id, false));
  }

  @Override
  public Optional<Conversation> find(String conversationId) {
    Objects.requireNonNull(conversationId, "conversationId must not be null");
    return run(c -> {
      Long next = nextSequence(c, conversationId, false);
      if (next == null) {
        return Optional.empty();
      }
      return Optional.of(new Conversation(conversationId, messages(c, conversationId, true), next));
    });
  }

  /**
   * Creates the conversation, with no owner, if it does not exist: for rooms and other shared
   * conversations. See {@link #existingOnly()} for conversations that must not come back once deleted.
   *
   * @throws IllegalArgumentException if the id is longer than {@link #MAX_ID_LENGTH} or holds a NUL
   */
  @Override
  public Conversation update(String conversationId, UnaryOperator<Conversation> change) {
    return update(conversationId, change, true);
  }

  /**
   * This store as one that never creates a conversation: {@code update} of one that does not exist
   * (deleted while it was being answered) throws {@link NoSuchConversationException} instead of
   * bringing it back without its owner.
   */
  public ConversationStore existingOnly() {
    return creating(id -> false);
  }

  /**
   * This store creating on {@code update} only the conversations {@code mayCreate} accepts (rooms,
   * say, by their id); for any other that does not exist, {@code update} throws {@link
   * NoSuchConversationException}.
   */
  public ConversationStore creating(Predicate<String> mayCreate) {
    Objects.requireNonNull(mayCreate, "mayCreate must not be null");
    JdbcConversationStore store = this;
    return new ConversationStore() {
      @Override
      public Optional<Conversation> find(String conversationId) {
        return store.find(conversationId);
      }

      @Override
      public Conversation update(String conversationId, UnaryOperator<Conversation> change) {
        return store.update(conversationId, change, mayCreate.test(conversationId));
      }

      @Override
      public boolean delete(String conversationId) {
        return store.delete(conversationId);
      }

      @Override
      public String toString() {
        return store + ", creating only some conversations";
      }
    };
  }

  private Conversation update(String conversationId, UnaryOperator<Conversation> change, boolean create) {
    Objects.requireNonNull(change, "change must not be null");
    checkId(conversationId);
    return run(c -> inTransaction(c, () -> {
      if (create) {
        try (PreparedStatement p = c.prepareStatement(
            "INSERT INTO chat_sessions (id, owner, title, created_at, next_sequence) VALUES (?, NULL, ?, ?, 0) "
                + "ON CONFLICT (id) DO NOTHING")) {
          p.setString(1, conversationId);
          p.setString(2, conversationId);
          p.setLong(3, clock.millis());
          p.executeUpdate();
        }
      }
      Long next = nextSequence(c, conversationId, dialect == Dialect.POSTGRESQL);
      if (next == null) {
        throw new NoSuchConversationException(conversationId);
      }
      Conversation before = new Conversation(conversationId, messages(c, conversationId, true), next);
      Conversation after = change.apply(before);
      write(c, before, after);
      return after;
    }));
  }

  private void write(Connection c, Conversation before, Conversation after) throws SQLException {
    Set<Long> kept = new HashSet<>();
    for (StoredMessage m : after.messages()) {
      kept.add(m.sequence());
    }
    Set<Long> existing = new HashSet<>();
    try (PreparedStatement forget = c.prepareStatement(
        "UPDATE chat_messages SET in_memory = ? WHERE session_id = ? AND sequence = ?")) {
      for (StoredMessage m : before.messages()) {
        existing.add(m.sequence());
        if (!kept.contains(m.sequence())) {
          forget.setBoolean(1, false);
          forget.setString(2, before.id());
          forget.setLong(3, m.sequence());
          forget.addBatch();
        }
      }
      forget.executeBatch();
    }
    try (PreparedStatement insert = c.prepareStatement(
        "INSERT INTO chat_messages (session_id, sequence, role, content, created_at, metadata, tokens, in_memory, "
            + "finish_reason, tool_calls, tool_call_id, reasoning) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (StoredMessage m : after.messages()) {
        if (existing.contains(m.sequence())) {
          continue;
        }
        String calls = m.message().hasToolCalls() ? toolCallsJson(m.message().toolCalls()) : null;
        if (dialect == Dialect.POSTGRESQL && (hasNul(m.message().content()) || hasNul(calls)
            || hasNul(m.message().toolCallId()) || hasNul(m.message().reasoning()))) {
          throw new IllegalArgumentException("message " + m.sequence() + " of conversation " + after.id()
              + " contains a NUL character (U+0000), which PostgreSQL cannot store");
        }
        insert.setString(1, after.id());
        insert.setLong(2, m.sequence());
        insert.setString(3, m.message().role().name());
        insert.setString(4, m.message().content());
        insert.setLong(5, m.message().timestamp().toEpochMilli());
        insert.setString(6, json(m.message().metadata()));
        insert.setInt(7, m.tokens());
        insert.setBoolean(8, true);
        FinishReason finish = m.message().finishReason();
        insert.setString(9, finish == null ? null : finish.name());
        insert.setString(10, calls);
        insert.setString(11, m.message().toolCallId());
        insert.setString(12, m.message().reasoning());
        insert.addBatch();
      }
      insert.executeBatch();
    }
    try (PreparedStatement p = c.prepareStatement("UPDATE chat_sessions SET next_sequence = ? WHERE id = ?")) {
      p.setLong(1, after.nextSequence());
      p.setString(2, after.id());
      p.executeUpdate();
    }
  }

  /** Deletes the conversation and its messages; returns whether it existed. */
  @Override
  public boolean delete(String conversationId) {
    Objects.requireNonNull(conversationId, "conversationId must not be null");
    return run(c -> inTransaction(c, () -> {
      try (PreparedStatement messages = c.prepareStatement("DELETE FROM chat_messages WHERE session_id = ?");
          PreparedStatement session = c.prepareStatement("DELETE FROM chat_sessions WHERE id = ?")) {
        messages.setString(1, conversationId);
        messages.executeUpdate();
        session.setString(1, conversationId);
        return session.executeUpdate() > 0;
      }
    }));
  }

  /** Whether the database answers a trivial query within two seconds, right now. */
  public boolean isReachable() {
    try (Connection c = dataSource.getConnection()) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  /**
   * Whether a write could start right now, for health checks: on SQLite the file's write lock is
   * free within 250 ms (another process may hold it, and every write would then fail with
   * {@code SQLITE_BUSY}); on PostgreSQL the server is a primary, not a read-only standby. Never throws.
   */
  public boolean isWritable() {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      if (dialect == Dialect.POSTGRESQL) {
        try (ResultSet r = s.executeQuery("SELECT pg_is_in_recovery()")) {
          return r.next() && !r.getBoolean(1);
        }
      }
      int busyTimeout;
      try (ResultSet r = s.executeQuery("PRAGMA busy_timeout")) {
        busyTimeout = r.next() ? r.getInt(1) : 3000;
      }
      s.execute("PRAGMA busy_timeout = 250");
      try {
        s.execute("BEGIN IMMEDIATE"); // takes the write lock, or fails once the timeout has passed
        s.execute("ROLLBACK");
        return true;
      } finally {
        s.execute("PRAGMA busy_timeout = " + busyTimeout);
      }
    } catch (SQLException e) {
      return false;
    }
  }

  /** The database this store speaks to. */
  public Dialect dialect() {
    return dialect;
  }

  /** The schema version recorded in the database. */
  public int schemaVersion() {
    return run(JdbcConversationStore::recordedVersion);
  }

  /** Closes the connection pool this store opened; a {@code DataSource} the application gave stays open. */
  @Override
  public void close() {
    if (owned != null) {
      try {
        owned.close();
      } catch (Exception e) {
        throw new IllegalStateException("could not close the connection pool: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public String toString() {
    return "JdbcConversationStore[" + dialect.name().toLowerCase(java.util.Locale.ROOT) + "]";
  }

  // ---- schema ----

  private void createOrMigrate() {
    if (dialect == Dialect.SQLITE) {
      run(c -> {
        try (Statement s = c.createStatement()) {
          s.execute("PRAGMA journal_mode=WAL"); // not inside a transaction
        }
        return null;
      });
    }
    run(c -> inTransaction(c, () -> {
      try (Statement s = c.createStatement()) {
        if (dialect == Dialect.POSTGRESQL) {
          s.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
        }
        s.execute("CREATE TABLE IF NOT EXISTS parley_schema (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)");
      }
      Integer version = recordedVersionOrNull(c);
      if (version != null && version > SCHEMA_VERSION) {
        throw new IllegalStateException("the database's schema is version " + version
            + ", newer than this release of chat-store-jdbc writes (" + SCHEMA_VERSION
            + "): it was created by a later Parley; use that release or a new database");
      }
      int from = version == null ? 0 : version;
      if (from < 1) {
        // A new database, or one from before the schema had a version (the same tables as version 1).
        createVersion1(c);
        try (PreparedStatement p = c.prepareStatement("INSERT INTO parley_schema (id, version) VALUES (1, 1)")) {
          p.executeUpdate();
        }
      }
      // One step at a time up to SCHEMA_VERSION, in this transaction: a failed step changes nothing.
      if (from < 2) {
        migrateTo2(c);
      }
      if (from < 3) {
        migrateTo3(c);
      }
      if (from < SCHEMA_VERSION) {
        try (PreparedStatement p = c.prepareStatement("UPDATE parley_schema SET version = ? WHERE id = 1")) {
          p.setInt(1, SCHEMA_VERSION);
          p.executeUpdate();
        }
      }
      return null;
    }));
  }

  private void createVersion1(Connection c) throws SQLException {
    String bool = dialect == Dialect.SQLITE ? "INTEGER" : "BOOLEAN";
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS chat_sessions ("
          + "id VARCHAR(64) PRIMARY KEY, owner VARCHAR(200), title VARCHAR(200) NOT NULL, "
          + "created_at BIGINT NOT NULL, next_sequence BIGINT NOT NULL)");
      s.execute("CREATE INDEX IF NOT EXISTS chat_sessions_owner ON chat_sessions (owner, created_at)");
      s.execute("CREATE TABLE IF NOT EXISTS chat_messages ("
          + "session_id VARCHAR(64) NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE, "
          + "sequence BIGINT NOT NULL, role VARCHAR(16) NOT NULL, content TEXT NOT NULL, "
          + "created_at BIGINT NOT NULL, metadata TEXT NOT NULL, tokens INTEGER NOT NULL, "
          + "in_memory " + bool + " NOT NULL, PRIMARY KEY (session_id, sequence))");
    }
  }

  /**
   * Version 2: how each reply ended. Messages stored before have none (a reply cancelled then reads
   * as complete; the releases that wrote version 1 were development snapshots).
   */
  private static void migrateTo2(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("ALTER TABLE chat_messages ADD COLUMN finish_reason VARCHAR(16)");
    }
  }

  /** Version 3: tool calls, tool results and reasoning. Messages stored before have none of them. */
  private static void migrateTo3(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("ALTER TABLE chat_messages ADD COLUMN tool_calls TEXT");
      s.execute("ALTER TABLE chat_messages ADD COLUMN tool_call_id TEXT");
      s.execute("ALTER TABLE chat_messages ADD COLUMN reasoning TEXT");
    }
  }

  private static int recordedVersion(Connection c) throws SQLException {
    Integer v = recordedVersionOrNull(c);
    if (v == null) {
      throw new SQLException("table parley_schema has no version row");
    }
    return v;
  }

  private static @Nullable Integer recordedVersionOrNull(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT version FROM parley_schema WHERE id = 1")) {
      return r.next() ? r.getInt(1) : null;
    }
  }

  // ---- helpers ----

  private static void checkId(String id) {
    Objects.requireNonNull(id, "conversationId must not be null");
    if (id.isEmpty() || id.length() > MAX_ID_LENGTH || id.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("conversation id must be 1 to " + MAX_ID_LENGTH
          + " characters with no NUL, was " + id.length() + " characters");
    }
  }

  private static void checkName(String what, String value) {
    Objects.requireNonNull(value, what);
    if (value.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(what + " must be at most " + MAX_NAME_LENGTH + " characters, was "
          + value.length());
    }
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(what + " must not contain a NUL character (U+0000)");
    }
  }

  private static @Nullable Long nextSequence(Connection c, String id, boolean lock) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(
        "SELECT next_sequence FROM chat_sessions WHERE id = ?" + (lock ? " FOR UPDATE" : ""))) {
      p.setString(1, id);
      try (ResultSet r = p.executeQuery()) {
        return r.next() ? r.getLong(1) : null;
      }
    }
  }

  private static List<StoredMessage> messages(Connection c, String id, boolean inMemoryOnly) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(
        "SELECT sequence, role, content, created_at, metadata, tokens, finish_reason, tool_calls, tool_call_id, reasoning FROM chat_messages WHERE session_id = ?"
            + (inMemoryOnly ? " AND in_memory = ?" : "") + " ORDER BY sequence")) {
      p.setString(1, id);
      if (inMemoryOnly) {
        p.setBoolean(2, true);
      }
      List<StoredMessage> out = new ArrayList<>();
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(stored(r));
        }
      }
      return out;
    }
  }

  /**
   * A row of {@code SELECT sequence, role, content, created_at, metadata, tokens, finish_reason,
   * tool_calls, tool_call_id, reasoning}.
   */
  private static StoredMessage stored(ResultSet r) throws SQLException {
    String finish = r.getString(7);
    String calls = r.getString(8);
    Message m = new Message(Role.valueOf(r.getString(2)), r.getString(3), java.time.Instant.ofEpochMilli(r.getLong(4)),
        metadata(r.getString(5)), finish == null ? null : FinishReason.valueOf(finish),
        calls == null ? List.of() : toolCalls(calls), r.getString(9), r.getString(10));
    return new StoredMessage(r.getLong(1), m, r.getInt(6));
  }

  private static boolean hasNul(@Nullable String s) {
    return s != null && s.indexOf('\0') >= 0;
  }

  /** Tool calls as a JSON array of {@code {"id", "name", "arguments"}}, arguments kept as text. */
  private static String toolCallsJson(List<ToolCall> calls) {
    var array = JSON.createArrayNode();
    for (ToolCall call : calls) {
      array.addObject().put("id", call.id()).put("name", call.name()).put("arguments", call.arguments());
    }
    return array.toString();
  }

  private static List<ToolCall> toolCalls(String json) throws SQLException {
    try {
      List<ToolCall> out = new ArrayList<>();
      for (var call : JSON.readTree(json)) {
        out.add(new ToolCall(call.path("id").asText(), call.path("name").asText(), call.path("arguments").asText()));
      }
      return out;
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new SQLException("stored tool calls are not a JSON array of calls: " + json, e);
    }
  }

  private static String json(Map<String, String> metadata) {
    try {
      return JSON.writeValueAsString(metadata);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("metadata cannot be written as JSON", e);
    }
  }

  private static Map<String, String> metadata(String json) throws SQLException {
    try {
      return JSON.readValue(json, METADATA);
    } catch (JsonProcessingException e) {
      throw new SQLException("stored message metadata is not a JSON object of strings: " + json, e);
    }
  }

  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private interface Step<T> {
    T run() throws SQLException;
  }

  private static <T> T inTransaction(Connection c, Step<T> step) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      T result = step.run();
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  private <T> T run(Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw new StoreException("conversation store (" + dialect.name().toLowerCase(java.util.Locale.ROOT)
          + ") failed: " + e.getMessage(), e);
    }
  }

  /** Settings of a {@link JdbcConversationStore}; {@link #build()} opens it. */
  public static final class Builder {
    private final @Nullable String jdbcUrl;
    private final @Nullable DataSource dataSource;
    private final Dialect dialect;
    private @Nullable String user;
    private @Nullable String password;
    private int maxConnections = 8;
    private Duration connectionTimeout = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();

    private Builder(@Nullable String jdbcUrl, @Nullable DataSource dataSource, Dialect dialect) {
      this.jdbcUrl = jdbcUrl;
      this.dataSource = dataSource;
      this.dialect = dialect;
    }

    /** The database user (none by default). */
    public Builder user(@Nullable String user) {
      this.user = user;
      return this;
    }

    /** The database password (none by default). */
    public Builder password(@Nullable String password) {
      this.password = password;
      return this;
    }

    /**
     * The most connections the store's pool opens on PostgreSQL; 8 by default. SQLite always gets
     * one, which serializes the process's transactions (a second writer would wait on the file lock).
     */
    public Builder maxConnections(int maxConnections) {
      if (maxConnections < 1) {
        throw new IllegalArgumentException("maxConnections must be >= 1, was " + maxConnections);
      }
      this.maxConnections = maxConnections;
      return this;
    }

    /**
     * How long an operation waits for a free connection (or for the database to accept one) before it
     * fails with a {@link StoreException}; 5 s by default.
     */
    public Builder connectionTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout must not be null");
      if (timeout.toMillis() < 250) {
        throw new IllegalArgumentException("connectionTimeout must be at least 250 ms, was " + timeout);
      }
      this.connectionTimeout = timeout;
      return this;
    }

    /** The clock of creation times; the system's by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /**
     * Opens the store, creating its tables in a new database or migrating an older one.
     *
     * @throws StoreException if the database cannot be reached or its schema created
     * @throws IllegalStateException if the database was created by a newer release
     */
    public JdbcConversationStore build() {
      if (dataSource != null) {
        JdbcConversationStore store = new JdbcConversationStore(dataSource, null, dialect, clock);
        store.createOrMigrate();
        return store;
      }
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(jdbcUrl);
      config.setPoolName("parley-store");
      if (user != null) {
        config.setUsername(user);
      }
      if (password != null) {
        config.setPassword(password);
      }
      config.setMaximumPoolSize(dialect == Dialect.SQLITE ? 1 : maxConnections);
      if (dialect == Dialect.SQLITE) {
        // In WAL mode (set with the schema) NORMAL syncs at checkpoints, not on every commit: the file
        // cannot be corrupted, and only the last moments before a power loss can be lost. FULL made
        // the disk, not the server, the limit at a few hundred messages a second.
        config.setConnectionInitSql("PRAGMA synchronous=NORMAL");
      }
      config.setConnectionTimeout(connectionTimeout.toMillis());
      config.setInitializationFailTimeout(-1); // the schema step below reports an unreachable database
      HikariDataSource pool = new HikariDataSource(config);
      JdbcConversationStore store = new JdbcConversationStore(pool, pool, dialect, clock);
      try {
        store.createOrMigrate();
      } catch (RuntimeException e) {
        pool.close();
        throw e;
      }
      return store;
    }
  }
}
