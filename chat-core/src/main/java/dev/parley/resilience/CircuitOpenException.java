package dev.parley.resilience;

import dev.parley.chat.ModelUnavailableException;
import java.time.Duration;

/**
 * A call was refused at once because the circuit is open. Retriable: {@link #retryAfter()} says when
 * the circuit lets a trial call through.
 */
public class CircuitOpenException extends ModelUnavailableException {
  private static final long serialVersionUID = 1L;

  private final String modelId;

  public CircuitOpenException(String modelId, Duration retryAfter) {
    super("circuit for model " + modelId + " is open; retry after " + retryAfter, retryAfter, null);
    this.modelId = modelId;
  }

  public String modelId() {
    return modelId;
  }
}
