package dev.parley.memory;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.chat.Tokenizer;
import dev.parley.core.internal.Checks;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * Chat memory: each conversation's history, kept within a message count and a token budget.
 *
 * <h2>Trimming</h2>
 *
 * <ul>
 *   <li>System messages are pinned: they are never trimmed and count against the token budget.
 *   <li>The other messages form turns: a user message with the assistant messages that answered it
 *       (assistant messages before the first user message form one turn). Trimming removes whole
 *       turns, oldest first, so a user message is never kept without its reply.
 *   <li>The newest turn is never trimmed. If the pinned messages and the newest turn alone break
 *       a limit, the append fails with {@link ConversationLimitException} and nothing changes.
 *   <li>{@code maxMessages} counts non-system messages; {@code maxTokens} counts every kept message.
 * </ul>
 *
 * <p>Token counts come from the model's {@link Tokenizer}, once per message when it is appended; a
 * long history is never re-tokenized. A single message over the whole budget fails with {@link
 * MessageTooLargeException}, or is truncated to fit when so configured.
 *
 * <p>Thread-safe: appends to one conversation are serialized by the {@link ConversationStore}, and
 * different conversations proceed independently. Build one per application and share it.
 */
public final class ConversationManager {
  static final String TRUNCATED_KEY = "parley.truncated";
  static final String TRUNCATED = "true";

  private final ConversationStore store;
  private final @Nullable Tokenizer tokenizer;
  private final int maxMessages;
  private final int maxTokens;
  private final boolean truncateOversized;

