package dev.parley.chat;

import java.time.Duration;

/** A generation took longer than its timeout and was cancelled. Retriable. */
public class GenerationTimeoutException extends RetriableException {
  private static final long serialVersionUID = 1L;

  private final Duration timeout;

  public GenerationTimeoutException(Duration timeout) {
    super("generation did not complete within " + timeout, null, null);
    this.timeout = timeout;
  }

  public Duration timeout() {
    return timeout;
  }
}
