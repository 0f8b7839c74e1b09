package dev.parley.chat;

import org.jspecify.annotations.Nullable;

/** The model failed while generating, for a reason not known to pass. */
public class GenerationFailedException extends NonRetriableException {
  private static final long serialVersionUID = 1L;

  public GenerationFailedException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
