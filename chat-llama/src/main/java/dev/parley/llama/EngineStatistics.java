package dev.parley.llama;

/**
 * What a model's engine did: its decode steps and how much of the prompts it did not have to
 * process again. The FFM engine counts all of it; the JNI engine (llama.cpp's server inside
 * java-llama.cpp) reports none of it, and every count is 0.
 *
 * <p>A value that can grow: new counts are added as new accessors (and builder setters), so code
 * that reads or builds one keeps compiling; it is not a record for that reason.
 */
public final class EngineStatistics {
  private final String engine;
  private final long steps;
  private final long stepTokens;
  private final long fillerTokens;
  private final long promptTokens;
  private final long promptTokensReused;
  private final long statesSaved;
  private final long statesRestored;
  private final long statesRestoredByPrefix;
  private final long stateMisses;
  private final long statesEvicted;
  private final long stateBytes;
  private final long stateBytesLimit;
  private final long decodeNanos;
  private final long stepNanos;
  private final long stateNanos;
  private final long statesSpilled;
  private final long statesReadBack;
  private final long spillBytes;
  private final long spillBytesLimit;

  private EngineStatistics(Builder b) {
    this.engine = b.engine;
    this.steps = b.steps;
    this.stepTokens = b.stepTokens;
    this.fillerTokens = b.fillerTokens;
    this.promptTokens = b.promptTokens;
    this.promptTokensReused = b.promptTokensReused;
    this.statesSaved = b.statesSaved;
    this.statesRestored = b.statesRestored;
    this.statesRestoredByPrefix = b.statesRestoredByPrefix;
    this.stateMisses = b.stateMisses;
    this.statesEvicted = b.statesEvicted;
    this.stateBytes = b.stateBytes;
    this.stateBytesLimit = b.stateBytesLimit;
    this.decodeNanos = b.decodeNanos;
    this.stepNanos = b.stepNanos;
    this.stateNanos = b.stateNanos;
    this.statesSpilled = b.statesSpilled;
    this.statesReadBack = b.statesReadBack;
    this.spillBytes = b.spillBytes;
    this.spillBytesLimit = b.spillBytesLimit;
  }

  /** Statistics to fill in: a model that reports its engine's work, or a test. */
  public static Builder builder() {
    return new Builder();
  }

  /** {@code "ffm"} or {@code "jni"}. */
  public String engine() {
    return engine;
  }

  /** Decode steps ({@code llama_decode} calls) run. */
  public long steps() {
    return steps;
  }

  /** Tokens in those steps (generated tokens and prompt chunks): {@code stepTokens / steps} is the mean batch size. */
  public long stepTokens() {
    return stepTokens;
  }

  /**
   * Throwaway tokens decoded beside {@link #stepTokens} for sequences waiting between others, so
   * that llama.cpp computed those steps in one pass over the weights instead of several; their
   * cells are removed after the step. Not counted in {@link #stepTokens}.
   */
  public long fillerTokens() {
    return fillerTokens;
  }

  /** Prompt tokens of the requests started. */
  public long promptTokens() {
    return promptTokens;
  }

  /** Prompt tokens whose KV cells were already there (the slot's cache, a restored conversation state, or a prefix copied from another sequence): not processed again. */
  public long promptTokensReused() {
    return promptTokensReused;
  }

  /** Conversation states saved to host memory when their slot was needed. */
  public long statesSaved() {
    return statesSaved;
  }

  /** Saved states put back for a returning conversation. */
  public long statesRestored() {
    return statesRestored;
  }

  /**
   * Of {@link #statesRestored}, those found by the longest common prompt prefix rather than by the
   * request's conversation id: a client that resends its history (OpenAI's {@code /v1}), or a
   * conversation that starts the way a saved one did.
   */
  public long statesRestoredByPrefix() {
    return statesRestoredByPrefix;
  }

  /** Requests naming a conversation with no cells and no saved state. */
  public long stateMisses() {
    return stateMisses;
  }

  /** Saved states dropped: to keep within the byte bounds (of memory, or with a spill folder, of the folder), or because the folder could not take or give one back. */
  public long statesEvicted() {
    return statesEvicted;
  }

