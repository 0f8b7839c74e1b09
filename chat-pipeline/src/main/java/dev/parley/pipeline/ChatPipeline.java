package dev.parley.pipeline;

import dev.parley.cache.ResponseCache;
import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.ModelUnavailableException;
import dev.parley.chat.ParleyException;
import dev.parley.chat.Role;
import dev.parley.chat.TokenUsage;
import dev.parley.memory.AppendResult;
import dev.parley.memory.ConversationLimitException;
import dev.parley.memory.ConversationManager;
import dev.parley.memory.NoSuchConversationException;
import dev.parley.ratelimit.Decision;
import dev.parley.ratelimit.RateLimiter;
import dev.parley.resilience.CircuitBreaker;
import dev.parley.sanitize.InputSanitizer;
import dev.parley.sanitize.SanitizationResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat turn, framework-free: one call per message, whatever protocol carried it.
 *
 * <ol>
 *   <li>sanitize the text ({@link InputSanitizer}): refused text is {@link TurnOutcome.Rejected};
 *   <li>admit the user: one request permit, and (with a token limiter) a positive LLM-token balance;
 *       over a limit is {@link TurnOutcome.RateLimited} and nothing is stored;
 *   <li>store the user's message in the conversation's memory ({@link ConversationManager}) before
 *       any reply, so a failing model never loses it;
 *   <li>reply through the {@link ResponseCache}, the {@link CircuitBreaker} and the model;
 *   <li>when the reply ends, store it off the model's thread (the model's slot is already free while
 *       the database writes), charge its tokens, then tell the listener.
 * </ol>
 *
 * <p>Work refused or failed before the model (a sanitizer refusal, a conversation that is gone or
 * too full, a store that fails, a model with no free slot) costs the user no permit: what was taken
 * is given back ({@link RateLimiter#release}). A cancelled reply keeps its text, marked {@link
 * ReplyStatus#CANCELLED}. {@link #delete} cancels the conversation's replies and nothing more of them
 * reaches anyone. {@link #drain} finishes what is running and takes nothing new. Thread-safe.
 *
 * <pre>{@code
 * ChatPipeline pipeline = ChatPipeline.builder(model, memory).rateLimiter(perUser).build();
 * TurnOutcome outcome = pipeline.send(Turn.message("alice", conversationId, text), listener);
 * if (outcome instanceof TurnOutcome.Rejected r) {
 *   respond(400, r.message());
 * } else if (outcome instanceof TurnOutcome.RateLimited r) {
 *   respond(429, r.decision().retryAfter());
 * } else if (outcome instanceof TurnOutcome.Started s) {
 *   streamTo(client, s.reply());   // tokens and the end arrive at listener
 * }
 * }</pre>
 */
public final class ChatPipeline implements AutoCloseable {
  /** The metadata key holding a message's author (the user; or the reply's author, when named). */
  public static final String AUTHOR_KEY = "author";

  private static final Logger LOG = LoggerFactory.getLogger(ChatPipeline.class);
  private static final AtomicInteger PIPELINES = new AtomicInteger();

  private final ChatModel model;
  private final ConversationManager memory;
  private final InputSanitizer sanitizer;
  private final @Nullable RateLimiter requests;
  private final @Nullable RateLimiter tokens;
  private final GenerationOptions defaults;
  private final Executor storeExecutor;
  private final @Nullable ExecutorService ownedExecutor;
  private final PipelineListener events;
  private final LongSupplier ticker;
  private final Duration drainGrace;
  private final Set<Reply> inFlight = ConcurrentHashMap.newKeySet();
  /** Deletes begun: a turn that sees it change between its append and its start checks its conversation. */
  private final java.util.concurrent.atomic.AtomicLong deletions = new java.util.concurrent.atomic.AtomicLong();
  /** Notified whenever a reply leaves {@link #inFlight}. */
  private final Object settled = new Object();
  private volatile boolean draining;

  private ChatPipeline(Builder b) {
    ChatModel m = b.model;
    if (b.breaker != null) {
      m = b.breaker.decorate(m, b.replyTimeout);
    }
    if (b.cache != null) {
      m = b.cache.decorate(m); // in front of the breaker: a cached reply never touches the model
    }
    this.model = m;
    this.memory = b.memory;
    this.sanitizer = b.sanitizer;
    this.requests = b.requests;
    this.tokens = b.tokens;
    this.defaults = b.defaults;
    this.events = b.events;
    this.ticker = b.ticker;
    this.drainGrace = b.drainGrace;
    if (b.storeExecutor != null) {
      this.storeExecutor = b.storeExecutor;
      this.ownedExecutor = null;
    } else {
      int n = PIPELINES.incrementAndGet();
      AtomicInteger threads = new AtomicInteger();
      ThreadPoolExecutor pool = new ThreadPoolExecutor(b.storeThreads, b.storeThreads, 30, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "parley-pipeline-" + n + "-store-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
      pool.allowCoreThreadTimeOut(true);
      this.storeExecutor = pool;
      this.ownedExecutor = pool;
    }
  }

  /**
   * A pipeline over {@code model}, keeping conversations in {@code memory} (its store, limits and
   * tokenizer decide what the model sees).
   */
  public static Builder builder(ChatModel model, ConversationManager memory) {
    return new Builder(model, memory);
  }

  /**
   * One message to a conversation, answered when {@code turn.reply()}.
   *
   * @param listener the reply's tokens and end; unused unless the outcome is {@link TurnOutcome.Started}
   * @throws RuntimeException what the store throws when it fails (the user's permit is given back)
   */
  public TurnOutcome send(Turn turn, ReplyListener listener) {
    Objects.requireNonNull(turn, "turn must not be null");
    Objects.requireNonNull(listener, "listener must not be null");
    if (draining) {
      return reject(Rejection.DRAINING, "the server is shutting down");
    }
    SanitizationResult clean = sanitizer.sanitize(turn.text());
    if (clean instanceof SanitizationResult.Rejected r) {
      return reject(Rejection.of(r.reason()), r.message());
    }
    Admission admission = admit(turn.user());
    if (admission.denied != null) {
      return admission.denied;
    }
    long deletionsBefore = deletions.get();
    AppendResult appended;
    try {
      appended = memory.append(turn.conversationId(),
          Message.user(clean.text()).withMetadata(AUTHOR_KEY, turn.user()));
    } catch (NoSuchConversationException e) {
      admission.giveBack(turn.user());
      return reject(Rejection.NO_SUCH_CONVERSATION, "conversation " + turn.conversationId() + " does not exist");
    } catch (ConversationLimitException e) {
      admission.giveBack(turn.user());
      return reject(Rejection.OVER_MEMORY, "the message needs " + e.required() + " tokens of the conversation's "
          + e.allowed() + "-token memory");
    } catch (RuntimeException e) {
      admission.giveBack(turn.user());
      throw e;
    }
    if (!turn.reply()) {
      return new TurnOutcome.Stored(appended.appended(), admission.decision, admission.tokenDecision);
    }
    GenerationOptions options = turn.options() != null ? turn.options() : defaults;
    // The history the append left is the request: no second read of the store.
    ChatRequest request = memory.request(appended.conversation(), options);
    String id = turn.conversationId();
    // A delete between the append and the start found no reply to cancel: if one began meanwhile and
    // the conversation is gone, the reply is discarded before the model starts (the check reads the
    // store only then).
    Reply reply = start(request, id, turn.user(), turn.replyAuthor(), listener,
        () -> deletions.get() != deletionsBefore && memory.conversation(id).messages().isEmpty());
    return new TurnOutcome.Started(appended.appended(), admission.decision, admission.tokenDecision, reply);
  }

  /**
   * A reply to messages that are not stored anywhere (a stateless API such as OpenAI's, where the
   * client sends the whole conversation each time): user messages are sanitized, the list is
   * trimmed to the memory's limits ({@link ConversationManager#fit}), and the engine keeps no state
   * for it.
   */
  public TurnOutcome complete(String user, List<Message> messages, GenerationOptions options, ReplyListener listener) {
    Objects.requireNonNull(user, "user must not be null");
    Objects.requireNonNull(messages, "messages must not be null");
    Objects.requireNonNull(options, "options must not be null");
    Objects.requireNonNull(listener, "listener must not be null");
    if (draining) {
      return reject(Rejection.DRAINING, "the server is shutting down");
    }
    List<Message> cleaned = new ArrayList<>(messages.size());
    for (Message m : messages) {
      if (m.role() != Role.USER) {
        cleaned.add(m);
        continue;
      }
      SanitizationResult clean = sanitizer.sanitize(m.content());
      if (clean instanceof SanitizationResult.Rejected r) {
        return reject(Rejection.of(r.reason()), r.message());
      }
      cleaned.add(m.withContent(clean.text()));
    }
    List<Message> fitted;
    try {
      fitted = memory.fit(cleaned);
    } catch (ConversationLimitException e) {
      return reject(Rejection.OVER_MEMORY, "the messages need " + e.required() + " tokens, over the model's "
          + e.allowed() + "-token budget");
    }
    Admission admission = admit(user);
    if (admission.denied != null) {
      return admission.denied;
    }
    Reply reply = start(new ChatRequest(fitted, options), null, user, null, listener);
    return new TurnOutcome.Started(null, admission.decision, admission.tokenDecision, reply);
  }

  /**
   * Deletes the conversation: its running replies are cancelled first, and nothing more of them
   * reaches their listeners or the store. Returns whether it existed.
   */
  public boolean delete(String conversationId) {
    Objects.requireNonNull(conversationId, "conversationId must not be null");
    deletions.incrementAndGet();
    discardReplies(conversationId);
    boolean existed = memory.delete(conversationId);
    // A turn that appended before the delete and started its reply after the first pass.
    discardReplies(conversationId);
    return existed;
  }

  private void discardReplies(String conversationId) {
    for (Reply r : inFlight) {
      if (conversationId.equals(r.conversationId()) && !r.discarded) {
        r.discarded = true;
        r.cancel();
      }
    }
  }

  /** Replies running now (started, not yet stored and reported). */
  public int inFlight() {
    return inFlight.size();
  }

  public boolean isDraining() {
    return draining;
  }

  /**
   * Takes no new turns, waits up to {@code timeout} for the replies running, then cancels the rest
   * (their partial text is stored) and waits for them to end. Returns how many were cancelled.
   */
  public int drain(Duration timeout) throws InterruptedException {
    draining = true;
    awaitNoneInFlight(timeout);
    int cancelled = 0;
    for (Reply r : inFlight) {
      r.cancel();
      cancelled++;
    }
    awaitNoneInFlight(drainGrace);
    return cancelled;
  }

  /**
   * Waits until no reply is in flight, or until {@code timeout} has passed on the pipeline's
   * ticker. Each reply's end wakes it; it reads the ticker at least every 10 ms, so a test that
   * advances its own ticker is seen.
   */
  private void awaitNoneInFlight(Duration timeout) throws InterruptedException {
    long start = ticker.getAsLong();
    long limit = saturatedNanos(timeout);
    synchronized (settled) {
      while (!inFlight.isEmpty()) {
        long left = limit - (ticker.getAsLong() - start);
        if (left <= 0) {
          return;
        }
        settled.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 10)));
      }
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  /** Drains at once (cancelling what runs) and stops the pipeline's own store threads. */
  @Override
  public void close() {
    try {
      drain(Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
      try {
        if (!ownedExecutor.awaitTermination(drainGrace.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn("replies were still being stored when the pipeline closed");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---- internals ----

  private TurnOutcome reject(Rejection reason, String message) {
    events.rejected(reason);
    return new TurnOutcome.Rejected(reason, message);
  }

  /** The permits a turn took, to give back if its work does not happen. */
  private final class Admission {
    final @Nullable Decision decision;
    final @Nullable Decision tokenDecision;
    final @Nullable TurnOutcome denied;
    final boolean tookToken;

    Admission(@Nullable Decision decision, @Nullable Decision tokens, @Nullable TurnOutcome denied, boolean tookToken) {
      this.decision = decision;
      this.tokenDecision = tokens;
      this.denied = denied;
      this.tookToken = tookToken;
    }

    void giveBack(String user) {
      try {
        if (requests != null) {
          requests.release(user, 1);
        }
        if (tookToken && ChatPipeline.this.tokens != null) {
          ChatPipeline.this.tokens.release(user, 1);
        }
      } catch (RuntimeException e) {
        LOG.warn("could not give back the permit of {}: {}", user, e.toString());
      }
    }
  }

  private Admission admit(String user) {
    Decision d = null;
    if (requests != null) {
      d = requests.tryAcquire(user);
      if (!d.allowed()) {
        events.rateLimited(d);
        return new Admission(d, null, new TurnOutcome.RateLimited(d), false);
      }
    }
    if (tokens != null) {
      // One token now, so a user in debt (over the day's tokens) is refused; the rest at the end.
      Decision t = tokens.tryAcquire(user);
      if (!t.allowed()) {
        if (requests != null) {
          requests.release(user, 1);
        }
        events.rateLimited(t);
        return new Admission(d, t, new TurnOutcome.RateLimited(t), false);
      }
      return new Admission(d, t, null, true);
    }
    return new Admission(d, null, null, false);
  }

  private Reply start(ChatRequest request, @Nullable String conversationId, String user, @Nullable String author,
      ReplyListener listener) {
    return start(request, conversationId, user, author, listener, () -> false);
  }

  private Reply start(ChatRequest request, @Nullable String conversationId, String user, @Nullable String author,
      ReplyListener listener, java.util.function.BooleanSupplier deletedMeanwhile) {
    Reply reply = new Reply(this, conversationId, user, author, listener, ticker.getAsLong());
    inFlight.add(reply);
    if (deletedMeanwhile.getAsBoolean()) {
      reply.discarded = true;
      reply.handler().onComplete(new ChatResponse("", FinishReason.CANCELLED, new TokenUsage(0, 0)));
      return reply;
    }
    try {
      reply.started(model.stream(request, reply.handler()));
    } catch (ParleyException e) {
      reply.handler().onError(e);
    } catch (RuntimeException e) {
      reply.handler().onError(ParleyException.from(e));
    }
    return reply;
  }

  void firstToken(Reply reply) {
    events.firstToken(ticker.getAsLong() - reply.startedNanos);
  }

  /** Called once per reply, on the model's thread: the rest happens on a store thread. */
  void ended(Reply reply, @Nullable ChatResponse response, @Nullable ParleyException error) {
    try {
      storeExecutor.execute(() -> finish(reply, response, error));
    } catch (RejectedExecutionException closed) {
      finish(reply, response, error);
    }
  }

  private void finish(Reply reply, @Nullable ChatResponse response, @Nullable ParleyException error) {
    ReplyResult result;
    try {
      result = settle(reply, response, error);
    } catch (RuntimeException e) {
      LOG.error("settling {} failed", reply, e);
      result = new ReplyResult(ReplyStatus.FAILED, null, ParleyException.from(e), false, null);
    }
    inFlight.remove(reply);
    synchronized (settled) {
      settled.notifyAll();
    }
    try {
      events.replyEnded(result, ticker.getAsLong() - reply.startedNanos);
    } catch (RuntimeException e) {
      LOG.warn("pipeline listener failed", e);
    }
    try {
      reply.listener.onEnd(result);
    } catch (RuntimeException e) {
      LOG.warn("reply listener of {} failed", reply, e);
    }
    reply.done.complete(result);
  }

  private ReplyResult settle(Reply reply, @Nullable ChatResponse response, @Nullable ParleyException error) {
    if (error != null) {
      if (error instanceof ModelUnavailableException && !reply.anyToken) {
        // Refused before the model did anything (no free slot, circuit open): no permit spent.
        new Admission(null, null, null, tokens != null).giveBack(reply.user);
      }
      LOG.debug("{} failed: {}", reply, error.toString());
      return new ReplyResult(ReplyStatus.FAILED, null, error, false, null);
    }
    ChatResponse r = Objects.requireNonNull(response);
    ReplyStatus status = r.finishReason() == FinishReason.CANCELLED || reply.discarded
        ? ReplyStatus.CANCELLED : ReplyStatus.COMPLETE;
    charge(reply.user, r);
    String conversationId = reply.conversationId();
    if (conversationId == null || reply.discarded || (status == ReplyStatus.CANCELLED && r.text().isEmpty())) {
      return new ReplyResult(status, r, null, false, null, reply.fromCache);
    }
    Message m = Message.assistant(r.text())
        .withFinishReason(status == ReplyStatus.CANCELLED ? FinishReason.CANCELLED : r.finishReason());
    if (!r.toolCalls().isEmpty()) {
      m = m.withToolCalls(r.toolCalls()); // the turn's calls, so their results can follow in the conversation
    }
    if (r.reasoning() != null) {
      m = m.withReasoning(r.reasoning());
    }
    if (reply.author != null) {
      m = m.withMetadata(AUTHOR_KEY, reply.author);
    }
    try {
      memory.append(conversationId, m);
      return new ReplyResult(status, r, null, true, null, reply.fromCache);
    } catch (NoSuchConversationException e) {
      LOG.debug("conversation {} was deleted while it was answered; its reply is dropped", conversationId);
      return new ReplyResult(status, r, null, false, null, reply.fromCache);
    } catch (RuntimeException e) {
      LOG.error("could not store the reply in conversation {}", conversationId, e);
      return new ReplyResult(status, r, null, false, e, reply.fromCache);
    }
  }

  private void charge(String user, ChatResponse r) {
    if (tokens == null) {
      return;
    }
    long rest = (long) r.usage().totalTokens() - 1; // one was taken at admission
    try {
      if (rest > 0) {
        tokens.charge(user, rest);
      } else if (rest < 0) {
        tokens.release(user, 1);
      }
    } catch (RuntimeException e) {
      LOG.warn("could not charge {} tokens to {}: {}", rest, user, e.toString());
    }
  }

  /** Settings of a {@link ChatPipeline}. */
  public static final class Builder {
    private final ChatModel model;
    private final ConversationManager memory;
    private InputSanitizer sanitizer = InputSanitizer.defaults();
    private @Nullable RateLimiter requests;
    private @Nullable RateLimiter tokens;
    private @Nullable ResponseCache cache;
    private @Nullable CircuitBreaker breaker;
    private Duration replyTimeout = Duration.ofMinutes(5);
    private GenerationOptions defaults = GenerationOptions.defaults();
    private @Nullable Executor storeExecutor;
    private int storeThreads = 4;
    private PipelineListener events = new PipelineListener() {};
    private LongSupplier ticker = System::nanoTime;
    private Duration drainGrace = Duration.ofSeconds(5);

    private Builder(ChatModel model, ConversationManager memory) {
      this.model = Objects.requireNonNull(model, "model must not be null");
      this.memory = Objects.requireNonNull(memory, "memory must not be null");
    }

    /** Cleans and checks every user message; {@link InputSanitizer#defaults()} by default. */
    public Builder sanitizer(InputSanitizer sanitizer) {
      this.sanitizer = Objects.requireNonNull(sanitizer, "sanitizer must not be null");
      return this;
    }

    /** One permit per message, keyed by user (requests a minute, a day...); none by default. */
    public Builder rateLimiter(RateLimiter requests) {
      this.requests = Objects.requireNonNull(requests, "requests must not be null");
      return this;
    }

    /**
     * LLM tokens per user (prompt + reply), charged when each reply ends; a user whose balance is
     * spent is refused until it refills. None by default.
     */
    public Builder tokenLimiter(RateLimiter tokens) {
      this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
      return this;
    }

    /** Serves repeated deterministic requests without the model; none by default. */
    public Builder cache(ResponseCache cache) {
      this.cache = Objects.requireNonNull(cache, "cache must not be null");
      return this;
    }

    /** Stops calling a failing model for a while; none by default. */
    public Builder breaker(CircuitBreaker breaker, Duration replyTimeout) {
      this.breaker = Objects.requireNonNull(breaker, "breaker must not be null");
      if (replyTimeout.isNegative() || replyTimeout.isZero()) {
        throw new IllegalArgumentException("replyTimeout must be positive, was " + replyTimeout);
      }
      this.replyTimeout = replyTimeout;
      return this;
    }

    /** The options of a turn that names none; {@link GenerationOptions#defaults()} by default. */
    public Builder defaults(GenerationOptions defaults) {
      this.defaults = Objects.requireNonNull(defaults, "defaults must not be null");
      return this;
    }

    /**
     * Where replies are stored and listeners told that they ended; by default the pipeline's own
     * daemon threads ({@link #storeThreads}), stopped by {@link ChatPipeline#close()}. Never the
     * model's thread, so a slow database does not hold a model slot.
     */
    public Builder storeExecutor(Executor executor) {
      this.storeExecutor = Objects.requireNonNull(executor, "executor must not be null");
      return this;
    }

    /** How many threads of its own store replies; 4 by default (match the store's connections). */
    public Builder storeThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("storeThreads must be >= 1, was " + threads);
      }
      this.storeThreads = threads;
      return this;
    }

    /** Told of refusals, rate limits and reply timings, for metrics. */
    public Builder listener(PipelineListener listener) {
      this.events = Objects.requireNonNull(listener, "listener must not be null");
      return this;
    }

    /** The nanosecond clock of reply timings; {@link System#nanoTime()} by default. */
    public Builder ticker(LongSupplier ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
      return this;
    }

    /** How long {@link ChatPipeline#drain} waits for cancelled replies to end; 5 s by default. */
    public Builder drainGrace(Duration grace) {
      if (grace.isNegative()) {
        throw new IllegalArgumentException("drainGrace must be >= 0, was " + grace);
      }
      this.drainGrace = grace;
      return this;
    }

    public ChatPipeline build() {
      return new ChatPipeline(this);
    }
  }
}
