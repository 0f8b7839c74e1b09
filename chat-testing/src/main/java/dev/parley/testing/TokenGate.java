package dev.parley.testing;

import dev.parley.core.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Lets a test decide when a {@link FakeChatModel} streams its tokens: each token passes the gate
 * only with a permit, so a reply cannot run ahead of, or finish before, the moment the test says.
 * This is how a test holds a slot, cancels after exactly three tokens, or deletes a conversation
 * while its reply streams, on any machine, without sleeping.
 *
 * <pre>{@code
 * TokenGate gate = TokenGate.closed();
 * FakeChatModel model = FakeChatModel.builder().responder(r -> "a b c d").gate(gate).build();
 * GenerationHandle reply = model.stream(request, handler);
 * gate.release(2);                        // "a" and " b" may stream now, nothing more
 * gate.awaitPassed(2, Duration.ofSeconds(10));
 * reply.cancel();                         // ends CANCELLED with the text "a b"
 * }</pre>
 *
 * <p>A cancelled reply never waits for a permit. One gate may serve several models and replies:
 * permits go to whichever token asks first. Thread-safe.
 */
public final class TokenGate {
  private final List<Runnable> waiting = new ArrayList<>();
  private boolean open;
  private long permits;
  private long passed;

  private TokenGate(boolean open) {
    this.open = open;
  }

  /** A gate no token passes until {@link #release} or {@link #open}. */
  public static TokenGate closed() {
    return new TokenGate(false);
  }

  /** A gate every token passes until {@link #close}. */
  public static TokenGate opened() {
    return new TokenGate(true);
  }

  /** Lets {@code tokens} more tokens through, in all. */
  public void release(int tokens) {
    Checks.atLeast(tokens, 0, "tokens");
    List<Runnable> wake;
    synchronized (this) {
      permits += tokens;
      wake = takeWaiting();
    }
    wake.forEach(Runnable::run);
  }

  /** Lets every token through from now on. */
  public void open() {
    List<Runnable> wake;
    synchronized (this) {
      open = true;
      wake = takeWaiting();
    }
    wake.forEach(Runnable::run);
  }

  /** Stops every token that has no permit from now on; permits already released stay. */
  public synchronized void close() {
    open = false;
  }

  /** Tokens that have passed the gate and reached the reply's handler so far. */
  public synchronized long passed() {
    return passed;
  }

  /**
   * Waits until {@code tokens} tokens in all have passed the gate, at most {@code timeout}. A token
   * counts once its handler's {@code onToken} has returned, so the handler has seen it.
   *
   * @return whether they did
   */
  public synchronized boolean awaitPassed(long tokens, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + Checks.notNegative(timeout, "timeout").toNanos();
    while (passed < tokens) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /**
   * Takes a permit for one token. Without one, {@code retry} is kept and run once permits are
   * released or the gate opens (on the releasing thread), and this returns false. The caller
   * reports the token with {@link #delivered()} once its handler has it.
   */
  synchronized boolean tryPass(Runnable retry) {
    if (!open) {
      if (permits == 0) {
        waiting.add(retry);
        return false;
      }
      permits--;
    }
    return true;
  }

  /** A token that passed has reached its handler: counted in {@link #passed()}. */
  synchronized void delivered() {
    passed++;
    notifyAll();
  }

  private List<Runnable> takeWaiting() {
    List<Runnable> wake = new ArrayList<>(waiting);
    waiting.clear();
    return wake;
  }

  @Override
  public synchronized String toString() {
    return "TokenGate[" + (open ? "open" : permits + " permits") + ", " + passed + " passed]";
  }
}
