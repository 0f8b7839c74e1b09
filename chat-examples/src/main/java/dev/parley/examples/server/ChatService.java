package dev.parley.examples.server;

import dev.parley.cache.ResponseCache;
import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.ParleyException;
import dev.parley.chat.Role;
import dev.parley.chat.StreamHandler;
import dev.parley.llama.PoolExhaustedException;
import dev.parley.memory.ConversationLimitException;
import dev.parley.memory.ConversationManager;
import dev.parley.memory.InMemoryConversationStore;
import dev.parley.memory.NoSuchConversationException;
import dev.parley.memory.StoredMessage;
import dev.parley.ratelimit.Decision;
import dev.parley.ratelimit.RateLimiter;
import dev.parley.resilience.CircuitBreaker;
import dev.parley.resilience.CircuitOpenException;
import dev.parley.sanitize.InputSanitizer;
import dev.parley.sanitize.SanitizationResult;
import dev.parley.store.jdbc.ChatSession;
import dev.parley.store.jdbc.JdbcConversationStore;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chat turn, composed from Parley's pieces in order: {@link InputSanitizer} → per-user {@link
 * RateLimiter} → {@link ConversationManager} (token-trimmed memory in the {@link JdbcConversationStore}) →
 * {@link ResponseCache} → {@link CircuitBreaker} → the model. HTTP, SSE, WebSocket and the
 * OpenAI-compatible API all go through here; none of it knows about HTTP.
 *
 * <p>The user's message is stored before the reply starts, so a failing model never loses it. A
 * reply is stored when it ends; a cancelled one keeps what was generated, marked {@code
 * parley.cancelled}.
 */
final class ChatService {
  private static final Logger log = LoggerFactory.getLogger(ChatService.class);
  static final String AUTHOR = "author";

  final JdbcConversationStore store;
  final ModelRuntime runtime;
  final InputSanitizer sanitizer;
  final RateLimiter limiter;
  /** Rooms: created on first use, shared, owned by no one. */
  final ConversationManager memory;
  /** Private sessions: created with their owner, never brought back by a late write after a delete. */
  private final ConversationManager sessionMemory;
  final ResponseCache cache;
  final CircuitBreaker breaker;
  final ChatModel model;
  final ServerMetrics metrics;
  private final ServerOptions options;
  private final int memoryBudget;
  private final Set<Reply> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean draining;

  ChatService(JdbcConversationStore store, ModelRuntime runtime, RateLimiter limiter, ServerOptions options) {
    this.store = store;
    this.runtime = runtime;
    this.options = options;
    this.limiter = limiter;
    this.sanitizer = InputSanitizer.builder().maxCharacters(options.maxMessageChars).build();
    this.memoryBudget = Math.max(64, options.contextSize - options.maxReplyTokens);
    this.memory = ConversationManager.builder().store(store).tokenizer(runtime.tokenizer).maxTokens(memoryBudget)
        .build();
    this.sessionMemory = ConversationManager.builder().store(store.existingOnly()).tokenizer(runtime.tokenizer)
        .maxTokens(memoryBudget).build();
    this.cache = ResponseCache.builder().maximumWeightBytes(32L << 20).expireAfterWrite(Duration.ofHours(1)).build();
    this.breaker = CircuitBreaker.builder().failureThreshold(5).openDelay(Duration.ofSeconds(10)).build();
    // The cache sits in front of the breaker: a cached reply never touches the model.
    this.model = cache.decorate(breaker.decorate(runtime.model, Duration.ofMinutes(5)));
    this.metrics = new ServerMetrics(cache, breaker, runtime::slots, runtime::busySlots, runtime::queued);
  }

  // ---- sessions ----

  ChatSession createSession(String user, String title) {
    refuseWhileDraining();
    // A title is one line of plain text: control and formatting characters (NUL, bell, escape,
    // right-to-left overrides) are dropped, and with them what PostgreSQL refuses to store.
    String plain = title.codePoints().filter(cp -> !Character.isISOControl(cp) && Character.getType(cp) != Character.FORMAT)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    String clean = plain.isBlank() ? "New chat" : plain.strip();
    if (clean.length() > 200) {
      throw ApiError.badRequest("invalid_field", "field 'title' must be at most 200 characters, was " + clean.length());
    }
    // Counted, then created: two creations at once may pass one over the cap; it bounds what one
    // user keeps, not an exact number.
    if (store.sessionCount(user) >= options.maxSessionsPerUser) {
      throw new ApiError(409, "too_many_sessions", "you have " + options.maxSessionsPerUser
          + " sessions, the most a user may keep; delete some first");
    }
    ChatSession session = store.createSession(user, clean);
    if (!options.systemPrompt.isBlank()) {
      sessionMemory.append(session.id(), Message.system(options.systemPrompt));
    }
    return session;
  }

