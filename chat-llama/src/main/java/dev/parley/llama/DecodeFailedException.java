package dev.parley.llama;

import dev.parley.chat.ModelUnavailableException;
import org.jspecify.annotations.Nullable;

/**
 * llama.cpp could not decode a step that a request took part in, most often because no room was
 * left in the KV cache for it (other conversations held the cells): {@link #returnCode()} 1, or -3
 * in llama.cpp b4916, which also returns -3 when a computation fails. Only the requests that needed
 * the room fail; the model keeps serving. Retriable: room may be free later.
 */
public class DecodeFailedException extends ModelUnavailableException {
  private static final long serialVersionUID = 1L;

  private final int returnCode;

  public DecodeFailedException(String message, int returnCode, @Nullable Throwable cause) {
    super(message, null, cause);
    this.returnCode = returnCode;
  }

  /** What {@code llama_decode} returned: 1 or -3 when the KV cache had no room, negative on an error. */
  public int returnCode() {
    return returnCode;
  }
}
