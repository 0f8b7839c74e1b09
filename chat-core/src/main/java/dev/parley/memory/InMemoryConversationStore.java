package dev.parley.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.parley.core.internal.Checks;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * Conversations held in memory, on Caffeine: at most {@code maximumConversations} (least recently
 * used go first) and each dropped after {@code expireAfterIdle} without reads or writes. Lost on
 * restart. Thread-safe; updates of one conversation are atomic.
 */
public final class InMemoryConversationStore implements ConversationStore {
  private final Cache<String, Conversation> conversations;

  private InMemoryConversationStore(Builder b) {
    LongSupplier ticker = b.ticker;
    this.conversations =
        Caffeine.newBuilder()
            .maximumSize(b.maximumConversations)
            .expireAfterAccess(b.expireAfterIdle)
            .ticker(ticker::getAsLong)
            .executor(Runnable::run)
            .build();
  }

  /** 10,000 conversations, idle for at most an hour. */
  public static InMemoryConversationStore create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Optional<Conversation> find(String conversationId) {
    Checks.notNull(conversationId, "conversationId");
    return Optional.ofNullable(conversations.getIfPresent(conversationId));
  }

  @Override
  public Conversation update(String conversationId, UnaryOperator<Conversation> change) {
    Checks.notNull(conversationId, "conversationId");
    Checks.notNull(change, "change");
    return conversations
        .asMap()
        .compute(
            conversationId,
            (id, current) -> {
              Conversation next = change.apply(current == null ? Conversation.empty(id) : current);
              if (next == null || !next.id().equals(id)) {
                throw new IllegalStateException(
                    "change must return a conversation with id " + id + ", returned " + next);
              }
              return next;
            });
  }

  @Override
  public boolean delete(String conversationId) {
    Checks.notNull(conversationId, "conversationId");
    return conversations.asMap().remove(conversationId) != null;
  }

  /** Conversations held now (an estimate while evictions are pending). */
  public long size() {
    conversations.cleanUp();
    return conversations.estimatedSize();
  }

  /** Builds an {@link InMemoryConversationStore}. */
  public static final class Builder {
    private long maximumConversations = 10_000;
    private Duration expireAfterIdle = Duration.ofHours(1);
    private LongSupplier ticker = System::nanoTime;

    private Builder() {}

    public Builder maximumConversations(long maximumConversations) {
      this.maximumConversations = Checks.positive(maximumConversations, "maximumConversations");
      return this;
    }

    public Builder expireAfterIdle(Duration expireAfterIdle) {
      this.expireAfterIdle = Checks.positive(expireAfterIdle, "expireAfterIdle");
      return this;
    }

    /** The clock for idle expiry, in nanoseconds; {@link System#nanoTime()} by default. */
    public Builder ticker(LongSupplier ticker) {
      this.ticker = Checks.notNull(ticker, "ticker");
      return this;
    }

    public InMemoryConversationStore build() {
      return new InMemoryConversationStore(this);
    }
  }
}