  List<ChatSession> sessions(String user, int offset, int limit) {
    return store.sessions(user, offset, limit);
  }

  /** The session if {@code user} owns it; 404 otherwise, so ids of other users' sessions do not leak. */
  ChatSession owned(String user, String sessionId) {
    return store.session(sessionId).filter(s -> user.equals(s.owner()))
        .orElseThrow(() -> ApiError.notFound("session " + sessionId));
  }

  List<StoredMessage> transcript(String sessionId) {
    return store.transcript(sessionId);
  }

  /**
   * Deletes the session and cancels its reply if one is running: the reply is not stored (the
   * session is gone, and the store does not create it again), and its client gets no more of it.
   */
  void delete(String user, String sessionId) {
    owned(user, sessionId);
    for (Reply r : inFlight) {
      if (sessionId.equals(r.conversationId)) {
        r.cancel();
      }
    }
    store.delete(sessionId);
  }

  private ConversationManager memoryOf(String conversationId) {
    return conversationId.startsWith(WebSocketApi.ROOM_PREFIX) ? memory : sessionMemory;
  }

  // ---- turns ----

  /** The sanitized text, or a 400 naming why it was refused. */
  String sanitize(String text) {
    SanitizationResult r = sanitizer.sanitize(text);
    if (r instanceof SanitizationResult.Rejected rejected) {
      int status = rejected.reason().name().startsWith("TOO_") ? 413 : 400;
      throw new ApiError(status, "message_rejected", rejected.message());
    }
    return r.text();
  }

  /** One permit for {@code user}; a 429 carrying the decision when none is left. */
  Decision admit(String user) {
    refuseWhileDraining();
    Decision d = limiter.tryAcquire(user);
    if (!d.allowed()) {
      metrics.rateLimited();
      throw ApiError.rateLimited(d);
    }
    return d;
  }

  /** Appends a message to a conversation's memory: the store write happens before any reply. */
  void remember(String conversationId, Message message) {
    try {
      memoryOf(conversationId).append(conversationId, message);
    } catch (NoSuchConversationException e) {
      throw ApiError.notFound("session " + conversationId);
    } catch (ConversationLimitException e) {
      throw new ApiError(413, "message_too_long", "the message needs " + e.required()
          + " tokens of the conversation's " + e.allowed() + "-token memory");
    }
  }

  /** The most tokens a reply may have ({@code --max-reply-tokens}); a request asking for more is refused. */
  int maxReplyTokens() {
    return options.maxReplyTokens;
  }

  GenerationOptions.Builder defaultOptions() {
    return GenerationOptions.builder().maxTokens(options.maxReplyTokens);
  }

  /** Events of one reply. Called on the model's thread. */
  interface ReplyListener {
    void onToken(String token);

    void onComplete(ChatResponse response);

    void onError(ApiError error);
  }

  /**
   * Starts the reply to the conversation's stored history; when it ends, stores it under {@code
   * conversationId} (with {@code author} in its metadata when not null).
   */
  Reply reply(String conversationId, GenerationOptions generation, @Nullable String author, ReplyListener listener) {
    ChatRequest request = memoryOf(conversationId).request(conversationId, generation);
    return start(request, conversationId, author, listener);
  }

  /** Starts a reply to a request that is not stored anywhere (the OpenAI-compatible API). */
  Reply replyUnstored(List<Message> messages, GenerationOptions generation, ReplyListener listener) {
    // The request still goes through a ConversationManager, so it is trimmed to the model's budget.
    ConversationManager scratch = ConversationManager.builder().store(InMemoryConversationStore.create())
        .tokenizer(runtime.tokenizer).maxTokens(memoryBudget).build();
    String id = "request";
    for (Message m : messages) {
      try {
        scratch.append(id, m);
      } catch (ConversationLimitException e) {
        throw new ApiError(400, "context_length_exceeded", "the messages need " + e.required()
            + " tokens, over the model's " + e.allowed() + "-token budget");
      }
    }
    // The scratch id names no real conversation: the engine must not keep state under it.
    return start(scratch.request(id, generation).withConversation(null), null, null, listener);
  }

