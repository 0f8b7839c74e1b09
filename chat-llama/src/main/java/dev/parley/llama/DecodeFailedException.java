package dev.parley.llama;

import dev.parley.chat.ModelUnavailableException;
import org.jspecify.annotations.Nullable;

/**
 * llama.cpp could not decode a step that a request took part in: with {@link #returnCode()} 1, no
 * room was left in the KV cache for it (other conversations held the cells); any other code is an
 * error inside llama.cpp. Only the requests in that step fail; the model keeps serving. Retriable:
 * room may be free later.
 */
public class DecodeFailedException extends ModelUnavailableException {
  private static final long serialVersionUID = 1L;

  private final int returnCode;

  public DecodeFailedException(String message, int returnCode, @Nullable Throwable cause) {
    super(message, null, cause);
    this.returnCode = returnCode;
  }

  /** What {@code llama_decode} returned: 1 when the KV cache had no room, negative on an error. */
  public int returnCode() {
    return returnCode;
  }
}
