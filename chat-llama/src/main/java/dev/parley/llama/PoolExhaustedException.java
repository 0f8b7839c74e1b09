package dev.parley.llama;

import dev.parley.chat.ModelUnavailableException;
import java.time.Duration;

/**
 * Every slot of a {@link ModelPool} is busy and its wait queue is full, or a request waited longer
 * than the pool's maximum wait. Retriable: try again once load drops.
 */
public class PoolExhaustedException extends ModelUnavailableException {
  private static final long serialVersionUID = 1L;

  public PoolExhaustedException(String message, Duration retryAfter) {
    super(message, retryAfter, null);
  }
}
