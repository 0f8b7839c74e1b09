package dev.parley.store.jdbc;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A conversation as the store lists it: its id, who owns it ({@code null} for shared conversations
 * such as rooms, created on first use), its title and when it was created.
 */
public record ConversationSummary(String id, @Nullable String owner, String title, Instant createdAt) {
  public ConversationSummary {
    Objects.requireNonNull(id, "id must not be null");
    Objects.requireNonNull(title, "title must not be null");
    Objects.requireNonNull(createdAt, "createdAt must not be null");
  }
}