  private ConversationManager(Builder b) {
    this.store = b.store != null ? b.store : InMemoryConversationStore.create();
    this.tokenizer = b.tokenizer;
    this.maxMessages = b.maxMessages;
    this.maxTokens = b.maxTokens;
    this.truncateOversized = b.truncateOversized;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Appends {@code message} to the conversation (creating it if new), then trims older turns until
   * the limits hold.
   *
   * @throws MessageTooLargeException if the message alone is over the token budget and truncation
   *     is off
   * @throws ConversationLimitException if the pinned messages and the newest turn break a limit
   */
  public AppendResult append(String conversationId, Message message) {
    Checks.notBlank(conversationId, "conversationId");
    Checks.notNull(message, "message");
    Message toStore = message;
    int tokens = count(message);
    if (maxTokens > 0 && tokens > maxTokens) {
      if (!truncateOversized || message.role() == Role.SYSTEM) {
        throw new MessageTooLargeException(conversationId, tokens, maxTokens);
      }
      int pinned = store.find(conversationId).map(ConversationManager::pinnedTokens).orElse(0);
      int room = maxTokens - pinned;
      if (room <= 0) {
        throw new MessageTooLargeException(conversationId, tokens, maxTokens);
      }
      toStore = truncate(message, room, conversationId, tokens);
      tokens = count(toStore);
    }
    Message finalMessage = toStore;
    int finalTokens = tokens;
    Outcome[] outcome = new Outcome[1];
    store.update(
        conversationId,
        current -> {
          outcome[0] = appendAndTrim(current, finalMessage, finalTokens);
          return outcome[0].conversation;
        });
    Outcome o = outcome[0];
    return new AppendResult(o.conversation, o.appended, o.trimmed);
  }

  /** The conversation's kept history, oldest first; empty if the conversation does not exist. */
  public List<Message> history(String conversationId) {
    return conversation(conversationId).toMessages();
  }

  /** A snapshot of the conversation, with sequences and token counts. */
  public Conversation conversation(String conversationId) {
    Checks.notBlank(conversationId, "conversationId");
    return store.find(conversationId).orElseGet(() -> Conversation.empty(conversationId));
  }

  /**
   * A request for the next reply: the kept history with {@code options}, naming the conversation
   * (so that an engine can keep its computed state between turns).
   */
  public ChatRequest request(String conversationId, GenerationOptions options) {
    Checks.notNull(options, "options");
    return request(conversation(conversationId), options);
  }

  /**
   * A request for the next reply from a snapshot of the conversation, such as the one {@link
   * #append} returns in its {@link AppendResult}: no read of the store.
   */
  public ChatRequest request(Conversation conversation, GenerationOptions options) {
    Checks.notNull(conversation, "conversation");
    Checks.notNull(options, "options");
    List<Message> history = conversation.toMessages();
    if (history.isEmpty()) {
      throw new IllegalStateException("conversation " + conversation.id() + " has no messages");
    }
    return new ChatRequest(history, options, conversation.id());
  }

  /** Forgets the conversation; returns whether it existed. */
  public boolean delete(String conversationId) {
    Checks.notBlank(conversationId, "conversationId");
    return store.delete(conversationId);
  }

  /** The configured token budget, if any. */
  public OptionalInt maxTokens() {
    return maxTokens > 0 ? OptionalInt.of(maxTokens) : OptionalInt.empty();
  }

  /** The configured message limit (non-system messages), if any. */
  public OptionalInt maxMessages() {
    return maxMessages > 0 ? OptionalInt.of(maxMessages) : OptionalInt.empty();
  }

  private int count(Message message) {
    return tokenizer == null ? 0 : tokenizer.countTokens(message);
  }

  /** The longest prefix of the message (whole code points) whose token count is within room. */
  private Message truncate(Message message, int room, String conversationId, int tokens) {
    String content = message.content();
    int lo = 0;
    int hi = content.codePointCount(0, content.length());
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      String prefix = content.substring(0, content.offsetByCodePoints(0, mid));
      if (count(message.withContent(prefix)) <= room) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    if (lo == 0) {
      throw new MessageTooLargeException(conversationId, tokens, maxTokens);
    }
    String kept = content.substring(0, content.offsetByCodePoints(0, lo));
    return message.withContent(kept).withMetadata(TRUNCATED_KEY, TRUNCATED);
  }

  private static int pinnedTokens(Conversation c) {
    int sum = 0;
    for (StoredMessage m : c.messages()) {
      if (m.message().role() == Role.SYSTEM) {
        sum += m.tokens();
      }
    }
    return sum;
  }

  private record Outcome(Conversation conversation, StoredMessage appended, List<StoredMessage> trimmed) {}

  private Outcome appendAndTrim(Conversation current, Message message, int tokens) {
    StoredMessage appended = new StoredMessage(current.nextSequence(), message, tokens);
    List<StoredMessage> all = new ArrayList<>(current.messages().size() + 1);
    all.addAll(current.messages());
    all.add(appended);
    Trimmed t = trim(current.id(), all, current.tokens() + tokens);
    return new Outcome(Conversation.ofOwned(current.id(), t.kept, appended.sequence() + 1, t.tokens), appended, t.trimmed);
  }

  /**
   * The messages of a request that is not stored (a stateless API sends the whole conversation
   * each time) within this manager's limits, trimmed exactly as a stored conversation would be:
   * system messages pinned, the oldest whole turns dropped first.
   *
   * @throws MessageTooLargeException if one message alone is over the token budget
   * @throws ConversationLimitException if the system messages and the newest turn break a limit
   * @throws IllegalArgumentException if {@code messages} is empty
   */
  public List<Message> fit(List<Message> messages) {
    Checks.notNull(messages, "messages");
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("messages must not be empty");
    }
    List<StoredMessage> all = new ArrayList<>(messages.size());
    int total = 0;
    for (Message m : messages) {
      Checks.notNull(m, "message");
      int tokens = count(m);
      if (maxTokens > 0 && tokens > maxTokens) {
        throw new MessageTooLargeException(REQUEST_ID, tokens, maxTokens);
      }
      all.add(new StoredMessage(all.size(), m, tokens));
      total += tokens;
    }
    Trimmed t = trim(REQUEST_ID, all, total);
    if (t.trimmed.isEmpty()) {
      return List.copyOf(messages);
    }
    List<Message> kept = new ArrayList<>(t.kept.size());
    for (StoredMessage m : t.kept) {
      kept.add(m.message());
    }
    return List.copyOf(kept);
  }

  /** The id {@link #fit} names in its exceptions. */
  static final String REQUEST_ID = "(request)";

  private record Trimmed(List<StoredMessage> kept, List<StoredMessage> trimmed, int tokens) {}

