package dev.parley.springai;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.ParleyException;
import dev.parley.chat.ResponseFormat;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolCallDelta;
import dev.parley.chat.ToolSpecification;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.model.MessageAggregator;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.chat.observation.ChatModelObservationDocumentation;
import org.springframework.ai.chat.observation.DefaultChatModelObservationConvention;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A Parley {@link dev.parley.chat.ChatModel} (a {@code LlamaChatModel}, a {@code ModelPool}, a cached
 * or guarded model, a fake) as a Spring AI {@link ChatModel}, in the same JVM.
 *
 * <pre>{@code
 * ChatClient chat = ChatClient.builder(ParleySpringChatModel.builder(LlamaChatModel.load(file)).build())
 *     .defaultAdvisors(ToolCallingAdvisor.builder().build())
 *     .build();
 * }</pre>
 *
 * <p>The prompt's options (over {@link #getOptions()}) reach the Parley model: temperature,
 * top-p, top-k, penalties, maximum tokens and stop sequences; the tool callbacks of {@link
 * ToolCallingChatOptions} as tool specifications (their definitions only: in Spring AI 2 the {@code
 * ToolCallingAdvisor} runs the tools, so a reply that calls them is returned as an {@link
 * AssistantMessage} with {@link AssistantMessage.ToolCall}s and finish reason {@code TOOL_CALLS}, and
 * their results come back as a {@link ToolResponseMessage}); the output schema of {@link
 * StructuredOutputChatOptions} as a JSON Schema the reply is sampled under. Usage and finish reasons go
 * into the metadata, the model's reasoning into the message's {@code reasoningContent} property.
 *
 * <p>{@link #stream} returns a {@link Flux} of one response per token, then one with the tool calls,
 * the finish reason and the usage; cancelling the subscription cancels the generation in the Parley
 * model (a llama model frees its slot at the next token). Given an {@code ObservationRegistry},
 * each call and each stream is one {@code gen_ai.client.operation} observation, with the request's
 * options, the usage and the finish reasons, as Spring AI's own models report them. Thread-safe; the
 * Parley model is the caller's to close.
 */
public final class ParleySpringChatModel implements ChatModel {
  /** The message property that holds the model's reasoning. */
  public static final String REASONING = "reasoningContent";

  /** The provider name observations carry ({@code gen_ai.system}). */
  public static final String PROVIDER = "parley";

  private static final ChatModelObservationConvention DEFAULT_CONVENTION = new DefaultChatModelObservationConvention();

  private final dev.parley.chat.ChatModel model;
  private final ChatOptions defaults;
  private final ObservationRegistry observations;
  private final @Nullable ChatModelObservationConvention convention;

  private ParleySpringChatModel(Builder b) {
    this.model = b.model;
    this.defaults = b.defaults;
    this.observations = b.observations;
    this.convention = b.convention;
  }

  public static Builder builder(dev.parley.chat.ChatModel model) {
    return new Builder(model);
  }

  @Override
  public ChatOptions getOptions() {
    return defaults;
  }

  @Override
  public ChatResponse call(Prompt prompt) {
    ChatRequest request = request(prompt);
    ChatModelObservationContext context = ChatModelObservationContext.builder()
        .prompt(observed(prompt)).provider(PROVIDER).build();
    return ChatModelObservationDocumentation.CHAT_MODEL_OPERATION
        .observation(convention, DEFAULT_CONVENTION, () -> context, observations)
        .observe(() -> {
          ChatResponse response = response(model.generate(request));
          context.setResponse(response);
          return response;
        });
  }

  /**
   * The stream as Spring AI's own models observe it: one observation from subscription to the end,
   * a child of the subscriber's, given the aggregated response.
   */
  @Override
  public Flux<ChatResponse> stream(Prompt prompt) {
    ChatRequest request = request(prompt);
    return Flux.deferContextual(subscriberContext -> {
      ChatModelObservationContext context = ChatModelObservationContext.builder()
          .prompt(observed(prompt)).provider(PROVIDER).streaming(true).build();
      Observation observation = ChatModelObservationDocumentation.CHAT_MODEL_OPERATION
          .observation(convention, DEFAULT_CONVENTION, () -> context, observations);
      observation.parentObservation(subscriberContext.getOrDefault(ObservationThreadLocalAccessor.KEY, null)).start();
      Flux<ChatResponse> responses = generation(request)
          .doOnError(observation::error)
          .doFinally(signal -> observation.stop())
          .contextWrite(c -> c.put(ObservationThreadLocalAccessor.KEY, observation));
      return new MessageAggregator().aggregate(responses, context::setResponse);
    });
  }

  private Flux<ChatResponse> generation(ChatRequest request) {
    return Flux.create(sink -> {
      StreamHandler handler = new StreamHandler() {
        @Override
        public void onToken(String token) {
          sink.next(chunk(AssistantMessage.builder().content(token).build()));
        }

        @Override
        public void onReasoning(String text) {
          sink.next(chunk(AssistantMessage.builder().content("").properties(Map.of(REASONING, text)).build()));
        }

        @Override
        public void onToolCall(ToolCallDelta delta) {
          // Whole calls go in the last response, as Spring AI's advisors read them.
        }

        @Override
        public void onComplete(dev.parley.chat.ChatResponse response) {
          sink.next(last(response));
          sink.complete();
        }

        @Override
        public void onError(ParleyException error) {
          sink.error(error);
        }
      };
      try {
        GenerationHandle handle = model.stream(request, handler);
        sink.onCancel(handle::cancel); // a subscriber that goes away; a finished stream needs none
      } catch (ParleyException e) {
        sink.error(e);
      }
    }, FluxSink.OverflowStrategy.BUFFER);
  }

  private ChatResponse chunk(AssistantMessage message) {
    return new ChatResponse(List.of(new Generation(message)), ChatResponseMetadata.builder().model(model.id()).build());
  }

  /** The prompt as observations report it: its options over the defaults, the model named. */
  private Prompt observed(Prompt prompt) {
    ChatOptions.Builder<?> b = ChatOptions.builder()
        .model(Objects.requireNonNullElse(either(prompt.getOptions(), ChatOptions::getModel), model.id()))
        .temperature(either(prompt.getOptions(), ChatOptions::getTemperature))
        .topP(either(prompt.getOptions(), ChatOptions::getTopP))
        .topK(either(prompt.getOptions(), ChatOptions::getTopK))
        .frequencyPenalty(either(prompt.getOptions(), ChatOptions::getFrequencyPenalty))
        .presencePenalty(either(prompt.getOptions(), ChatOptions::getPresencePenalty))
        .maxTokens(either(prompt.getOptions(), ChatOptions::getMaxTokens))
        .stopSequences(either(prompt.getOptions(), ChatOptions::getStopSequences));
    return new Prompt(prompt.getInstructions(), b.build());
  }

  /** The stream's last response: no text (it came token by token), the calls, finish reason and usage. */
  private ChatResponse last(dev.parley.chat.ChatResponse r) {
    return response(new dev.parley.chat.ChatResponse("", r.finishReason(), r.usage(), r.toolCalls(), null));
  }

  private ChatResponse response(dev.parley.chat.ChatResponse r) {
    List<AssistantMessage.ToolCall> calls = new ArrayList<>();
    for (ToolCall c : r.toolCalls()) {
      calls.add(new AssistantMessage.ToolCall(c.id(), "function", c.name(), c.arguments()));
    }
    AssistantMessage.Builder<?> message = AssistantMessage.builder().content(r.text()).toolCalls(calls);
    if (r.reasoning() != null) {
      message.properties(Map.of(REASONING, r.reasoning()));
    }
    Generation generation = new Generation(message.build(),
        ChatGenerationMetadata.builder().finishReason(finishReason(r.finishReason())).build());
    return new ChatResponse(List.of(generation), ChatResponseMetadata.builder().id("parley-" + UUID.randomUUID()).model(model.id())
        .usage(new DefaultUsage(r.usage().promptTokens(), r.usage().completionTokens())).build());
  }

  /** Spring AI's names, as its OpenAI model reports them. */
  static String finishReason(FinishReason reason) {
    return switch (reason) {
      case STOP, STOP_SEQUENCE -> "STOP";
      case LENGTH -> "LENGTH";
      case TOOL_CALLS -> "TOOL_CALLS";
      case CANCELLED -> "CANCELLED";
    };
  }

  /** The prompt as Parley's request, its options over the defaults. */
  ChatRequest request(Prompt prompt) {
    List<Message> messages = new ArrayList<>();
    for (org.springframework.ai.chat.messages.Message m : prompt.getInstructions()) {
      String text = m.getText() == null ? "" : m.getText();
      switch (m.getMessageType()) {
        case SYSTEM -> messages.add(Message.system(text));
        case USER -> messages.add(Message.user(text));
        case ASSISTANT -> {
          Message out = Message.assistant(text);
          if (m instanceof AssistantMessage a && a.hasToolCalls()) {
            out = out.withToolCalls(a.getToolCalls().stream()
                .map(c -> new ToolCall(c.id(), c.name(), c.arguments() == null || c.arguments().isBlank() ? "{}" : c.arguments()))
                .toList());
          }
          messages.add(out);
        }
        case TOOL -> {
          for (ToolResponseMessage.ToolResponse r : ((ToolResponseMessage) m).getResponses()) {
            messages.add(Message.toolResult(r.id(), r.responseData()));
          }
        }
      }
    }
    return new ChatRequest(messages, options(prompt.getOptions()));
  }

  private GenerationOptions options(@Nullable ChatOptions given) {
    GenerationOptions.Builder b = GenerationOptions.builder();
    ifSet(either(given, ChatOptions::getTemperature), b::temperature);
    ifSet(either(given, ChatOptions::getTopP), b::topP);
    ifSet(either(given, ChatOptions::getTopK), b::topK);
    ifSet(either(given, ChatOptions::getFrequencyPenalty), b::frequencyPenalty);
    ifSet(either(given, ChatOptions::getPresencePenalty), b::presencePenalty);
    ifSet(either(given, ChatOptions::getMaxTokens), b::maxTokens);
    List<String> stops = either(given, ChatOptions::getStopSequences);
    if (stops != null && !stops.isEmpty()) {
      b.stopSequences(stops);
    }
    List<ToolSpecification> tools = new ArrayList<>();
    for (ChatOptions o : new ChatOptions[] {given, defaults}) {
      if (o instanceof ToolCallingChatOptions t && t.getToolCallbacks() != null && tools.isEmpty()) {
        for (ToolCallback callback : t.getToolCallbacks()) {
          ToolDefinition d = callback.getToolDefinition();
          tools.add(new ToolSpecification(d.name(), d.description() == null ? "" : d.description(),
              d.inputSchema() == null || d.inputSchema().isBlank() ? ToolSpecification.NO_PARAMETERS : d.inputSchema()));
        }
      }
    }
    if (!tools.isEmpty()) {
      b.tools(tools);
    }
    String schema = null;
    for (ChatOptions o : new ChatOptions[] {given, defaults}) {
      if (schema == null && o instanceof StructuredOutputChatOptions s && s.getOutputSchema() != null
          && !s.getOutputSchema().isBlank()) {
        schema = s.getOutputSchema();
      }
    }
    if (schema != null) {
      b.responseFormat(ResponseFormat.jsonSchema("response", schema, false));
    }
    ifSet(parley(given, ParleyChatOptions::getSeed), b::seed);
    ifSet(parley(given, ParleyChatOptions::getMinP), b::minP);
    ifSet(parley(given, ParleyChatOptions::getRepeatPenalty), b::repeatPenalty);
    ifSet(parley(given, ParleyChatOptions::getThinking), b::thinking);
    return b.build();
  }

  private static <T> void ifSet(@Nullable T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }

  /** A Parley option: the prompt's where it has Parley options that set it, else the defaults'. */
  private <T> @Nullable T parley(@Nullable ChatOptions given, Function<ParleyChatOptions, @Nullable T> getter) {
    T value = given instanceof ParleyChatOptions p ? getter.apply(p) : null;
    return value != null ? value : defaults instanceof ParleyChatOptions d ? getter.apply(d) : null;
  }

  private <T> @Nullable T either(@Nullable ChatOptions given, Function<ChatOptions, @Nullable T> getter) {
    T value = given == null ? null : getter.apply(given);
    return value != null ? value : getter.apply(defaults);
  }

  @Override
  public String toString() {
    return "ParleySpringChatModel[" + model.id() + "]";
  }

  /** Settings of {@link ParleySpringChatModel}. */
  public static final class Builder {
    private final dev.parley.chat.ChatModel model;
    private ChatOptions defaults = ParleyChatOptions.builder().build();
    private ObservationRegistry observations = ObservationRegistry.NOOP;
    private @Nullable ChatModelObservationConvention convention;

    private Builder(dev.parley.chat.ChatModel model) {
      this.model = Objects.requireNonNull(model, "model must not be null");
    }

    /**
     * Options a prompt's own override, field by field (none by default). Give {@link
     * ParleyChatOptions} to keep native structured output working through a {@code ChatClient}.
     */
    public Builder defaultOptions(ChatOptions options) {
      this.defaults = Objects.requireNonNull(options, "options must not be null");
      return this;
    }

    /**
     * Where each call and stream is observed ({@code gen_ai.client.operation}, as Spring AI's own
     * models report it: the request's options, the usage and the finish reasons); none by default.
     */
    public Builder observationRegistry(ObservationRegistry registry) {
      this.observations = Objects.requireNonNull(registry, "registry must not be null");
      return this;
    }

    /** Names and tags observations differently than Spring AI's default convention. */
    public Builder observationConvention(ChatModelObservationConvention convention) {
      this.convention = Objects.requireNonNull(convention, "convention must not be null");
      return this;
    }

    public ParleySpringChatModel build() {
      return new ParleySpringChatModel(this);
    }
  }
}
