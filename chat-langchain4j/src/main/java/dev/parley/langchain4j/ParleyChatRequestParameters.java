package dev.parley.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * LangChain4j's common request parameters plus what only Parley's models take: a sampling seed,
 * min-p, a repeat penalty, whether the model thinks before it answers, and whether one reply may call
 * several tools. Give them as a request's parameters or as the model's defaults; each unset value
 * falls back to the defaults, then to the Parley model's own, as LangChain4j merges the common ones.
 *
 * <pre>{@code
 * ChatRequest request = ChatRequest.builder()
 *     .messages(UserMessage.from("Roll a die"))
 *     .parameters(ParleyChatRequestParameters.builder().seed(42L).temperature(0.7).build())
 *     .build();
 * }</pre>
 */
public final class ParleyChatRequestParameters extends DefaultChatRequestParameters {
  private final @Nullable Long seed;
  private final @Nullable Double minP;
  private final @Nullable Double repeatPenalty;
  private final @Nullable Boolean thinking;
  private final @Nullable Boolean parallelToolCalls;

  private ParleyChatRequestParameters(Builder b) {
    super(b);
    this.seed = b.seed;
    this.minP = b.minP;
    this.repeatPenalty = b.repeatPenalty;
    this.thinking = b.thinking;
    this.parallelToolCalls = b.parallelToolCalls;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The sampling seed, or null to leave it to the model (a fresh seed each reply). */
  public @Nullable Long seed() {
    return seed;
  }

  public @Nullable Double minP() {
    return minP;
  }

  public @Nullable Double repeatPenalty() {
    return repeatPenalty;
  }

  /** Whether the model thinks before it answers, or null to let its chat template decide. */
  public @Nullable Boolean thinking() {
    return thinking;
  }

  public @Nullable Boolean parallelToolCalls() {
    return parallelToolCalls;
  }

  @Override
  public ChatRequestParameters overrideWith(ChatRequestParameters that) {
    return builder().overrideWith(this).overrideWith(that).build();
  }

  @Override
  public ChatRequestParameters defaultedBy(ChatRequestParameters that) {
    return builder().overrideWith(that).overrideWith(this).build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParleyChatRequestParameters p && super.equals(p) && Objects.equals(seed, p.seed)
        && Objects.equals(minP, p.minP) && Objects.equals(repeatPenalty, p.repeatPenalty)
        && Objects.equals(thinking, p.thinking) && Objects.equals(parallelToolCalls, p.parallelToolCalls);
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), seed, minP, repeatPenalty, thinking, parallelToolCalls);
  }

  @Override
  public String toString() {
    return "ParleyChatRequestParameters{" + super.toString() + ", seed=" + seed + ", minP=" + minP
        + ", repeatPenalty=" + repeatPenalty + ", thinking=" + thinking + ", parallelToolCalls=" + parallelToolCalls + "}";
  }

  /** Builds {@link ParleyChatRequestParameters}; the common setters are LangChain4j's. */
  public static final class Builder extends DefaultChatRequestParameters.Builder<Builder> {
    private @Nullable Long seed;
    private @Nullable Double minP;
    private @Nullable Double repeatPenalty;
    private @Nullable Boolean thinking;
    private @Nullable Boolean parallelToolCalls;

    private Builder() {}

    /** Takes every value {@code parameters} sets, the Parley ones included when it has them. */
    @Override
    public Builder overrideWith(@Nullable ChatRequestParameters parameters) {
      super.overrideWith(parameters);
      if (parameters instanceof ParleyChatRequestParameters p) {
        seed = p.seed != null ? p.seed : seed;
        minP = p.minP != null ? p.minP : minP;
        repeatPenalty = p.repeatPenalty != null ? p.repeatPenalty : repeatPenalty;
        thinking = p.thinking != null ? p.thinking : thinking;
        parallelToolCalls = p.parallelToolCalls != null ? p.parallelToolCalls : parallelToolCalls;
      }
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

    public Builder parallelToolCalls(@Nullable Boolean parallelToolCalls) {
      this.parallelToolCalls = parallelToolCalls;
      return this;
    }

    @Override
    public ParleyChatRequestParameters build() {
      return new ParleyChatRequestParameters(this);
    }
  }
}