  private Trimmed trim(String id, List<StoredMessage> all, int allTokens) {

    // Turn index of each non-system message: a new turn starts at every user message.
    int[] turnOf = new int[all.size()];
    int turn = 0;
    boolean seenNonSystem = false;
    int pinnedTokens = 0;
    int nonSystem = 0;
    for (int i = 0; i < all.size(); i++) {
      Message m = all.get(i).message();
      if (m.role() == Role.SYSTEM) {
        turnOf[i] = -1;
        pinnedTokens += all.get(i).tokens();
        continue;
      }
      if (m.role() == Role.USER && seenNonSystem) {
        turn++;
      }
      seenNonSystem = true;
      turnOf[i] = turn;
      nonSystem++;
    }
    int newestTurn = turn;
    int newestTurnTokens = 0;
    int newestTurnMessages = 0;
    for (int i = 0; i < all.size(); i++) {
      if (turnOf[i] == newestTurn && seenNonSystem) {
        newestTurnTokens += all.get(i).tokens();
        newestTurnMessages++;
      }
    }
    if (maxTokens > 0 && pinnedTokens + newestTurnTokens > maxTokens) {
      throw new ConversationLimitException(
          "conversation " + id + " needs " + (pinnedTokens + newestTurnTokens)
              + " tokens for its system messages (" + pinnedTokens + ") and newest turn ("
              + newestTurnTokens + "), over its token budget of " + maxTokens,
          id, ConversationLimitException.Limit.TOKENS, pinnedTokens + newestTurnTokens, maxTokens);
    }
    if (maxMessages > 0 && newestTurnMessages > maxMessages) {
      throw new ConversationLimitException(
          "conversation " + id + "'s newest turn has " + newestTurnMessages
              + " messages, over its limit of " + maxMessages,
          id, ConversationLimitException.Limit.MESSAGES, newestTurnMessages, maxMessages);
    }

    int totalTokens = allTokens;
    int trimTurns = 0;
    if (overLimits(totalTokens, nonSystem)) {
      // Drop whole turns, oldest first, until both limits hold. The newest turn always fits.
      int i = 0;
      while (overLimits(totalTokens, nonSystem)) {
        int t = trimTurns;
        for (; i < all.size(); i++) {
          if (turnOf[i] == -1) {
            continue;
          }
          if (turnOf[i] != t) {
            break;
          }
          totalTokens -= all.get(i).tokens();
          nonSystem--;
        }
        trimTurns++;
      }
    }
    if (trimTurns == 0) {
      return new Trimmed(all, List.of(), totalTokens);
    }
    List<StoredMessage> kept = new ArrayList<>(all.size());
    List<StoredMessage> trimmed = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      if (turnOf[i] >= 0 && turnOf[i] < trimTurns) {
        trimmed.add(all.get(i));
      } else {
        kept.add(all.get(i));
      }
    }
    return new Trimmed(kept, trimmed, totalTokens);
  }

  private boolean overLimits(int tokens, int nonSystemMessages) {
    return (maxTokens > 0 && tokens > maxTokens) || (maxMessages > 0 && nonSystemMessages > maxMessages);
  }

  /**
   * Builds a {@link ConversationManager}. With neither limit set, nothing is trimmed. A token budget
   * needs the model's tokenizer.
   */
  public static final class Builder {
    private @Nullable ConversationStore store;
    private @Nullable Tokenizer tokenizer;
    private int maxMessages;
    private int maxTokens;
    private boolean truncateOversized;

    private Builder() {}

    /** Where histories live; an {@link InMemoryConversationStore} by default. */
    public Builder store(ConversationStore store) {
      this.store = Checks.notNull(store, "store");
      return this;
    }

    /** The model's tokenizer; every message is counted with it once, when appended. */
    public Builder tokenizer(Tokenizer tokenizer) {
      this.tokenizer = Checks.notNull(tokenizer, "tokenizer");
      return this;
    }

    /** Keep at most this many non-system messages (at least 2: a user message and its reply). */
    public Builder maxMessages(int maxMessages) {
      this.maxMessages = Checks.atLeast(maxMessages, 2, "maxMessages");
      return this;
    }

    /** Keep at most this many tokens in the history, pinned system messages included. */
    public Builder maxTokens(int maxTokens) {
      this.maxTokens = Checks.positive(maxTokens, "maxTokens");
      return this;
    }

    /**
     * When true, a non-system message over the whole token budget is cut to the longest prefix that
     * fits beside the system messages (and marked in its metadata) instead of failing with {@link
     * MessageTooLargeException}. Off by default.
     */
    public Builder truncateOversizedMessages(boolean truncate) {
      this.truncateOversized = truncate;
      return this;
    }

    public ConversationManager build() {
      if (maxTokens > 0 && tokenizer == null) {
        throw new IllegalStateException(
            "maxTokens is " + maxTokens + " but no tokenizer is set: a token budget needs the model's tokenizer");
      }
      if (truncateOversized && maxTokens == 0) {
        throw new IllegalStateException("truncateOversizedMessages needs a token budget (maxTokens)");
      }
      return new ConversationManager(this);
    }
  }
}
