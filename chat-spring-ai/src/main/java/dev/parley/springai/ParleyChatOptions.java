package dev.parley.springai;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.DefaultToolCallingChatOptions;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.tool.ToolCallback;

/**
 * Spring AI's chat options for a Parley model: the common ones, tool callbacks, a native output
 * schema, and what only Parley's models take (seed, min-p, repeat penalty, thinking). They are {@link
 * ParleySpringChatModel}'s default options, so a {@code ChatClient} with {@code
 * AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT} hands {@code .entity(...)}'s schema to the model,
 * which samples the reply under it, instead of asking for the format in the prompt.
 *
 * <pre>{@code
 * ChatOptions options = ParleyChatOptions.builder().temperature(0.7).seed(42L).thinking(false).build();
 * }</pre>
 */
public final class ParleyChatOptions extends DefaultToolCallingChatOptions implements StructuredOutputChatOptions {
  private final @Nullable String outputSchema;
  private final @Nullable Long seed;
  private final @Nullable Double minP;
  private final @Nullable Double repeatPenalty;
  private final @Nullable Boolean thinking;

  private ParleyChatOptions(Builder b) {
    super(b.toolCallbacks(), b.toolContext(), b.model(), b.frequencyPenalty(), b.maxTokens(), b.presencePenalty(),
        b.stopSequences(), b.temperature(), b.topK(), b.topP());
    this.outputSchema = b.outputSchema;
    this.seed = b.seed;
    this.minP = b.minP;
    this.repeatPenalty = b.repeatPenalty;
    this.thinking = b.thinking;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The JSON Schema the reply is sampled under, or null for a free reply. */
  @Override
  public @Nullable String getOutputSchema() {
    return outputSchema;
  }

  /** The sampling seed, or null for a fresh one each reply. */
  public @Nullable Long getSeed() {
    return seed;
  }

  public @Nullable Double getMinP() {
    return minP;
  }

  public @Nullable Double getRepeatPenalty() {
    return repeatPenalty;
  }

  /** Whether the model thinks before it answers, or null to let its chat template decide. */
  public @Nullable Boolean getThinking() {
    return thinking;
  }

  @Override
  public Builder mutate() {
    return builder().model(getModel()).frequencyPenalty(getFrequencyPenalty()).maxTokens(getMaxTokens())
        .presencePenalty(getPresencePenalty()).stopSequences(getStopSequences()).temperature(getTemperature())
        .topK(getTopK()).topP(getTopP()).toolCallbacks(getToolCallbacks()).toolContext(getToolContext())
        .outputSchema(outputSchema).seed(seed).minP(minP).repeatPenalty(repeatPenalty).thinking(thinking);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParleyChatOptions p && super.equals(p) && Objects.equals(getToolCallbacks(), p.getToolCallbacks())
        && Objects.equals(getToolContext(), p.getToolContext()) && Objects.equals(outputSchema, p.outputSchema)
        && Objects.equals(seed, p.seed) && Objects.equals(minP, p.minP) && Objects.equals(repeatPenalty, p.repeatPenalty)
        && Objects.equals(thinking, p.thinking);
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), getToolCallbacks(), getToolContext(), outputSchema, seed, minP, repeatPenalty,
        thinking);
  }

  /** Builds {@link ParleyChatOptions}; the common and tool setters are Spring AI's. */
  public static final class Builder extends DefaultToolCallingChatOptions.Builder<Builder>
      implements StructuredOutputChatOptions.Builder<Builder> {
    private @Nullable String outputSchema;
    private @Nullable Long seed;
    private @Nullable Double minP;
    private @Nullable Double repeatPenalty;
    private @Nullable Boolean thinking;

    private Builder() {}

    @Override
    public Builder outputSchema(@Nullable String outputSchema) {
      this.outputSchema = outputSchema;
      return this;
    }

    public Builder seed(@Nullable Long seed) {
      this.seed = seed;
      return this;
    }

    public Builder minP(@Nullable Double minP) {
      this.minP = minP;
      return this;
    }

    public Builder repeatPenalty(@Nullable Double repeatPenalty) {
      this.repeatPenalty = repeatPenalty;
      return this;
    }

    public Builder thinking(@Nullable Boolean thinking) {
      this.thinking = thinking;
      return this;
    }

    /** Takes every value {@code other} sets, Parley's included when it is a Parley builder. */
    @Override
    public Builder combineWith(ChatOptions.Builder<?> other) {
      super.combineWith(other);
      if (other instanceof Builder p) {
        outputSchema = p.outputSchema != null ? p.outputSchema : outputSchema;
        seed = p.seed != null ? p.seed : seed;
        minP = p.minP != null ? p.minP : minP;
        repeatPenalty = p.repeatPenalty != null ? p.repeatPenalty : repeatPenalty;
        thinking = p.thinking != null ? p.thinking : thinking;
      }
      return this;
    }

    @Override
    public Builder clone() {
      Builder copy = super.clone();
      copy.outputSchema = outputSchema;
      copy.seed = seed;
      copy.minP = minP;
      copy.repeatPenalty = repeatPenalty;
      copy.thinking = thinking;
      return copy;
    }

    @Override
    public ParleyChatOptions build() {
      return new ParleyChatOptions(this);
    }

    private List<ToolCallback> toolCallbacks() {
      return toolCallbacks == null ? List.of() : toolCallbacks;
    }

    private Map<String, Object> toolContext() {
      return toolContext == null ? Map.of() : toolContext;
    }

    private @Nullable String model() {
      return model;
    }

    private @Nullable Double frequencyPenalty() {
      return frequencyPenalty;
    }

    private @Nullable Integer maxTokens() {
      return maxTokens;
    }

    private @Nullable Double presencePenalty() {
      return presencePenalty;
    }

    private @Nullable List<String> stopSequences() {
      return stopSequences;
    }

    private @Nullable Double temperature() {
      return temperature;
    }

    private @Nullable Integer topK() {
      return topK;
    }

    private @Nullable Double topP() {
      return topP;
    }
  }
}