  private Reply start(ChatRequest request, @Nullable String conversationId, @Nullable String author,
      ReplyListener listener) {
    Reply reply = new Reply(conversationId, author, listener);
    inFlight.add(reply);
    metrics.repliesInFlight.incrementAndGet();
    try {
      reply.handle = model.stream(request, reply);
    } catch (ParleyException e) {
      reply.onError(e);
    }
    return reply;
  }

  /** A reply being generated. */
  final class Reply implements StreamHandler {
    private final @Nullable String conversationId;
    private final @Nullable String author;
    private final ReplyListener listener;
    private final long started = System.nanoTime();
    private volatile @Nullable GenerationHandle handle;
    private volatile boolean cancelRequested;
    private boolean first = true;
    private boolean ended;

    Reply(@Nullable String conversationId, @Nullable String author, ReplyListener listener) {
      this.conversationId = conversationId;
      this.author = author;
      this.listener = listener;
    }

    void cancel() {
      cancelRequested = true;
      GenerationHandle h = handle;
      if (h != null) {
        h.cancel();
      }
    }

    @Override
    public void onToken(String token) {
      if (first) {
        first = false;
        metrics.firstToken(System.nanoTime() - started);
      }
      if (cancelRequested && handle != null) {
        handle.cancel();
      }
      listener.onToken(token);
    }

    @Override
    public void onComplete(ChatResponse response) {
      if (!end()) {
        return;
      }
      metrics.replyEnded(System.nanoTime() - started, response.usage().completionTokens());
      if (conversationId != null && !(response.finishReason() == FinishReason.CANCELLED && response.text().isEmpty())) {
        Message m = new Message(Role.ASSISTANT, response.text());
        if (author != null) {
          m = m.withMetadata(AUTHOR, author);
        }
        if (response.finishReason() == FinishReason.CANCELLED) {
          m = m.withMetadata("parley.cancelled", "true");
        }
        try {
          memoryOf(conversationId).append(conversationId, m);
        } catch (NoSuchConversationException e) {
          log.debug("conversation {} was deleted while it was answered; its reply is dropped", conversationId);
        } catch (RuntimeException e) {
          log.error("could not store the reply in conversation {}", conversationId, e);
        }
      }
      listener.onComplete(response);
    }

    @Override
    public void onError(ParleyException error) {
      if (!end()) {
        return;
      }
      log.warn("reply in conversation {} failed: {}", conversationId, error.toString());
      listener.onError(toApiError(error));
    }

    private synchronized boolean end() {
      if (ended) {
        return false;
      }
      ended = true;
      inFlight.remove(this);
      metrics.repliesInFlight.decrementAndGet();
      return true;
    }
  }

  static ApiError toApiError(ParleyException e) {
    if (e instanceof CircuitOpenException) {
      return new ApiError(503, "model_unavailable", "the model is failing; try again shortly");
    }
    if (e instanceof PoolExhaustedException) {
      return new ApiError(503, "model_busy", "every model slot is busy; try again shortly");
    }
    if (e.isRetriable()) {
      return new ApiError(503, "model_unavailable", "the model could not answer; try again");
    }
    return new ApiError(500, "generation_failed", "the model failed to generate a reply");
  }

  // ---- shutdown ----

  private void refuseWhileDraining() {
    if (draining) {
      throw new ApiError(503, "shutting_down", "the server is shutting down");
    }
  }

  boolean isDraining() {
    return draining;
  }

  /**
   * Stops taking new messages, waits up to {@code timeout} for replies in flight, then cancels the
   * rest (their partial text is stored) and waits briefly for them to end.
   */
  int drain(Duration timeout) throws InterruptedException {
    draining = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
    int cancelled = inFlight.size();
    for (Reply r : inFlight) {
      r.cancel();
    }
    long cancelDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!inFlight.isEmpty() && System.nanoTime() < cancelDeadline) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
    return cancelled;
  }

  int inFlight() {
    return inFlight.size();
  }
}
