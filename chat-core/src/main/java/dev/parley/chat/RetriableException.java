package dev.parley.chat;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A failure that may pass: the same request can succeed later (overload, timeout, open breaker). */
public class RetriableException extends ParleyException {
  private static final long serialVersionUID = 1L;

  private final @Nullable Duration retryAfter;

  public RetriableException(String message) {
    this(message, null, null);
  }

  public RetriableException(String message, @Nullable Duration retryAfter, @Nullable Throwable cause) {
    super(message, cause);
    this.retryAfter = retryAfter;
  }

  @Override
  public final boolean isRetriable() {
    return true;
  }

  @Override
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
