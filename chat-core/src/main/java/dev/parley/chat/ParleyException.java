package dev.parley.chat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The root of every exception Parley throws on purpose. Unchecked. {@link #isRetriable()} tells a
 * caller whether the same request may succeed later ({@link RetriableException}) or will fail
 * again ({@link NonRetriableException}).
 */
public abstract class ParleyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected ParleyException(String message) {
    super(message);
  }

  protected ParleyException(String message, Throwable cause) {
    super(message, cause);
  }

  /** True when trying the same request again later may succeed. */
  public abstract boolean isRetriable();

  /** How long to wait before retrying, when known. */
  public Optional<Duration> retryAfter() {
    return Optional.empty();
  }

  /**
   * Maps any throwable to a {@link ParleyException}, keeping the cause: a {@code ParleyException}
   * is returned as is, wrappers ({@link CompletionException}, {@link ExecutionException}) are
   * unwrapped, and anything else becomes a {@link GenerationFailedException}.
   */
  public static ParleyException from(Throwable t) {
    Throwable cause = t;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ParleyException p) {
      return p;
    }
    if (cause instanceof java.util.concurrent.CancellationException) {
      return new GenerationCancelledException("generation was cancelled", cause);
    }
    return new GenerationFailedException(
        "generation failed: " + cause.getClass().getSimpleName()
            + (cause.getMessage() == null ? "" : ": " + cause.getMessage()),
        cause);
  }
}
