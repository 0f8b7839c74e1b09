package dev.parley.chat;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The model cannot take the request now (overloaded, down, all slots busy). Retriable. */
public class ModelUnavailableException extends RetriableException {
  private static final long serialVersionUID = 1L;

  public ModelUnavailableException(String message) {
    super(message);
  }

  public ModelUnavailableException(String message, @Nullable Duration retryAfter, @Nullable Throwable cause) {
    super(message, retryAfter, cause);
  }
}