  /** Bytes the saved states hold now. */
  public long stateBytes() {
    return stateBytes;
  }

  /** The bound on {@link #stateBytes}. */
  public long stateBytesLimit() {
    return stateBytesLimit;
  }

  /** Time spent inside {@code llama_decode}. */
  public long decodeNanos() {
    return decodeNanos;
  }

  /** Time the decode loop spent on its steps in all: {@code llama_decode} plus the loop's own work (batch building, sampling, handing tokens to the delivery threads). */
  public long stepNanos() {
    return stepNanos;
  }

  /** Time the decode loop spent saving conversations' states to host memory and putting them back, reading spilled ones included (no step runs meanwhile). */
  public long stateNanos() {
    return stateNanos;
  }

  /** States moved from memory to the spill folder when memory was full. */
  public long statesSpilled() {
    return statesSpilled;
  }

  /** States read back from the spill folder (counted in {@link #statesRestored} too once put back). */
  public long statesReadBack() {
    return statesReadBack;
  }

  /** Bytes the spill folder holds now. */
  public long spillBytes() {
    return spillBytes;
  }

  /** The bound on {@link #spillBytes}; 0 without a spill folder. */
  public long spillBytesLimit() {
    return spillBytesLimit;
  }

  static EngineStatistics none(String engine) {
    return builder().engine(engine).build();
  }

  /** Mean tokens per decode step; 0 before the first. */
  public double meanBatchTokens() {
    return steps == 0 ? 0 : (double) stepTokens / steps;
  }

  /** The share of the decode loop's step time spent outside {@code llama_decode}; 0 before the first step. */
  public double loopOverhead() {
    return stepNanos == 0 ? 0 : 1.0 - (double) decodeNanos / stepNanos;
  }

