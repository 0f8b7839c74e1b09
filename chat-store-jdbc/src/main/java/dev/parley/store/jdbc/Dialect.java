package dev.parley.store.jdbc;

import java.util.Locale;

/** The databases {@link JdbcConversationStore} speaks. */
public enum Dialect {
  /** One file; every transaction of the process is serialized on one connection. */
  SQLITE,
  /** Conversations are locked row by row, so several servers can share one database. */
  POSTGRESQL;

  /**
   * The dialect of a JDBC URL.
   *
   * @throws IllegalArgumentException for a URL that is neither {@code jdbc:sqlite:} nor {@code jdbc:postgresql:}
   */
  public static Dialect of(String jdbcUrl) {
    String url = jdbcUrl.toLowerCase(Locale.ROOT);
    if (url.startsWith("jdbc:sqlite:")) {
      return SQLITE;
    }
    if (url.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    throw new IllegalArgumentException(
        "database URL must start with jdbc:sqlite: or jdbc:postgresql:, was " + jdbcUrl);
  }
}
