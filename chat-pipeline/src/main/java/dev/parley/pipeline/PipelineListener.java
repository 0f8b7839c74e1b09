package dev.parley.pipeline;

import dev.parley.ratelimit.Decision;

/**
 * What a pipeline reports as it works, for metrics. Called on the threads that do the work: keep
 * each call short and never throw. Every method does nothing by default.
 */
public interface PipelineListener {
  /** A turn was refused before it cost anything. */
  default void rejected(Rejection reason) {}

  /** A turn was over one of the user's limits. */
  default void rateLimited(Decision decision) {}

  /** A reply's first token came {@code nanos} after it started. */
  default void firstToken(long nanos) {}

  /** A reply ended {@code nanos} after it started. */
  default void replyEnded(ReplyResult result, long nanos) {}
}