  /** The sum of two models' statistics (a pool's replicas). */
  EngineStatistics plus(EngineStatistics o) {
    return builder().engine(engine).steps(steps + o.steps).stepTokens(stepTokens + o.stepTokens)
        .fillerTokens(fillerTokens + o.fillerTokens)
        .promptTokens(promptTokens + o.promptTokens).promptTokensReused(promptTokensReused + o.promptTokensReused)
        .statesSaved(statesSaved + o.statesSaved).statesRestored(statesRestored + o.statesRestored)
        .statesRestoredByPrefix(statesRestoredByPrefix + o.statesRestoredByPrefix)
        .stateMisses(stateMisses + o.stateMisses).statesEvicted(statesEvicted + o.statesEvicted)
        .stateBytes(stateBytes + o.stateBytes).stateBytesLimit(stateBytesLimit + o.stateBytesLimit)
        .decodeNanos(decodeNanos + o.decodeNanos).stepNanos(stepNanos + o.stepNanos).stateNanos(stateNanos + o.stateNanos)
        .statesSpilled(statesSpilled + o.statesSpilled).statesReadBack(statesReadBack + o.statesReadBack)
        .spillBytes(spillBytes + o.spillBytes).spillBytesLimit(spillBytesLimit + o.spillBytesLimit).build();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof EngineStatistics s)) {
      return false;
    }
    return engine.equals(s.engine) && steps == s.steps && stepTokens == s.stepTokens && fillerTokens == s.fillerTokens &&
        promptTokens == s.promptTokens && promptTokensReused == s.promptTokensReused &&
        statesSaved == s.statesSaved && statesRestored == s.statesRestored &&
        statesRestoredByPrefix == s.statesRestoredByPrefix && stateMisses == s.stateMisses &&
        statesEvicted == s.statesEvicted && stateBytes == s.stateBytes &&
        stateBytesLimit == s.stateBytesLimit && decodeNanos == s.decodeNanos && stepNanos == s.stepNanos &&
        stateNanos == s.stateNanos && statesSpilled == s.statesSpilled &&
        statesReadBack == s.statesReadBack && spillBytes == s.spillBytes &&
        spillBytesLimit == s.spillBytesLimit;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(engine, steps, stepTokens, fillerTokens, promptTokens, promptTokensReused, statesSaved,
        statesRestored, statesRestoredByPrefix, stateMisses, statesEvicted, stateBytes, stateBytesLimit, decodeNanos, stepNanos,
        stateNanos, statesSpilled, statesReadBack, spillBytes, spillBytesLimit);
  }

  @Override
  public String toString() {
    return "EngineStatistics[" + "engine=" + engine + ", steps=" + steps + ", stepTokens=" + stepTokens + ", fillerTokens=" + fillerTokens +
        ", promptTokens=" + promptTokens + ", promptTokensReused=" + promptTokensReused +
        ", statesSaved=" + statesSaved + ", statesRestored=" + statesRestored + ", statesRestoredByPrefix=" + statesRestoredByPrefix +
        ", stateMisses=" + stateMisses + ", statesEvicted=" + statesEvicted + ", stateBytes=" + stateBytes +
        ", stateBytesLimit=" + stateBytesLimit + ", decodeNanos=" + decodeNanos +
        ", stepNanos=" + stepNanos + ", stateNanos=" + stateNanos + ", statesSpilled=" + statesSpilled +
        ", statesReadBack=" + statesReadBack + ", spillBytes=" + spillBytes +
        ", spillBytesLimit=" + spillBytesLimit + "]";
  }

  /** Builds {@link EngineStatistics}: every value 0 or empty until set. */
  public static final class Builder {
    private String engine = "";
    private long steps;
    private long stepTokens;
    private long fillerTokens;
    private long promptTokens;
    private long promptTokensReused;
    private long statesSaved;
    private long statesRestored;
    private long statesRestoredByPrefix;
    private long stateMisses;
    private long statesEvicted;
    private long stateBytes;
    private long stateBytesLimit;
    private long decodeNanos;
    private long stepNanos;
    private long stateNanos;
    private long statesSpilled;
    private long statesReadBack;
    private long spillBytes;
    private long spillBytesLimit;

    private Builder() {}

    public Builder engine(String engine) {
      this.engine = java.util.Objects.requireNonNull(engine, "engine must not be null");
      return this;
    }

    public Builder steps(long steps) {
      this.steps = steps;
      return this;
    }

    public Builder stepTokens(long stepTokens) {
      this.stepTokens = stepTokens;
      return this;
    }

    public Builder fillerTokens(long fillerTokens) {
      this.fillerTokens = fillerTokens;
      return this;
    }

    public Builder promptTokens(long promptTokens) {
      this.promptTokens = promptTokens;
      return this;
    }

    public Builder promptTokensReused(long promptTokensReused) {
      this.promptTokensReused = promptTokensReused;
      return this;
    }

    public Builder statesSaved(long statesSaved) {
      this.statesSaved = statesSaved;
      return this;
    }

    public Builder statesRestored(long statesRestored) {
      this.statesRestored = statesRestored;
      return this;
    }

    public Builder statesRestoredByPrefix(long statesRestoredByPrefix) {
      this.statesRestoredByPrefix = statesRestoredByPrefix;
      return this;
    }

    public Builder stateMisses(long stateMisses) {
      this.stateMisses = stateMisses;
      return this;
    }

    public Builder statesEvicted(long statesEvicted) {
      this.statesEvicted = statesEvicted;
      return this;
    }

    public Builder stateBytes(long stateBytes) {
      this.stateBytes = stateBytes;
      return this;
    }

    public Builder stateBytesLimit(long stateBytesLimit) {
      this.stateBytesLimit = stateBytesLimit;
      return this;
    }

    public Builder decodeNanos(long decodeNanos) {
      this.decodeNanos = decodeNanos;
      return this;
    }

    public Builder stepNanos(long stepNanos) {
      this.stepNanos = stepNanos;
      return this;
    }

    public Builder stateNanos(long stateNanos) {
      this.stateNanos = stateNanos;
      return this;
    }

    public Builder statesSpilled(long statesSpilled) {
      this.statesSpilled = statesSpilled;
      return this;
    }

    public Builder statesReadBack(long statesReadBack) {
      this.statesReadBack = statesReadBack;
      return this;
    }

    public Builder spillBytes(long spillBytes) {
      this.spillBytes = spillBytes;
      return this;
    }

    public Builder spillBytesLimit(long spillBytesLimit) {
      this.spillBytesLimit = spillBytesLimit;
      return this;
    }

    public EngineStatistics build() {
      return new EngineStatistics(this);
    }
  }
}
