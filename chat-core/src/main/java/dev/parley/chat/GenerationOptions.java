package dev.parley.chat;

import dev.parley.core.internal.Checks;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * How a reply is generated. Immutable; build with {@link #builder()} or start from {@link
 * #defaults()} and change one field with {@link #toBuilder()}.
 *
 * <p>A request is <em>deterministic</em> when its temperature is 0 or it carries a seed: the same
 * request to the same model then gives the same reply, which is what {@code ResponseCache} caches
 * by default.
 */
public final class GenerationOptions {
  /** The most token ids {@link Builder#logitBias} takes. */
  public static final int MAX_LOGIT_BIAS = 4096;
  /** The most tools {@link Builder#tools} takes (OpenAI's limit). */
  public static final int MAX_TOOLS = 128;

  private static final GenerationOptions DEFAULTS = builder().build();

  private final int maxTokens;
  private final double temperature;
  private final double topP;
  private final int topK;
  private final double minP;
  private final double repeatPenalty;
  private final double frequencyPenalty;
  private final double presencePenalty;
  private final Map<Integer, Float> logitBias;
  private final @Nullable Long seed;
  private final List<String> stopSequences;
  private final List<ToolSpecification> tools;
  private final ToolChoice toolChoice;
  private final boolean parallelToolCalls;
  private final ResponseFormat responseFormat;
  private final @Nullable Boolean thinking;

  private GenerationOptions(Builder b) {
    this.maxTokens = b.maxTokens;
    this.temperature = b.temperature;
    this.topP = b.topP;
    this.topK = b.topK;
    this.minP = b.minP;
    this.repeatPenalty = b.repeatPenalty;
    this.frequencyPenalty = b.frequencyPenalty;
    this.presencePenalty = b.presencePenalty;
    this.logitBias = b.logitBias;
    this.seed = b.seed;
    this.stopSequences = List.copyOf(b.stopSequences);
    this.tools = b.tools;
    this.toolChoice = b.toolChoice;
    this.parallelToolCalls = b.parallelToolCalls;
    this.responseFormat = b.responseFormat;
    this.thinking = b.thinking;
  }

  /**
   * 256 tokens, temperature 0.7, top-p 0.95, top-k 40, min-p 0.05, no repetition, frequency or
   * presence penalty, no logit bias, no seed, no stop sequences (llama.cpp's own sampling defaults where it
   * has them); no tools, free text.
   */
  public static GenerationOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxTokens = maxTokens;
    b.temperature = temperature;
    b.topP = topP;
    b.topK = topK;
    b.minP = minP;
    b.repeatPenalty = repeatPenalty;
    b.frequencyPenalty = frequencyPenalty;
    b.presencePenalty = presencePenalty;
    b.logitBias = logitBias;
    b.seed = seed;
    b.stopSequences = stopSequences;
    b.tools = tools;
    b.toolChoice = toolChoice;
    b.parallelToolCalls = parallelToolCalls;
    b.responseFormat = responseFormat;
    b.thinking = thinking;
    return b;
  }

  /** The most tokens the reply may have. */
  public int maxTokens() {
    return maxTokens;
  }

  /** Sampling temperature; 0 means greedy (always the most likely token). */
  public double temperature() {
    return temperature;
  }

  /** Nucleus sampling: only tokens within this cumulative probability are considered. */
  public double topP() {
    return topP;
  }

  /** Only the {@code topK} most likely tokens are considered; 0 considers all. */
  public int topK() {
    return topK;
  }

  /** Tokens less likely than {@code minP} times the most likely one are dropped; 0 keeps all. */
  public double minP() {
    return minP;
  }

  /**
   * Divides the likelihood of tokens that appeared in the last 64 generated tokens; 1 (the
   * default) leaves them alone.
   */
  public double repeatPenalty() {
    return repeatPenalty;
  }

  /** The sampling seed, when fixed. */
  public OptionalLong seed() {
    return seed == null ? OptionalLong.empty() : OptionalLong.of(seed);
  }

  /** Generation stops before any of these strings; they are not part of the reply. */
  public List<String> stopSequences() {
    return stopSequences;
  }

  /**
   * Subtracted from a token's logit once per time it already appears in the reply: 0 is none
   * (OpenAI's {@code frequency_penalty}, llama.cpp's {@code penalty_freq}).
   */
  public double frequencyPenalty() {
    return frequencyPenalty;
  }

  /**
   * Subtracted from a token's logit once it appears in the reply at all: 0 is none (OpenAI's
   * {@code presence_penalty}, llama.cpp's {@code penalty_present}).
   */
  public double presencePenalty() {
    return presencePenalty;
  }

  /**
   * Added to the logits of these token ids before sampling; -100 all but bans a token, +100 all
   * but forces it (OpenAI's {@code logit_bias}). Empty by default; immutable.
   */
  public Map<Integer, Float> logitBias() {
    return logitBias;
  }

  /** The tools the model may call; empty (the default) for none. Immutable. */
  public List<ToolSpecification> tools() {
    return tools;
  }

  /** Whether the model may, must or must not call {@link #tools()}; {@link ToolChoice#AUTO} by default. */
  public ToolChoice toolChoice() {
    return toolChoice;
  }

  /** Whether the model may ask for more than one tool call in one reply; true by default. */
  public boolean parallelToolCalls() {
    return parallelToolCalls;
  }

  /** The shape the reply must take; {@link ResponseFormat#TEXT} by default. */
  public ResponseFormat responseFormat() {
    return responseFormat;
  }

  /**
   * Whether a model that can reason before it answers should: true or false as asked (a chat
   * template's {@code enable_thinking}), or null to leave it to the model's template (the default).
   */
  public @Nullable Boolean thinking() {
    return thinking;
  }

  /** The tool named {@code name} among {@link #tools()}, or null. */
  public @Nullable ToolSpecification tool(String name) {
    for (ToolSpecification t : tools) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** True when the same request gives the same reply: temperature 0 or a fixed seed. */
  public boolean isDeterministic() {
    return temperature == 0.0 || seed != null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GenerationOptions other
        && maxTokens == other.maxTokens
        && Double.compare(temperature, other.temperature) == 0
        && Double.compare(topP, other.topP) == 0
        && topK == other.topK
        && Double.compare(minP, other.minP) == 0
        && Double.compare(repeatPenalty, other.repeatPenalty) == 0
        && Double.compare(frequencyPenalty, other.frequencyPenalty) == 0
        && Double.compare(presencePenalty, other.presencePenalty) == 0
        && logitBias.equals(other.logitBias)
        && java.util.Objects.equals(seed, other.seed)
        && stopSequences.equals(other.stopSequences)
        && tools.equals(other.tools)
        && toolChoice.equals(other.toolChoice)
        && parallelToolCalls == other.parallelToolCalls
        && responseFormat.equals(other.responseFormat)
        && java.util.Objects.equals(thinking, other.thinking);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(maxTokens, temperature, topP, topK, minP, repeatPenalty, frequencyPenalty,
        presencePenalty, logitBias, seed, stopSequences, tools, toolChoice, parallelToolCalls, responseFormat, thinking);
  }

  @Override
  public String toString() {
    return "GenerationOptions[maxTokens=" + maxTokens + ", temperature=" + temperature
        + ", topP=" + topP + ", topK=" + topK + ", minP=" + minP + ", repeatPenalty=" + repeatPenalty
        + ", frequencyPenalty=" + frequencyPenalty + ", presencePenalty=" + presencePenalty
        + ", logitBias=" + logitBias.size() + " tokens, seed=" + seed + ", stopSequences=" + stopSequences
        + (tools.isEmpty() ? "" : ", tools=" + tools.stream().map(ToolSpecification::name).toList() + ", toolChoice=" + toolChoice.mode()
            + (toolChoice.toolName() == null ? "" : " " + toolChoice.toolName()) + ", parallelToolCalls=" + parallelToolCalls)
        + (responseFormat.isJson() ? ", responseFormat=" + responseFormat.type() : "")
        + (thinking == null ? "" : ", thinking=" + thinking) + "]";
  }

  /** Builds {@link GenerationOptions}; each setter checks its argument at once. */
  public static final class Builder {
    private int maxTokens = 256;
    private double temperature = 0.7;
    private double topP = 0.95;
    private int topK = 40;
    private double minP = 0.05;
    private double repeatPenalty = 1.0;
    private double frequencyPenalty;
    private double presencePenalty;
    private Map<Integer, Float> logitBias = Map.of();
    private @Nullable Long seed;
    private List<String> stopSequences = List.of();
    private List<ToolSpecification> tools = List.of();
    private ToolChoice toolChoice = ToolChoice.AUTO;
    private @Nullable Boolean thinking;
    private boolean parallelToolCalls = true;
    private ResponseFormat responseFormat = ResponseFormat.TEXT;

    private Builder() {}

    public Builder maxTokens(int maxTokens) {
      this.maxTokens = Checks.positive(maxTokens, "maxTokens");
      return this;
    }

    public Builder temperature(double temperature) {
      this.temperature = Checks.inRange(temperature, 0.0, 2.0, "temperature");
      return this;
    }

    public Builder topP(double topP) {
      Checks.inRange(topP, 0.0, 1.0, "topP");
      if (topP == 0.0) {
        throw new IllegalArgumentException("topP must be > 0, was 0.0");
      }
      this.topP = topP;
      return this;
    }

    /** 0 considers every token. */
    public Builder topK(int topK) {
      if (topK < 0) {
        throw new IllegalArgumentException("topK must be >= 0, was " + topK);
      }
      this.topK = topK;
      return this;
    }

    /** 0 keeps every token. */
    public Builder minP(double minP) {
      this.minP = Checks.inRange(minP, 0.0, 1.0, "minP");
      return this;
    }

    /** 1 is none; above 1 makes repeats less likely. */
    public Builder repeatPenalty(double repeatPenalty) {
      Checks.inRange(repeatPenalty, 0.0, 2.0, "repeatPenalty");
      if (repeatPenalty == 0.0) {
        throw new IllegalArgumentException("repeatPenalty must be > 0, was 0.0");
      }
      this.repeatPenalty = repeatPenalty;
      return this;
    }

    /** From -2 to 2, OpenAI's range; 0 (the default) is none, above 0 makes repeated tokens less likely. */
    public Builder frequencyPenalty(double penalty) {
      this.frequencyPenalty = Checks.inRange(penalty, -2.0, 2.0, "frequencyPenalty");
      return this;
    }

    /** From -2 to 2, OpenAI's range; 0 (the default) is none, above 0 makes any used token less likely. */
    public Builder presencePenalty(double penalty) {
      this.presencePenalty = Checks.inRange(penalty, -2.0, 2.0, "presencePenalty");
      return this;
    }

    /**
     * Biases for at most {@value #MAX_LOGIT_BIAS} token ids (each at least 0), each from -100 to 100.
     * The model checks the ids against its vocabulary when a request starts.
     */
    public Builder logitBias(Map<Integer, ? extends Number> bias) {
      Checks.notNull(bias, "logitBias");
      if (bias.size() > MAX_LOGIT_BIAS) {
        throw new IllegalArgumentException("logitBias may hold at most " + MAX_LOGIT_BIAS + " tokens, was " + bias.size());
      }
      Map<Integer, Float> copy = new java.util.TreeMap<>();
      for (Map.Entry<Integer, ? extends Number> e : bias.entrySet()) {
        Integer token = e.getKey();
        Number value = e.getValue();
        if (token == null || token < 0) {
          throw new IllegalArgumentException("logitBias token ids must be >= 0, was " + token);
        }
        if (value == null) {
          throw new IllegalArgumentException("logitBias[" + token + "] must be a number, was null");
        }
        copy.put(token, (float) Checks.inRange(value.doubleValue(), -100.0, 100.0, "logitBias[" + token + "]"));
      }
      this.logitBias = java.util.Collections.unmodifiableMap(copy);
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder noSeed() {
      this.seed = null;
      return this;
    }

    public Builder stopSequences(List<String> stopSequences) {
      Checks.notNull(stopSequences, "stopSequences");
      for (int i = 0; i < stopSequences.size(); i++) {
        String s = stopSequences.get(i);
        if (s == null || s.isEmpty()) {
          throw new IllegalArgumentException(
              "stopSequences[" + i + "] must be a non-empty string, was " + (s == null ? "null" : "\"\""));
        }
      }
      this.stopSequences = List.copyOf(stopSequences);
      return this;
    }

    public Builder stopSequences(String... stopSequences) {
      return stopSequences(List.of(Checks.notNull(stopSequences, "stopSequences")));
    }

    /** At most {@value #MAX_TOOLS} tools with distinct names; empty for none. */
    public Builder tools(List<ToolSpecification> tools) {
      Checks.notNull(tools, "tools");
      if (tools.size() > MAX_TOOLS) {
        throw new IllegalArgumentException("tools may hold at most " + MAX_TOOLS + " tools, was " + tools.size());
      }
      java.util.Set<String> names = new java.util.HashSet<>();
      for (int i = 0; i < tools.size(); i++) {
        ToolSpecification t = Checks.notNull(tools.get(i), "tools[" + i + "]");
        if (!names.add(t.name())) {
          throw new IllegalArgumentException("tools[" + i + "] repeats the tool name \"" + t.name() + "\"");
        }
      }
      this.tools = List.copyOf(tools);
      return this;
    }

    public Builder tools(ToolSpecification... tools) {
      return tools(List.of(Checks.notNull(tools, "tools")));
    }

    /** {@link ToolChoice#REQUIRED} and a named tool need tools; a named one must be among them ({@link #build} checks). */
    public Builder toolChoice(ToolChoice toolChoice) {
      this.toolChoice = Checks.notNull(toolChoice, "toolChoice");
      return this;
    }

    public Builder parallelToolCalls(boolean parallelToolCalls) {
      this.parallelToolCalls = parallelToolCalls;
      return this;
    }

    /**
     * The shape of the answer: free text (the default), any JSON object, or JSON that fits a schema.
     * Beside tools under an {@link ToolChoice#AUTO auto} choice, the reply is a call or an answer
     * in this format; a required call is a call.
     */
    public Builder responseFormat(ResponseFormat responseFormat) {
      this.responseFormat = Checks.notNull(responseFormat, "responseFormat");
      return this;
    }

    /** Whether to reason before answering, where the model can (see {@link GenerationOptions#thinking()}). */
    public Builder thinking(boolean thinking) {
      this.thinking = thinking;
      return this;
    }

    /** Leaves reasoning to the model's template (the default). */
    public Builder thinkingAsTheModelDecides() {
      this.thinking = null;
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException if the tool choice needs a tool that {@link #tools} does not have
     */
    public GenerationOptions build() {
      if ((toolChoice.mode() == ToolChoice.Mode.REQUIRED || toolChoice.mode() == ToolChoice.Mode.NAMED) && tools.isEmpty()) {
        throw new IllegalArgumentException("toolChoice " + toolChoice.mode() + " needs at least one tool, tools is empty");
      }
      if (toolChoice.mode() == ToolChoice.Mode.NAMED && tools.stream().noneMatch(t -> t.name().equals(toolChoice.toolName()))) {
        throw new IllegalArgumentException("toolChoice names \"" + toolChoice.toolName() + "\", which is not one of the tools "
            + tools.stream().map(ToolSpecification::name).toList());
      }
      return new GenerationOptions(this);
    }
  }
}
