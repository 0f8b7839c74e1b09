package dev.parley.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolCallDelta;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Parley {@link dev.parley.chat.ChatModel} as a LangChain4j {@link StreamingChatModel}: tokens reach
 * {@code onPartialResponse}, reasoning {@code onPartialThinking}, tool calls {@code
 * onPartialToolCall} (a call is complete, {@code onCompleteToolCall}, when the next one opens or the
 * reply ends), and the whole reply {@code onCompleteResponse}, as {@link ParleyChatModel} maps it.
 * What a handler method throws goes to its {@code onError} and the stream goes on, as with
 * LangChain4j's own models; what {@code onError} throws is logged. The {@link StreamingHandle} each partial
 * response carries cancels the generation in the Parley model (a llama model frees the slot at
 * the next token); after a cancel the handler hears nothing more. Built with {@link
 * ParleyChatModel.Builder#buildStreaming()}; thread-safe.
 */
public final class ParleyStreamingChatModel implements StreamingChatModel {
  private static final System.Logger LOG = System.getLogger(ParleyStreamingChatModel.class.getName());
  private final Settings settings;

  ParleyStreamingChatModel(Settings settings) {
    this.settings = settings;
  }

  /** The same settings as {@link ParleyChatModel#builder}; end with {@code buildStreaming()}. */
  public static ParleyChatModel.Builder builder(dev.parley.chat.ChatModel model) {
    return ParleyChatModel.builder(model);
  }

  @Override
  public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
    dev.parley.chat.ChatRequest parley = Conversions.request(request, settings.strictJsonSchema(), settings.model().id());
    Stream stream = new Stream(handler, settings.model().id());
    try {
      stream.started(settings.model().stream(parley, stream));
    } catch (ParleyException e) {
      stream.onError(e);
    }
  }

  @Override
  public ChatRequestParameters defaultRequestParameters() {
    return settings.defaults();
  }

  @Override
  public List<ChatModelListener> listeners() {
    return settings.listeners();
  }

  @Override
  public ModelProvider provider() {
    return ModelProvider.OTHER;
  }

  @Override
  public Set<Capability> supportedCapabilities() {
    return settings.capabilities();
  }

  @Override
  public String toString() {
    return "ParleyStreamingChatModel[" + settings.model().id() + "]";
  }

  /** A call streamed so far. */
  private record Call(String id, String name, StringBuilder arguments) {}

  /** One generation's events, translated; silent once cancelled. */
  private static final class Stream implements StreamHandler, StreamingHandle {
    private final StreamingChatResponseHandler handler;
    private final String modelName;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicReference<GenerationHandle> generation = new AtomicReference<>();
    private final List<Call> calls = new ArrayList<>();
    private int completed; // calls already reported whole

    Stream(StreamingChatResponseHandler handler, String modelName) {
      this.handler = handler;
      this.modelName = modelName;
    }

    void started(GenerationHandle handle) {
      generation.set(handle);
      if (cancelled.get()) {
        handle.cancel();
      }
    }

    @Override
    public void cancel() {
      if (cancelled.compareAndSet(false, true)) {
        GenerationHandle handle = generation.get();
        if (handle != null) {
          handle.cancel();
        }
      }
    }

    @Override
    public boolean isCancelled() {
      return cancelled.get();
    }

    @Override
    public void onToken(String token) {
      if (!cancelled.get()) {
        deliver(() -> handler.onPartialResponse(new PartialResponse(token), new PartialResponseContext(this)));
      }
    }

    @Override
    public void onReasoning(String text) {
      if (!cancelled.get()) {
        deliver(() -> handler.onPartialThinking(new PartialThinking(text), new PartialThinkingContext(this)));
      }
    }

    @Override
    public void onToolCall(ToolCallDelta delta) {
      if (delta.opensCall()) {
        completeCallsBefore(delta.index()); // a call is whole once the next one opens, as LangChain4j's models report it
        calls.add(new Call(delta.id(), delta.name(), new StringBuilder()));
      }
      Call call = calls.get(delta.index());
      call.arguments().append(delta.arguments());
      if (!cancelled.get() && !delta.arguments().isEmpty()) {
        PartialToolCall partial = PartialToolCall.builder().index(delta.index()).id(call.id()).name(call.name())
            .partialArguments(delta.arguments()).build();
        deliver(() -> handler.onPartialToolCall(partial, new PartialToolCallContext(this)));
      }
    }

    private void completeCallsBefore(int end) {
      for (; completed < end; completed++) {
        Call call = calls.get(completed);
        CompleteToolCall complete = new CompleteToolCall(completed, Conversions.toolExecutionRequest(
            new dev.parley.chat.ToolCall(call.id(), call.name(), call.arguments().toString())));
        if (!cancelled.get()) {
          deliver(() -> handler.onCompleteToolCall(complete));
        }
      }
    }

    @Override
    public void onComplete(ChatResponse response) {
      if (cancelled.get()) {
        return;
      }
      completeCallsBefore(response.toolCalls().size());
      deliver(() -> handler.onCompleteResponse(Conversions.response(response, modelName)));
    }

    @Override
    public void onError(ParleyException error) {
      if (!cancelled.get()) {
        failed(Conversions.error(error));
      }
    }

    /**
     * Calls the handler as LangChain4j's own models do: what the handler throws goes to its {@code
     * onError}, and the stream goes on.
     */
    private void deliver(Runnable callback) {
      try {
        callback.run();
      } catch (RuntimeException e) {
        failed(e);
      }
    }

    /** What {@code onError} itself throws is logged, not thrown into the model's thread. */
    private void failed(Throwable error) {
      try {
        handler.onError(error);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "a StreamingChatResponseHandler's onError threw; ignored", e);
      }
    }
  }
}
