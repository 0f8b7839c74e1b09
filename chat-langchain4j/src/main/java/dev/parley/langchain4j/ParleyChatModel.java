package dev.parley.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.parley.chat.ParleyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A Parley {@link dev.parley.chat.ChatModel} (a {@code LlamaChatModel}, a {@code ModelPool}, a cached
 * or guarded model, a fake) as a LangChain4j {@link ChatModel}, in the same JVM: AI services, tools
 * and structured outputs run on it as on LangChain4j's own models.
 *
 * <pre>{@code
 * ChatModel model = ParleyChatModel.builder(LlamaChatModel.load(Path.of("qwen3.gguf"))).build();
 * Assistant assistant = AiServices.builder(Assistant.class).chatModel(model).tools(new Calculator()).build();
 * }</pre>
 *
 * <p>Temperature, top-p, top-k, penalties, maximum output tokens, stop sequences, tool
 * specifications, tool choice and response format (JSON, with or without a schema) reach the Parley
 * model, and so do seed, min-p, repeat penalty, thinking and parallel calls given as {@link
 * ParleyChatRequestParameters}. The model's name is its Parley id; parameters that name another model,
 * and images or other non-text content, are refused with {@code UnsupportedFeatureException}. Each
 * response gets a fresh id; the reply's tool calls become {@code toolExecutionRequests} ({@code TOOL_EXECUTION}), its
 * reasoning the {@code thinking}, its token counts the {@code TokenUsage}. Parley's errors become
 * LangChain4j's ({@code InvalidRequestException}, {@code TimeoutException}, retriable or not as the
 * Parley error says). {@link ChatModelListener}s are called by LangChain4j's own {@code chat}, as for
 * its models. Thread-safe: it holds nothing but its settings; the Parley model is the caller's to close.
 */
public final class ParleyChatModel implements ChatModel {
  private final Settings settings;

  ParleyChatModel(Settings settings) {
    this.settings = settings;
  }

  /** Settings for {@code model}; {@link Builder#build()} and {@link Builder#buildStreaming()} share them. */
  public static Builder builder(dev.parley.chat.ChatModel model) {
    return new Builder(model);
  }

  @Override
  public ChatResponse doChat(ChatRequest request) {
    dev.parley.chat.ChatRequest parley = Conversions.request(request, settings.strictJsonSchema(), settings.model().id());
    try {
      return Conversions.response(settings.model().generate(parley), settings.model().id());
    } catch (ParleyException e) {
      throw Conversions.error(e);
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
    return "ParleyChatModel[" + settings.model().id() + "]";
  }

  /** Settings of {@link ParleyChatModel} and {@link ParleyStreamingChatModel}; each setter checks its argument. */
  public static final class Builder {
    private final dev.parley.chat.ChatModel model;
    private ChatRequestParameters defaults = ChatRequestParameters.builder().build();
    private final List<ChatModelListener> listeners = new ArrayList<>();
    private Set<Capability> capabilities = Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    private boolean strictJsonSchema = true;

    Builder(dev.parley.chat.ChatModel model) {
      this.model = Objects.requireNonNull(model, "model must not be null");
    }

    /**
     * Parameters a request's own override, as LangChain4j merges them (none by default but the
     * model's name, its Parley id). Parley's own ({@link ParleyChatRequestParameters}) may be given
     * here too.
     *
     * @throws dev.langchain4j.exception.UnsupportedFeatureException if they name another model
     */
    public Builder defaultRequestParameters(ChatRequestParameters parameters) {
      Conversions.checkModelName(Objects.requireNonNull(parameters, "parameters must not be null"), model.id());
      this.defaults = parameters;
      return this;
    }

    /** Listeners LangChain4j calls around each request, as for its own models. */
    public Builder listeners(List<ChatModelListener> listeners) {
      Objects.requireNonNull(listeners, "listeners must not be null").forEach(l -> this.listeners.add(Objects.requireNonNull(l, "listener must not be null")));
      return this;
    }

    /**
     * What LangChain4j may ask of the model: {@code RESPONSE_FORMAT_JSON_SCHEMA} by default, which
     * Parley's llama models honour with a grammar (AI services then ask for a schema-bound reply for
     * structured outputs). Give an empty set for a model that cannot.
     */
    public Builder supportedCapabilities(Set<Capability> capabilities) {
      this.capabilities = Set.copyOf(Objects.requireNonNull(capabilities, "capabilities must not be null"));
      return this;
    }

    /** Whether a JSON Schema response format admits only the properties it lists (true by default). */
    public Builder strictJsonSchema(boolean strict) {
      this.strictJsonSchema = strict;
      return this;
    }

    public ParleyChatModel build() {
      return new ParleyChatModel(settings());
    }

    public ParleyStreamingChatModel buildStreaming() {
      return new ParleyStreamingChatModel(settings());
    }

    private Settings settings() {
      ChatRequestParameters named = defaults.defaultedBy(ChatRequestParameters.builder().modelName(model.id()).build());
      return new Settings(model, named, listeners, capabilities, strictJsonSchema);
    }
  }
}
