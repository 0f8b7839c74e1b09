package dev.parley.llama;

/**
 * What a model's engine did: its decode steps and how much of the prompts it did not have to
 * process again. The FFM engine counts all of it; the JNI engine (llama.cpp's server inside
 * java-llama.cpp) reports none of it, and every count is 0.
 *
 * @param engine {@code "ffm"} or {@code "jni"}
 * @param steps decode steps ({@code llama_decode} calls) run
 * @param stepTokens tokens in those steps (generated tokens and prompt chunks): {@code
 *     stepTokens / steps} is the mean batch size
 * @param promptTokens prompt tokens of the requests started
 * @param promptTokensReused prompt tokens whose KV cells were already there (the sequence's cache,
 *     a restored conversation state, or a prefix copied from another sequence): not processed again
 * @param statesSaved conversation states saved to host memory when their sequence was needed
 * @param statesRestored saved states put back for a returning conversation
 * @param stateMisses requests naming a conversation with no cells and no saved state
 * @param statesEvicted saved states dropped: to keep within the byte bounds (of memory, or with a
 *     spill folder, of the folder), or because the folder could not take or give one back
 * @param stateBytes bytes the saved states hold now
 * @param stateBytesLimit the bound on {@code stateBytes}
 * @param decodeNanos time spent inside {@code llama_decode}
 * @param stepNanos time the decode loop spent on its steps in all: {@code llama_decode} plus the
 *     loop's own work (batch building, sampling, handing tokens to the delivery threads); {@code
 *     1 - decodeNanos / stepNanos} is the share of a step not spent computing
 * @param stateNanos time the decode loop spent saving conversations' states to host memory and
 *     putting them back, reading spilled ones included (no step runs meanwhile)
 * @param statesSpilled states moved from memory to the spill folder when memory was full
 * @param statesReadBack states read back from the spill folder (counted in {@code statesRestored}
 *     too once put back)
 * @param spillBytes bytes the spill folder holds now
 * @param spillBytesLimit the bound on {@code spillBytes}; 0 without a spill folder
 */
public record EngineStatistics(
    String engine, long steps, long stepTokens, long promptTokens, long promptTokensReused, long statesSaved,
    long statesRestored, long stateMisses, long statesEvicted, long stateBytes, long stateBytesLimit,
    long decodeNanos, long stepNanos, long stateNanos, long statesSpilled, long statesReadBack, long spillBytes,
    long spillBytesLimit) {

  static EngineStatistics none(String engine) {
    return new EngineStatistics(engine, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  /** Mean tokens per decode step; 0 before the first. */
  public double meanBatchTokens() {
    return steps == 0 ? 0 : (double) stepTokens / steps;
  }

  /** The sum of two models' statistics (a pool's replicas). */
  EngineStatistics plus(EngineStatistics o) {
    return new EngineStatistics(engine, steps + o.steps, stepTokens + o.stepTokens, promptTokens + o.promptTokens,
        promptTokensReused + o.promptTokensReused, statesSaved + o.statesSaved, statesRestored + o.statesRestored,
        stateMisses + o.stateMisses, statesEvicted + o.statesEvicted, stateBytes + o.stateBytes,
        stateBytesLimit + o.stateBytesLimit, decodeNanos + o.decodeNanos, stepNanos + o.stepNanos,
        stateNanos + o.stateNanos, statesSpilled + o.statesSpilled, statesReadBack + o.statesReadBack,
        spillBytes + o.spillBytes, spillBytesLimit + o.spillBytesLimit);
  }

  /** The share of the decode loop's step time spent outside {@code llama_decode}; 0 before the first step. */
  public double loopOverhead() {
    return stepNanos == 0 ? 0 : 1.0 - (double) decodeNanos / stepNanos;
  }
}
