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
 * onPartialToolCall} and then {@code onCompleteToolCall}, and the whole reply {@code
 * onCompleteResponse}, as {@link ParleyChatModel} maps it. The {@link StreamingHandle} each partial
 * response carries cancels the generation in the Parley model (a llama model frees the sequence at
 * the next token); after a cancel the handler hears nothing more. Built with {@link
 * ParleyChatModel.Builder#buildStreaming()}; thread-safe.
 */
public final class ParleyStreamingChatModel implements StreamingChatModel {
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
    dev.parley.chat.ChatRequest parley = Conversions.request(request, settings.strictJsonSchema());
    Stream stream = new Stream(handler, settings.model().id());
    try {
      stream.started(settings.model().stream(parley, stream));
    } catch (ParleyException e) {
      handler.onError(Conversions.error(e));
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

  /** One generation's events, translated; silent once cancelled. */
  private static final class Stream implements StreamHandler, StreamingHandle {
    private final StreamingChatResponseHandler handler;
    private final String modelName;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicReference<GenerationHandle> generation = new AtomicReference<>();
    private final List<String[]> calls = new ArrayList<>();

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
        handler.onPartialResponse(new PartialResponse(token), new PartialResponseContext(this));
      }
    }

    @Override
    public void onReasoning(String text) {
      if (!cancelled.get()) {
        handler.onPartialThinking(new PartialThinking(text));
      }
    }

    @Override
    public void onToolCall(ToolCallDelta delta) {
      if (delta.opensCall()) {
        calls.add(new String[] {delta.id(), delta.name()});
      }
      String[] call = calls.get(delta.index());
      if (!cancelled.get() && !delta.arguments().isEmpty()) {
        handler.onPartialToolCall(PartialToolCall.builder().index(delta.index()).id(call[0]).name(call[1])
            .partialArguments(delta.arguments()).build());
      }
    }

    @Override
    public void onComplete(ChatResponse response) {
      if (cancelled.get()) {
        return;
      }
      for (int i = 0; i < response.toolCalls().size(); i++) {
        handler.onCompleteToolCall(new CompleteToolCall(i, Conversions.toolExecutionRequest(response.toolCalls().get(i))));
      }
      handler.onCompleteResponse(Conversions.response(response, modelName));
    }

    @Override
    public void onError(ParleyException error) {
      if (!cancelled.get()) {
        handler.onError(Conversions.error(error));
      }
    }
  }
}
