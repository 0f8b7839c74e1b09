/**
 * {@link dev.parley.store.jdbc.JdbcConversationStore}: conversations, their owners and their whole
 * transcripts in SQLite or PostgreSQL.
 */
@NullMarked
package dev.parley.store.jdbc;

import org.jspecify.annotations.NullMarked;
