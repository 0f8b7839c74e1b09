package dev.parley.llama;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A stream handler that holds its reply at the first token until the test lets it go: a request
 * streamed with it keeps its slot, however fast the machine generates, and the test decides when it
 * ends. It gives up holding after {@link #LIMIT}, so a test that forgets to release cannot hang the
 * build.
 */
final class HeldStream implements StreamHandler {
  static final Duration LIMIT = Duration.ofMinutes(2);

  private final CountDownLatch firstToken = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);

  @Override
  public void onToken(String token) {
    firstToken.countDown();
    try {
      if (!released.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("held for " + LIMIT + " and never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void onComplete(ChatResponse response) {}

  @Override
  public void onError(ParleyException error) {}

  /** Waits until the reply has its first token (and is held there); fails the test after a minute. */
  HeldStream awaitFirstToken() throws InterruptedException {
    if (!firstToken.await(1, TimeUnit.MINUTES)) {
      throw new AssertionError("the held request never got its first token");
    }
    return this;
  }

  /** Lets the reply go on. */
  void release() {
    released.countDown();
  }
}
