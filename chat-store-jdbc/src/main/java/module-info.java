/**
 * Conversations in SQLite or PostgreSQL through JDBC: {@code dev.parley.store.jdbc}'s {@code
 * JdbcConversationStore}. The drivers are found by JDBC at run time.
 */
module dev.parley.store.jdbc {
  requires transitive dev.parley.core;
  requires transitive java.sql;
  requires com.zaxxer.hikari;
  requires com.fasterxml.jackson.databind;

  exports dev.parley.store.jdbc;
}
