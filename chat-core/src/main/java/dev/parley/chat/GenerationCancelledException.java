package dev.parley.chat;

import org.jspecify.annotations.Nullable;

/** A blocking generation was cancelled or its thread interrupted. Not retriable: the caller stopped it. */
public class GenerationCancelledException extends NonRetriableException {
  private static final long serialVersionUID = 1L;

  public GenerationCancelledException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
