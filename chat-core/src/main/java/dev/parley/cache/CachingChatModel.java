package dev.parley.cache;

import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolCallDelta;
import dev.parley.core.internal.Checks;
import java.util.Optional;

/** A model behind a {@link ResponseCache}; made by {@link ResponseCache#decorate}. */
final class CachingChatModel implements ChatModel {
  private final ChatModel delegate;
  private final ResponseCache cache;

  CachingChatModel(ChatModel delegate, ResponseCache cache) {
    this.delegate = delegate;
    this.cache = cache;
  }

  @Override
  public String id() {
    return delegate.id();
  }

  @Override
  public ChatResponse generate(ChatRequest request) {
    Checks.notNull(request, "request");
    return cache.get(delegate.id(), request, delegate::generate);
  }

  /**
   * A cached reply is delivered as its reasoning in one piece, its text as one token and each tool
   * call as one delta, followed by completion (a handler that is a {@link
   * CachedReplyListener} is told first). A miss streams from the model and caches the reply once
   * complete. A request that is not cacheable counts as a bypass.
   */
  @Override
  public GenerationHandle stream(ChatRequest request, StreamHandler handler) {
    Checks.notNull(request, "request");
    Checks.notNull(handler, "handler");
    if (!cache.isCacheable(request)) {
      cache.bypassed();
      return delegate.stream(request, handler);
    }
    Optional<ChatResponse> hit = cache.getIfPresent(delegate.id(), request);
    if (hit.isPresent()) {
      if (handler instanceof CachedReplyListener listener) {
        listener.onCachedReply();
      }
      return CompletedGeneration.replay(hit.get(), handler);
    }
    return delegate.stream(
        request,
        new StreamHandler() {
          @Override
          public void onToken(String token) {
            handler.onToken(token);
          }

          @Override
          public void onReasoning(String text) {
            handler.onReasoning(text);
          }

          @Override
          public void onToolCall(ToolCallDelta delta) {
            handler.onToolCall(delta);
          }

          @Override
          public void onComplete(ChatResponse response) {
            cache.put(delegate.id(), request, response);
            handler.onComplete(response);
          }

          @Override
          public void onError(ParleyException error) {
            handler.onError(error);
          }
        });
  }

  @Override
  public String toString() {
    return "CachingChatModel[" + delegate + "]";
  }
}
