package dev.parley.pipeline;

import dev.parley.cache.CachedReplyListener;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolCallDelta;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/** A reply being generated: cancel it, or wait for its {@link ReplyResult}. Thread-safe. */
public final class Reply {
  private final ChatPipeline pipeline;
  private final @Nullable String conversationId;
  final String user;
  final @Nullable String author;
  final ReplyListener listener;
  final long startedNanos;
  final CompletableFuture<ReplyResult> done = new CompletableFuture<>();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile @Nullable GenerationHandle handle;
  private volatile boolean cancelRequested;
  /** The conversation was deleted: nothing more of this reply reaches anyone, and it is not stored. */
  volatile boolean discarded;
  volatile boolean anyToken;
  /** A response cache replayed the reply: the model generated none of it now. */
  volatile boolean fromCache;

  Reply(ChatPipeline pipeline, @Nullable String conversationId, String user, @Nullable String author,
      ReplyListener listener, long startedNanos) {
    this.pipeline = pipeline;
    this.conversationId = conversationId;
    this.user = user;
    this.author = author;
    this.listener = listener;
    this.startedNanos = startedNanos;
  }

  /** The conversation it answers; null for a stateless completion. */
  public @Nullable String conversationId() {
    return conversationId;
  }

  /**
   * Asks the model to stop. What was generated so far is kept (stored, marked cancelled) and the
   * listener's {@code onEnd} still comes, with {@link ReplyStatus#CANCELLED}.
   */
  public void cancel() {
    cancelRequested = true;
    GenerationHandle h = handle;
    if (h != null) {
      h.cancel();
    }
  }

  /** Whether {@link #cancel()} was called. */
  public boolean isCancelRequested() {
    return cancelRequested;
  }

  /** Completes, never exceptionally, when the reply has ended and the pipeline is done with it. */
  public CompletionStage<ReplyResult> completion() {
    return done.minimalCompletionStage();
  }

  void started(GenerationHandle h) {
    handle = h;
    if (cancelRequested) {
      h.cancel(); // cancelled while the model was being asked
    }
  }

  /** The model's side: called on the model's thread. */
  StreamHandler handler() {
    return new Handler();
  }

  /** The model's side; told by a response cache when the reply is a replay. */
  private final class Handler implements StreamHandler, CachedReplyListener {
    @Override
    public void onCachedReply() {
      fromCache = true;
    }

    @Override
    public void onToken(String token) {
      if (!anyToken) {
        anyToken = true;
        if (!fromCache) {
          pipeline.firstToken(Reply.this); // a replay's first token says nothing of the model
        }
      }
      if (discarded) {
        return;
      }
      listener.onToken(token);
    }

    @Override
    public void onReasoning(String text) {
      if (!discarded) {
        listener.onReasoning(text);
      }
    }

    @Override
    public void onToolCall(ToolCallDelta delta) {
      if (!discarded) {
        listener.onToolCall(delta);
      }
    }

    @Override
    public void onComplete(ChatResponse response) {
      if (ended.compareAndSet(false, true)) {
        pipeline.ended(Reply.this, response, null);
      }
    }

    @Override
    public void onError(ParleyException error) {
      if (ended.compareAndSet(false, true)) {
        pipeline.ended(Reply.this, null, error);
      }
    }
  }

  @Override
  public String toString() {
    return "Reply[" + (conversationId == null ? "stateless" : conversationId) + ", user " + user + "]";
  }
}
