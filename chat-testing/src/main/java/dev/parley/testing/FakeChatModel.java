package dev.parley.testing;

import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationFailedException;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.ModelUnavailableException;
import dev.parley.chat.ParleyException;
import dev.parley.chat.Role;
import dev.parley.core.internal.StopSequenceMatcher;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.TokenUsage;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolCallDelta;
import dev.parley.chat.ToolChoice;
import dev.parley.chat.ToolSpecification;
import dev.parley.chat.Tokenizer;
import dev.parley.core.internal.Checks;
import dev.parley.core.internal.Timers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory {@link ChatModel} for tests: it answers from a script, streams word by word with an
 * optional delay per token, and fails or hangs on demand. It keeps the {@link ChatModel} streaming
 * contract (it passes {@code ChatModelContractTest}), so code tested against it behaves the same
 * against a real model.
 *
 * <pre>{@code
 * FakeChatModel model = FakeChatModel.thatAlwaysResponds("Hello there");
 * model.failNext(2);            // the next two calls fail with ModelUnavailableException
 * model.hangNext(1);            // the call after that streams nothing until cancelled
 * }</pre>
 *
 * <p>A test that must act while a reply streams (cancel it after three tokens, hold the only slot,
 * delete its conversation) gives the model a {@link TokenGate}: each token then waits for a permit
 * the test releases, so the reply can neither finish early nor stall the test, whatever the machine.
 * {@code tokenDelay} is for demos and load; a test that needs an order of events uses a gate.
 *
 * <p>A reply may carry reasoning and tool calls ({@link ScriptedReply}, {@link Builder#script}): reasoning
 * streams first through {@code onReasoning}, then the text, then each call as an opening delta and its
 * arguments in pieces of 8 characters, each piece one token. A call to a tool the request does not
 * offer fails the request; a request that requires a call gets one even from a script that makes none.
 *
 * <p>Replies are split into tokens at word starts ({@code "Hello there"} streams as {@code "Hello"},
 * {@code " there"}), counted by a {@link FakeTokenizer}. {@code maxTokens} and stop sequences are
 * honoured; temperature and seed are ignored (replies are deterministic). Thread-safe. Generation
 * runs on the model's own daemon threads.
 */
public final class FakeChatModel implements ChatModel {
  private final String id;
  private final Function<ChatRequest, ScriptedReply> script;
  private final Duration tokenDelay;
  private final Tokenizer tokenizer;
  private final double failureProbability;
  private final Random random;
  private final Supplier<? extends ParleyException> failure;
  private final @Nullable TokenGate gate;
  private final ScheduledThreadPoolExecutor executor;

  private final AtomicInteger failNext = new AtomicInteger();
  private final AtomicInteger hangNext = new AtomicInteger();
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicLong cancellations = new AtomicLong();
  private final AtomicLong callIds = new AtomicLong();
  private final List<ChatRequest> requests = Collections.synchronizedList(new ArrayList<>());

  private FakeChatModel(Builder b) {
    this.id = b.id;
    this.script = b.script;
    this.tokenDelay = b.tokenDelay;
    this.tokenizer = b.tokenizer;
    this.failureProbability = b.failureProbability;
    this.random = new Random(b.seed);
    this.failure = b.failure;
    this.gate = b.gate;
    this.executor = Timers.newTimer("parley-fake-model");
    this.executor.setCorePoolSize(2);
    this.executor.setKeepAliveTime(1, TimeUnit.SECONDS);
    this.executor.allowCoreThreadTimeOut(true);
  }

  /** A model whose every reply is {@code reply}. */
  public static FakeChatModel thatAlwaysResponds(String reply) {
    Checks.notNull(reply, "reply");
    return builder().responder(request -> reply).build();
  }

  /**
   * A model that gives the scripted {@code replies} in order, one per request, with their reasoning
   * and tool calls; once they are used up, a request fails with {@link GenerationFailedException}.
   */
  public static FakeChatModel thatReplays(ScriptedReply... replies) {
    List<ScriptedReply> script = List.of(Checks.notNull(replies, "replies"));
    AtomicInteger next = new AtomicInteger();
    return builder()
        .script(
            request -> {
              int i = next.getAndIncrement();
              if (i >= script.size()) {
                throw new GenerationFailedException(
                    "script of " + script.size() + " replies is used up (request " + (i + 1) + ")", null);
              }
              return script.get(i);
            })
        .build();
  }

  /** A model that replies with the content of the last user message. */
  public static FakeChatModel thatEchoes() {
    return builder().responder(FakeChatModel::lastUserContent).build();
  }

  /**
   * A model that gives {@code replies} in order, one per request; once they are used up, a request
   * fails with {@link GenerationFailedException}.
   */
  public static FakeChatModel thatReplays(String... replies) {
    List<String> script = List.of(Checks.notNull(replies, "replies"));
    AtomicInteger next = new AtomicInteger();
    return builder()
        .responder(
            request -> {
              int i = next.getAndIncrement();
              if (i >= script.size()) {
                throw new GenerationFailedException(
                    "script of " + script.size() + " replies is used up (request " + (i + 1) + ")", null);
              }
              return script.get(i);
            })
        .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  private static String lastUserContent(ChatRequest request) {
    List<Message> messages = request.messages();
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).role() == Role.USER) {
        return messages.get(i).content();
      }
    }
    return "";
  }

  /** The next {@code n} requests fail (asynchronously, through the handler) with the configured failure. */
  public FakeChatModel failNext(int n) {
    failNext.set(Checks.atLeast(n, 0, "n"));
    return this;
  }

  /** The next {@code n} requests stream nothing until cancelled. */
  public FakeChatModel hangNext(int n) {
    hangNext.set(Checks.atLeast(n, 0, "n"));
    return this;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public GenerationHandle stream(ChatRequest request, StreamHandler handler) {
    Checks.notNull(request, "request");
    Checks.notNull(handler, "handler");
    requests.add(request);
    Run run = new Run(request, handler);
    active.incrementAndGet();
    executor.execute(run::begin);
    return run;
  }

  /** Requests received so far, in order. */
  public List<ChatRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** Generations started and not yet complete. Zero once every generation has ended or been cancelled. */
  public int activeGenerations() {
    return active.get();
  }

  /** Generations that ended because they were cancelled. */
  public long cancellations() {
    return cancellations.get();
  }

  /** The tokenizer this model counts with. */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public String toString() {
    return "FakeChatModel[" + id + "]";
  }

  private static List<String> split(String text) {
    List<String> tokens = new ArrayList<>();
    int start = 0;
    for (int i = 1; i <= text.length(); i++) {
      boolean boundary =
          i == text.length()
              || (Character.isWhitespace(text.charAt(i)) && !Character.isWhitespace(text.charAt(i - 1)));
      if (boundary) {
        tokens.add(text.substring(start, i));
        start = i;
      }
    }
    return tokens;
  }

  /** Tool-call arguments stream in pieces of this many characters. */
  private static final int ARGUMENT_PIECE = 8;

  /**
   * The script's reply, checked against the request's tools: a call to a tool the request does not
   * offer, or one the tool choice forbids, fails the request, so a test with a wrong script notices.
   * When the request requires a call and the script makes none, the model calls the named (or the
   * first) tool with {@code {}}.
   */
  private ScriptedReply scripted(ChatRequest request) {
    ScriptedReply reply = script.apply(request);
    if (reply == null) {
      throw new GenerationFailedException("the script returned null for " + request, null);
    }
    GenerationOptions o = request.options();
    ToolChoice choice = o.toolChoice();
    if (choice.mode() == ToolChoice.Mode.NONE || o.tools().isEmpty()) {
      if (!reply.toolCalls().isEmpty()) {
        throw new GenerationFailedException("the script calls " + reply.toolCalls().get(0).name() + " but the request "
            + (o.tools().isEmpty() ? "offers no tools" : "has tool choice NONE"), null);
      }
      return reply;
    }
    for (ToolCall call : reply.toolCalls()) {
      if (o.tool(call.name()) == null) {
        throw new GenerationFailedException("the script calls " + call.name() + ", which is not one of the request's tools "
            + o.tools().stream().map(ToolSpecification::name).toList(), null);
      }
      if (choice.mode() == ToolChoice.Mode.NAMED && !call.name().equals(choice.toolName())) {
        throw new GenerationFailedException("the script calls " + call.name() + " but the request names " + choice.toolName(), null);
      }
    }
    if (!o.parallelToolCalls() && reply.toolCalls().size() > 1) {
      throw new GenerationFailedException("the script makes " + reply.toolCalls().size()
          + " tool calls but the request allows one (parallelToolCalls false)", null);
    }
    if (reply.toolCalls().isEmpty() && (choice.mode() == ToolChoice.Mode.REQUIRED || choice.mode() == ToolChoice.Mode.NAMED)) {
      String name = choice.mode() == ToolChoice.Mode.NAMED ? choice.toolName() : o.tools().get(0).name();
      return new ScriptedReply("", List.of(new ToolCall("call_" + callIds.incrementAndGet(), name, "{}")), reply.reasoning());
    }
    return reply;
  }

  /** One streamed piece of a reply; each counts as one generated token. */
  private record Piece(Kind kind, String text, int call) {
    enum Kind {
      REASONING,
      TEXT,
      CALL_OPEN,
      CALL_ARGUMENTS
    }
  }

  private boolean takeOne(AtomicInteger counter) {
    return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
  }

  private synchronized boolean randomFailure() {
    return failureProbability > 0 && random.nextDouble() < failureProbability;
  }

  /** One generation. Its steps run one at a time on the executor, under this object's lock. */
  private final class Run implements GenerationHandle {
    private final ChatRequest request;
    private final StreamHandler handler;
    private final CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private boolean reasons;
    private List<ToolCall> calls = List.of();
    private List<Piece> tokens = List.of();
    private FinishReason reason = FinishReason.STOP;
    private int next;
    private int promptTokens;
    private boolean hanging;
    private boolean begun;
    private boolean done;
    private volatile boolean cancelled;
    private @Nullable ScheduledFuture<?> pending;

    Run(ChatRequest request, StreamHandler handler) {
      this.request = request;
      this.handler = handler;
    }

    synchronized void begin() {
      if (cancelled) {
        finish();
        return;
      }
      try {
        promptTokens = tokenizer.countTokens(request.messages());
        if (takeOne(failNext) || randomFailure()) {
          fail(failure.get());
          return;
        }
        if (takeOne(hangNext)) {
          hanging = true;
          return;
        }
        ScriptedReply scripted = scripted(request);
        String reply = scripted.text();
        int cut = StopSequenceMatcher.indexOf(reply, request.options().stopSequences());
        if (cut >= 0) {
          reply = reply.substring(0, cut);
          reason = FinishReason.STOP_SEQUENCE;
        }
        List<Piece> all = new ArrayList<>();
        if (scripted.reasoning() != null) {
          reasons = true;
          for (String word : split(scripted.reasoning())) {
            all.add(new Piece(Piece.Kind.REASONING, word, -1));
          }
        }
        for (String word : split(reply)) {
          all.add(new Piece(Piece.Kind.TEXT, word, -1));
        }
        if (reason != FinishReason.STOP_SEQUENCE) {
          calls = scripted.toolCalls();
          for (int c = 0; c < calls.size(); c++) {
            all.add(new Piece(Piece.Kind.CALL_OPEN, "", c));
            String args = calls.get(c).arguments();
            for (int at = 0; at < args.length(); at += ARGUMENT_PIECE) {
              all.add(new Piece(Piece.Kind.CALL_ARGUMENTS, args.substring(at, Math.min(args.length(), at + ARGUMENT_PIECE)), c));
            }
          }
          if (!calls.isEmpty()) {
            reason = FinishReason.TOOL_CALLS;
          }
        }
        int max = request.options().maxTokens();
        if (all.size() > max) {
          all = all.subList(0, max);
          reason = FinishReason.LENGTH; // a tool call cut short is not made
        }
        tokens = all;
        begun = true;
      } catch (RuntimeException e) {
        fail(ParleyException.from(e));
        return;
      }
      scheduleStep();
    }

    private void scheduleStep() {
      if (tokenDelay.isZero()) {
        executor.execute(this::step);
      } else {
        pending = executor.schedule(this::step, tokenDelay.toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    synchronized void step() {
      if (done) {
        return;
      }
      if (cancelled || next >= tokens.size()) {
        finish();
        return;
      }
      if (gate != null && !gate.tryPass(this::resume)) {
        return; // the gate runs resume once the test lets a token through
      }
      Piece piece = tokens.get(next++);
      try {
        switch (piece.kind) {
          case REASONING -> {
            reasoning.append(piece.text);
            handler.onReasoning(piece.text);
          }
          case TEXT -> {
            text.append(piece.text);
            handler.onToken(piece.text);
          }
          case CALL_OPEN -> {
            ToolCall call = calls.get(piece.call);
            handler.onToolCall(new ToolCallDelta(piece.call, call.id(), call.name(), ""));
          }
          case CALL_ARGUMENTS -> handler.onToolCall(new ToolCallDelta(piece.call, null, null, piece.text));
        }
      } catch (RuntimeException e) {
        fail(new GenerationFailedException("stream handler threw " + e, e));
        return;
      } finally {
        if (gate != null) {
          gate.delivered();
        }
      }
      if (next < tokens.size() && !cancelled) {
        scheduleStep();
      } else {
        executor.execute(this::step);
      }
    }

    private void resume() {
      try {
        executor.execute(this::step);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        step();
      }
    }

    private void finish() {
      if (done) {
        return;
      }
      done = true;
      active.decrementAndGet();
      FinishReason finish = cancelled && (!begun || hanging || next < tokens.size()) ? FinishReason.CANCELLED : reason;
      if (finish == FinishReason.CANCELLED) {
        cancellations.incrementAndGet();
      }
      List<ToolCall> made = finish == FinishReason.TOOL_CALLS ? calls : List.of();
      ChatResponse response = new ChatResponse(
          text.toString(), finish, new TokenUsage(promptTokens, next), made, reasons ? reasoning.toString() : null);
      try {
        handler.onComplete(response);
      } catch (RuntimeException ignored) {
        // The generation is over; a handler failing on completion has nothing left to cancel.
      }
      completion.complete(response);
    }

    private void fail(ParleyException error) {
      if (done) {
        return;
      }
      done = true;
      active.decrementAndGet();
      try {
        handler.onError(error);
      } catch (RuntimeException ignored) {
        // As above: nothing left to stop.
      }
      completion.completeExceptionally(error);
    }

    @Override
    public void cancel() {
      if (cancelled) {
        return;
      }
      cancelled = true;
      ScheduledFuture<?> p = pending;
      if (p != null) {
        p.cancel(false);
      }
      executor.execute(this::step);
    }

    @Override
    public CompletionStage<ChatResponse> completion() {
      return completion.minimalCompletionStage();
    }
  }

  /** Builds a {@link FakeChatModel}. */
  public static final class Builder {
    private String id = "fake-model";
    private Function<ChatRequest, ScriptedReply> script = request -> ScriptedReply.text("This is a reply from the fake model.");
    private Duration tokenDelay = Duration.ZERO;
    private Tokenizer tokenizer = FakeTokenizer.create();
    private double failureProbability;
    private long seed = 42;
    private Supplier<? extends ParleyException> failure =
        () -> new ModelUnavailableException("injected failure from the fake model");
    private @Nullable TokenGate gate;

    private Builder() {}

    public Builder id(String id) {
      this.id = Checks.notBlank(id, "id");
      return this;
    }

    /** Computes each reply's text from the request. It may throw to fail the request. */
    public Builder responder(Function<ChatRequest, String> responder) {
      Checks.notNull(responder, "responder");
      this.script = request -> ScriptedReply.text(responder.apply(request));
      return this;
    }

    /**
     * Computes each reply from the request, with reasoning and tool calls. It may throw to fail the
     * request. See {@link ScriptedReply} for how replies stream and which calls a request allows.
     */
    public Builder script(Function<ChatRequest, ScriptedReply> script) {
      this.script = Checks.notNull(script, "script");
      return this;
    }

    /** Waits this long before each token; zero by default. */
    public Builder tokenDelay(Duration delay) {
      this.tokenDelay = Checks.notNegative(delay, "tokenDelay");
      return this;
    }

    /**
     * Each token waits for a permit of {@code gate} before it streams (see {@link TokenGate}); none by
     * default. Cancelling a reply never waits for the gate.
     */
    public Builder gate(TokenGate gate) {
      this.gate = Checks.notNull(gate, "gate");
      return this;
    }

    /** Counts prompt tokens; a {@link FakeTokenizer} by default. */
    public Builder tokenizer(Tokenizer tokenizer) {
      this.tokenizer = Checks.notNull(tokenizer, "tokenizer");
      return this;
    }

    /** Each request fails with this probability, drawn from a random generator seeded with {@code seed}. */
    public Builder failureProbability(double probability, long seed) {
      this.failureProbability = Checks.inRange(probability, 0.0, 1.0, "probability");
      this.seed = seed;
      return this;
    }

    /** The exception injected failures end with; a {@link ModelUnavailableException} by default. */
    public Builder failure(Supplier<? extends ParleyException> failure) {
      this.failure = Checks.notNull(failure, "failure");
      return this;
    }

    public FakeChatModel build() {
      return new FakeChatModel(this);
    }
  }
}
