package dev.parley.examples.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.memory.Conversation;
import dev.parley.memory.ConversationStore;
import dev.parley.memory.StoredMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Chat sessions and their messages in a SQL database: SQLite (one file, the default) or PostgreSQL.
 *
 * <p>As a {@link ConversationStore} it holds the model's memory: {@link #find} returns the messages
 * the {@link dev.parley.memory.ConversationManager} kept. Messages the manager trims are not
 * deleted, only marked as out of memory, so {@link #transcript} still shows the whole chat.
 *
 * <p>{@link #update} runs in one transaction: on PostgreSQL the session row is locked ({@code SELECT
 * ... FOR UPDATE}), so two server instances sharing a database append to one chat in turn; SQLite
 * gets a single connection, which serializes every transaction of the process.
 */
public final class JdbcChatStore implements ConversationStore, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> METADATA = new TypeReference<>() {};

  /** A chat session: who owns it (null for shared rooms), its title and when it was created. */
  public record Session(String id, @Nullable String owner, String title, Instant createdAt) {}

  private final HikariDataSource pool;
  private final boolean sqlite;

  private JdbcChatStore(HikariDataSource pool, boolean sqlite) {
    this.pool = pool;
    this.sqlite = sqlite;
  }

  /**
   * Opens (and creates, on first use) the store at {@code jdbcUrl}: {@code jdbc:sqlite:FILE} or
   * {@code jdbc:postgresql://HOST:PORT/DB}.
   *
   * @throws IllegalArgumentException for any other kind of URL
   * @throws StoreException if the database cannot be reached or its schema created
   */
  public static JdbcChatStore open(String jdbcUrl, @Nullable String user, @Nullable String password) {
    boolean sqlite = jdbcUrl.startsWith("jdbc:sqlite:");
    if (!sqlite && !jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "database URL must start with jdbc:sqlite: or jdbc:postgresql:, was " + jdbcUrl);
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
    config.setMaximumPoolSize(sqlite ? 1 : 8);
    if (sqlite) {
      // In WAL mode (set with the schema) NORMAL syncs at checkpoints, not on every commit: the file
      // cannot be corrupted, and only the last moments before a power loss can be lost. FULL made
      // the disk, not the server, the limit at a few hundred messages a second.
      config.setConnectionInitSql("PRAGMA synchronous=NORMAL");
    }
    config.setConnectionTimeout(5_000);
    config.setInitializationFailTimeout(-1); // start even when the database is down; /health says so
    HikariDataSource pool = new HikariDataSource(config);
    JdbcChatStore store = new JdbcChatStore(pool, sqlite);
    try {
      store.createSchema();
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    return store;
  }

  private void createSchema() {
    String bool = sqlite ? "INTEGER" : "BOOLEAN";
    run(c -> {
      try (Statement s = c.createStatement()) {
        if (sqlite) {
          s.execute("PRAGMA journal_mode=WAL");
        }
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
      return null;
    });
  }

  /** Creates a session owned by {@code owner}. */
  public Session createSession(String owner, String title) {
    Session session = new Session(UUID.randomUUID().toString(), owner, title, Instant.now());
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

  /** The sessions owned by {@code owner}, oldest first. */
  public List<Session> sessions(String owner) {
    return sessions(owner, 0, Integer.MAX_VALUE);
  }

  /** At most {@code limit} of the owner's sessions, oldest first, skipping the first {@code offset}. */
  public List<Session> sessions(String owner, int offset, int limit) {
    return run(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "SELECT id, owner, title, created_at FROM chat_sessions WHERE owner = ? ORDER BY created_at, id"
              + " LIMIT ? OFFSET ?")) {
        p.setString(1, owner);
        p.setInt(2, limit);
        p.setInt(3, offset);
        List<Session> out = new ArrayList<>();
        try (ResultSet r = p.executeQuery()) {
          while (r.next()) {
            out.add(session(r));
          }
        }
        return out;
      }
    });
  }

  /** How many sessions {@code owner} has. */
  public int sessionCount(String owner) {
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

  /** The session with this id, whoever owns it. */
  public Optional<Session> session(String id) {
    return run(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "SELECT id, owner, title, created_at FROM chat_sessions WHERE id = ?")) {
        p.setString(1, id);
        try (ResultSet r = p.executeQuery()) {
          return r.next() ? Optional.of(session(r)) : Optional.empty();
        }
      }
    });
  }

  private static Session session(ResultSet r) throws SQLException {
    return new Session(r.getString(1), r.getString(2), r.getString(3), Instant.ofEpochMilli(r.getLong(4)));
  }

  /**
   * At most {@code limit} messages of the conversation before {@code beforeSequence} (all of them:
   * {@code Long.MAX_VALUE}), the latest ones, oldest first: a page of a long transcript.
   */
  public List<StoredMessage> transcriptPage(String id, long beforeSequence, int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be > 0, was " + limit);
    }
    return run(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "SELECT sequence, role, content, created_at, metadata, tokens FROM chat_messages WHERE session_id = ?"
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

  /** Every message of the session, oldest first, including those trimmed from the model's memory. */
  public List<StoredMessage> transcript(String id) {
    return run(c -> messages(c, id, false));
  }

  /** Deletes the session and its messages; returns whether it existed. */
  public boolean deleteSession(String id) {
    return delete(id);
  }

  @Override
  public Optional<Conversation> find(String conversationId) {
    return run(c -> {
      Long next = nextSequence(c, conversationId, false);
      if (next == null) {
        return Optional.empty();
      }
      return Optional.of(new Conversation(conversationId, messages(c, conversationId, true), next));
    });
  }

  /** Creates the conversation (with no owner) if it does not exist: for rooms and other shared conversations. */
  @Override
  public Conversation update(String conversationId, UnaryOperator<Conversation> change) {
    return update(conversationId, change, true);
  }

  /**
   * This store as one that never creates a conversation: {@code update} of one that does not
   * exist (a session deleted while it was being answered) throws {@link NoSuchConversationException}
   * instead of bringing it back without its owner.
   */
  public ConversationStore existingOnly() {
    JdbcChatStore store = this;
    return new ConversationStore() {
      @Override
      public Optional<Conversation> find(String conversationId) {
        return store.find(conversationId);
      }

      @Override
      public Conversation update(String conversationId, UnaryOperator<Conversation> change) {
        return store.update(conversationId, change, false);
      }

      @Override
      public boolean delete(String conversationId) {
        return store.delete(conversationId);
      }
    };
  }

  /** The conversation was deleted (or never created) and this store does not create it. */
  public static final class NoSuchConversationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NoSuchConversationException(String id) {
      super("no conversation " + id + ": it was deleted");
    }
  }

  private Conversation update(String conversationId, UnaryOperator<Conversation> change, boolean create) {
    return run(c -> {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        if (create) {
          try (PreparedStatement p = c.prepareStatement(
              "INSERT INTO chat_sessions (id, owner, title, created_at, next_sequence) VALUES (?, NULL, ?, ?, 0) "
                  + "ON CONFLICT (id) DO NOTHING")) {
            p.setString(1, conversationId);
            p.setString(2, conversationId);
            p.setLong(3, System.currentTimeMillis());
            p.executeUpdate();
          }
        }
        Long next = nextSequence(c, conversationId, !sqlite);
        if (next == null && !create) {
          throw new NoSuchConversationException(conversationId);
        }
        Conversation before = new Conversation(conversationId, messages(c, conversationId, true), next == null ? 0 : next);
        Conversation after = change.apply(before);
        write(c, before, after);
        c.commit();
        return after;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
    });
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
        "INSERT INTO chat_messages (session_id, sequence, role, content, created_at, metadata, tokens, in_memory) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (StoredMessage m : after.messages()) {
        if (existing.contains(m.sequence())) {
          continue;
        }
        insert.setString(1, after.id());
        insert.setLong(2, m.sequence());
        insert.setString(3, m.message().role().name());
        insert.setString(4, m.message().content());
        insert.setLong(5, m.message().timestamp().toEpochMilli());
        insert.setString(6, json(m.message().metadata()));
        insert.setInt(7, m.tokens());
        insert.setBoolean(8, true);
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

  @Override
  public boolean delete(String conversationId) {
    return run(c -> {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try (PreparedStatement messages = c.prepareStatement("DELETE FROM chat_messages WHERE session_id = ?");
          PreparedStatement session = c.prepareStatement("DELETE FROM chat_sessions WHERE id = ?")) {
        messages.setString(1, conversationId);
        messages.executeUpdate();
        session.setString(1, conversationId);
        boolean existed = session.executeUpdate() > 0;
        c.commit();
        return existed;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
    });
  }

  /** Whether the database answers a trivial query right now. */
  public boolean isReachable() {
    try (Connection c = pool.getConnection()) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  /** "sqlite" or "postgresql". */
  public String kind() {
    return sqlite ? "sqlite" : "postgresql";
  }

  @Override
  public void close() {
    pool.close();
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
        "SELECT sequence, role, content, created_at, metadata, tokens FROM chat_messages WHERE session_id = ?"
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

  /** A row of {@code SELECT sequence, role, content, created_at, metadata, tokens}. */
  private static StoredMessage stored(ResultSet r) throws SQLException {
    Message m = new Message(Role.valueOf(r.getString(2)), r.getString(3), Instant.ofEpochMilli(r.getLong(4)),
        metadata(r.getString(5)));
    return new StoredMessage(r.getLong(1), m, r.getInt(6));
  }

  private static String json(Map<String, String> metadata) {
    try {
      return JSON.writeValueAsString(metadata);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("metadata cannot be written as JSON", e);
    }
  }

  private static Map<String, String> metadata(String json) {
    try {
      return JSON.readValue(json, METADATA);
    } catch (JsonProcessingException e) {
      throw new StoreException("stored message metadata is not JSON: " + json, e);
    }
  }

  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T run(Work<T> work) {
    try (Connection c = pool.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw new StoreException("conversation store (" + kind() + ") failed: " + e.getMessage(), e);
    }
  }

  /** The database failed or could not be reached. */
  public static final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StoreException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
