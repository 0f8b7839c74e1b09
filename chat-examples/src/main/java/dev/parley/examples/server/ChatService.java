package dev.parley.examples.server;

import dev.parley.cache.ResponseCache;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.chat.ParleyException;
import dev.parley.chat.ToolCallDelta;
import dev.parley.llama.PoolExhaustedException;
import dev.parley.memory.ConversationManager;
import dev.parley.memory.StoredMessage;
import dev.parley.pipeline.ChatPipeline;
import dev.parley.pipeline.Rejection;
import dev.parley.pipeline.ReplyResult;
import dev.parley.pipeline.ReplyStatus;
import dev.parley.pipeline.Turn;
import dev.parley.pipeline.TurnOutcome;
import dev.parley.ratelimit.Decision;
import dev.parley.ratelimit.RateLimitHeaders;
import dev.parley.ratelimit.RateLimiter;
import dev.parley.resilience.CircuitBreaker;
import dev.parley.resilience.CircuitOpenException;
import dev.parley.sanitize.InputSanitizer;
import dev.parley.store.jdbc.ConversationSummary;
import dev.parley.store.jdbc.JdbcConversationStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The server's conversations and its {@link ChatPipeline}: every protocol (REST + SSE, WebSocket
 * conversations, rooms, the OpenAI-compatible API) sends its turns through {@link #turn} or {@link
 * #complete}, which turn the pipeline's refusals into {@link ApiError}s; none of the pipeline knows
 * about HTTP. Private conversations never come back once deleted (the store's {@link
 * JdbcConversationStore#existingOnly()} view); rooms are created on first use.
 */
final class ChatService {
  static final String AUTHOR = ChatPipeline.AUTHOR_KEY;

  final JdbcConversationStore store;
  final ModelRuntime runtime;
  final RateLimiter limiter;
  final ResponseCache cache;
  final CircuitBreaker breaker;
  final ServerMetrics metrics;
  final ChatPipeline pipeline;
  private final ConversationManager memory;
  private final ServerOptions options;

  ChatService(JdbcConversationStore store, ModelRuntime runtime, RateLimiter limiter, @Nullable RateLimiter tokenLimiter,
      ServerOptions options) {
    this.store = store;
    this.runtime = runtime;
    this.options = options;
    this.limiter = limiter;
    int memoryBudget = Math.max(64, options.contextSize - options.maxReplyTokens);
    this.memory = ConversationManager.builder()
        // Rooms are created on first use; private conversations only by createConversation, never again once deleted.
        .store(store.creating(id -> id.startsWith(WebSocketApi.ROOM_PREFIX))).tokenizer(runtime.tokenizer).maxTokens(memoryBudget)
        .build();
    this.cache = ResponseCache.builder().maximumWeightBytes(32L << 20).expireAfterWrite(Duration.ofHours(1)).build();
    this.breaker = CircuitBreaker.builder().failureThreshold(5).openDelay(Duration.ofSeconds(10)).build();
    this.metrics = new ServerMetrics(cache, breaker, runtime::statistics, runtime.engineStatistics());
    ChatPipeline.Builder pipelineBuilder = ChatPipeline.builder(runtime.model, memory)
        .sanitizer(InputSanitizer.builder().maxCharacters(options.maxMessageChars).build())
        .rateLimiter(limiter)
        .cache(cache)
        .breaker(breaker, Duration.ofMinutes(5))
        .defaults(defaultOptions().build())
        .listener(metrics.pipeline);
    if (tokenLimiter != null) {
      pipelineBuilder.tokenLimiter(tokenLimiter);
    }
    this.pipeline = pipelineBuilder.build();
    metrics.pipeline.bindInFlight(pipeline);
  }

  // ---- private conversations ----

  ConversationSummary createConversation(String user, String title) {
    refuseWhileDraining();
    // A title is one line of plain text: control and formatting characters (NUL, bell, escape,
    // right-to-left overrides) are dropped, and with them what PostgreSQL refuses to store.
    String plain = title.codePoints().filter(cp -> !Character.isISOControl(cp) && Character.getType(cp) != Character.FORMAT)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    String clean = plain.isBlank() ? "New chat" : plain.strip();
    if (clean.length() > JdbcConversationStore.MAX_NAME_LENGTH) {
      throw ApiError.badRequest("invalid_field", "field 'title' must be at most " + JdbcConversationStore.MAX_NAME_LENGTH
          + " characters, was " + clean.length());
    }
    // Counted, then created: two creations at once may pass one over the cap; it bounds what one
    // user keeps, not an exact number.
    if (store.conversationCount(user) >= options.maxConversationsPerUser) {
      throw new ApiError(409, "too_many_conversations", "you have " + options.maxConversationsPerUser
          + " conversations, the most a user may keep; delete some first");
    }
    ConversationSummary created = store.createConversation(user, clean);
    if (!options.systemPrompt.isBlank()) {
      memory.append(created.id(), Message.system(options.systemPrompt));
    }
    return created;
  }

  List<ConversationSummary> conversations(String user, int offset, int limit) {
    return store.conversations(user, offset, limit);
  }

  /** The conversation if {@code user} owns it; 404 otherwise, so ids of other users' conversations do not leak. */
  ConversationSummary owned(String user, String conversationId) {
    return store.summary(conversationId).filter(s -> user.equals(s.owner()))
        .orElseThrow(() -> ApiError.notFound("conversation " + conversationId));
  }

  List<StoredMessage> transcript(String conversationId) {
    return store.transcript(conversationId);
  }

  /**
   * Deletes the conversation and cancels its reply if one is running: the reply is not stored (the
   * conversation is gone, and the store does not create it again), and its client gets no more of it.
   */
  void delete(String user, String conversationId) {
    owned(user, conversationId);
    pipeline.delete(conversationId);
  }

  // ---- turns ----

  /**
   * One reply as a protocol renders it (SSE, a WebSocket, {@code /v1}): the pipeline's {@code
   * ReplyListener} events, its end already stored and its failure already an {@link ApiError}.
   */
  interface ReplyRenderer {
    /** On the model's thread. */
    void onToken(String token);

    /** The model's reasoning, apart from the text; on the model's thread. */
    default void onReasoning(String text) {}

    /** A piece of a tool call; on the model's thread. */
    default void onToolCall(ToolCallDelta delta) {}

    /** The reply ended and is stored (a cancelled one with what it had). */
    void onComplete(ChatResponse response);

    /** The model failed, or the reply could not be stored. */
    void onError(ApiError error);
  }

  /**
   * A message into a conversation through the pipeline: its {@link TurnOutcome.Stored} or {@link
   * TurnOutcome.Started}; a refusal or a rate limit is thrown as the {@link ApiError} to answer.
   */
  TurnOutcome turn(Turn turn, ReplyRenderer listener) {
    return accepted(pipeline.send(turn, adapt(listener)), false);
  }

  /** A reply to messages that are stored nowhere (the OpenAI-compatible API). */
  TurnOutcome.Started complete(String user, List<Message> messages, GenerationOptions generation, ReplyRenderer listener) {
    return (TurnOutcome.Started) accepted(pipeline.complete(user, messages, generation, adapt(listener)), true);
  }

  private static TurnOutcome accepted(TurnOutcome outcome, boolean stateless) {
    if (outcome instanceof TurnOutcome.RateLimited r) {
      throw ApiError.rateLimited(r.decision());
    }
    if (outcome instanceof TurnOutcome.Rejected r) {
      throw toApiError(r.reason(), r.message(), stateless);
    }
    return outcome;
  }

  static ApiError toApiError(Rejection reason, String message, boolean stateless) {
    switch (reason) {
      case INVALID_TEXT:
        return new ApiError(400, "message_rejected", message);
      case TOO_LONG:
        return new ApiError(413, "message_rejected", message);
      case OVER_MEMORY:
        return stateless ? new ApiError(400, "context_length_exceeded", message)
            : new ApiError(413, "message_too_long", message);
      case NO_SUCH_CONVERSATION:
        return new ApiError(404, "not_found", "conversation not found");
      default:
        return new ApiError(503, "shutting_down", "the server is shutting down");
    }
  }

  private static dev.parley.pipeline.ReplyListener adapt(ReplyRenderer listener) {
    return new dev.parley.pipeline.ReplyListener() {
      @Override
      public void onToken(String token) {
        listener.onToken(token);
      }

      @Override
      public void onReasoning(String text) {
        listener.onReasoning(text);
      }

      @Override
      public void onToolCall(ToolCallDelta delta) {
        listener.onToolCall(delta);
      }

      @Override
      public void onEnd(ReplyResult result) {
        if (result.status() == ReplyStatus.FAILED) {
          listener.onError(toApiError(result.error()));
        } else if (result.storeFailure() != null) {
          // The client read the whole reply; it must learn that it is not in the conversation's history.
          listener.onError(new ApiError(503, "reply_not_stored",
              "the reply could not be stored and is not in the conversation's history; try again shortly"));
        } else {
          listener.onComplete(result.response());
        }
      }
    };
  }

  /**
   * The rate-limit headers of an accepted turn: the request limits ({@code RateLimit-*}) and the
   * daily token quota ({@code X-RateLimit-Tokens-*}).
   */
  static Map<String, String> rateLimitHeaders(@Nullable Decision requests, @Nullable Decision tokens) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (requests != null) {
      headers.putAll(RateLimitHeaders.of(requests));
    }
    if (tokens != null) {
      headers.put("X-RateLimit-Tokens-Limit", Long.toString(tokens.limit()));
      headers.put("X-RateLimit-Tokens-Remaining", Long.toString(tokens.remaining()));
      headers.put("X-RateLimit-Tokens-Reset", Long.toString(tokens.resetAfter().toSeconds()));
    }
    return headers;
  }

  /** The most tokens a reply may have ({@code --max-reply-tokens}); a request asking for more is refused. */
  int maxReplyTokens() {
    return options.maxReplyTokens;
  }

  GenerationOptions.Builder defaultOptions() {
    return GenerationOptions.builder().maxTokens(options.maxReplyTokens);
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
    if (e instanceof InvalidRequestException) {
      // The request itself is wrong (a prompt over the context, a schema the model cannot honour):
      // the message names what, and is about the request, so the client gets it.
      return new ApiError(400, "invalid_request", e.getMessage());
    }
    return new ApiError(500, "generation_failed", "the model failed to generate a reply");
  }

  // ---- shutdown ----

  private void refuseWhileDraining() {
    if (pipeline.isDraining()) {
      throw new ApiError(503, "shutting_down", "the server is shutting down");
    }
  }

  boolean isDraining() {
    return pipeline.isDraining();
  }

  /**
   * Stops taking new messages, waits up to {@code timeout} for replies in flight, then cancels the
   * rest (their partial text is stored) and waits briefly for them to end.
   */
  int drain(Duration timeout) throws InterruptedException {
    return pipeline.drain(timeout);
  }

  int inFlight() {
    return pipeline.inFlight();
  }
}
