package dev.parley.store.jdbc;

import dev.parley.chat.RetriableException;

/**
 * The database failed or could not be reached (locked, down, out of connections). Nothing of the
 * operation was kept; trying it again later may succeed.
 */
public final class StoreException extends RetriableException {
  private static final long serialVersionUID = 1L;

  StoreException(String message, Throwable cause) {
    super(message, null, cause);
  }
}
