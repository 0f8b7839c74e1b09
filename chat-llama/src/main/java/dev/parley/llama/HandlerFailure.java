package dev.parley.llama;

/** Carries a stream handler's exception out of an engine's generation loop. */
final class HandlerFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  HandlerFailure(RuntimeException cause) {
    super(cause);
  }

  @Override
  public synchronized RuntimeException getCause() {
    return (RuntimeException) super.getCause();
  }
}
