package dev.parley.chat;

import org.jspecify.annotations.Nullable;

/** A failure that will repeat: sending the same request again does not help. */
public class NonRetriableException extends ParleyException {
  private static final long serialVersionUID = 1L;

  public NonRetriableException(String message) {
    super(message);
  }

  public NonRetriableException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  @Override
  public final boolean isRetriable() {
    return false;
  }
}
