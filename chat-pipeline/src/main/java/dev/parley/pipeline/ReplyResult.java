package dev.parley.pipeline;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.ParleyException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a reply ended, once the pipeline is done with it (stored, or not).
 *
 * @param status complete, cancelled or failed
 * @param response the reply (partial when cancelled); null when it failed
 * @param error why it failed; null otherwise
 * @param stored whether the reply is now in its conversation
 * @param storeFailure why it could not be stored, if the store failed; a client should be told
 * @param fromCache whether the pipeline's response cache answered, not the model: its tokens were
 *     not generated now
 */
public record ReplyResult(ReplyStatus status, @Nullable ChatResponse response, @Nullable ParleyException error,
    boolean stored, @Nullable RuntimeException storeFailure, boolean fromCache) {
  /** A reply the model generated (not one replayed from a response cache). */
  public ReplyResult(ReplyStatus status, @Nullable ChatResponse response, @Nullable ParleyException error,
      boolean stored, @Nullable RuntimeException storeFailure) {
    this(status, response, error, stored, storeFailure, false);
  }

  public ReplyResult {
    Objects.requireNonNull(status, "status must not be null");
    if ((status == ReplyStatus.FAILED) != (error != null)) {
      throw new IllegalArgumentException("an error comes with FAILED and only with it");
    }
    if (status != ReplyStatus.FAILED && response == null) {
      throw new IllegalArgumentException(status + " needs a response");
    }
  }
}
