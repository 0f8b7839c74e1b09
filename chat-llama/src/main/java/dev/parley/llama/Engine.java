package dev.parley.llama;

import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.StreamHandler;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What runs a loaded model for {@link LlamaChatModel}: llama.cpp through java-llama.cpp's JNI API
 * ({@link JniEngine}, any JDK), or through llama.cpp's C API with the Foreign Function & Memory API
 * ({@code FfmEngine}, JDK 22 and newer, from the multi-release jar). {@link Engines} picks one.
 *
 * <p>Thread-safe. {@link #close()} cancels what runs, waits up to the configured close timeout and
 * frees the native model.
 */
interface Engine extends AutoCloseable {
  /** {@code "ffm"} or {@code "jni"}. */
  String name();

  /** The tokens of {@code text}, special tokens parsed, no beginning-of-sequence token added. */
  int[] tokenize(String text);

  /**
   * The prompt for a conversation through the chat template.
   *
   * @param system every system message, joined
   * @param turns user and assistant messages in order
   */
  String applyTemplate(String system, List<Message> turns);

  /**
   * Starts generating a reply to {@code prompt}, whose {@link #tokenize tokens} are {@code tokens}
   * and which counts {@code promptTokens} with the beginning-of-sequence token (checked to fit the
   * context), for {@code conversation} (null: none named), its tokens constrained to {@code
   * grammar} (GBNF, rule {@code root}; null: none) — from the start, or, with a {@code
   * grammarTrigger} (a regular expression over the reply, llama.cpp's lazy grammar), from its first
   * group's match on; an engine that has no lazy grammars leaves such a reply unconstrained.
   */
  GenerationHandle start(String prompt, int[] tokens, int promptTokens, @Nullable String conversation,
      GenerationOptions options, @Nullable String grammar, @Nullable String grammarTrigger, StreamHandler handler);

  /** Compute threads for one token's step: as configured, or as calibration at load chose. */
  int threads();

  /** Compute threads for batched steps (prompts, several sequences): as configured or calibrated. */
  int batchThreads();

  /** What the engine did so far. */
  EngineStatistics statistics();

  /**
   * Waits until the engine has nothing to compute (no request running or waiting, nothing being
   * prepared for a conversation's next turn), at most {@code timeout}. For tests that count what a
   * settled engine holds.
   *
   * @return whether it became idle in time
   */
  boolean awaitIdle(java.time.Duration timeout) throws InterruptedException;

  @Override
  void close();
}
