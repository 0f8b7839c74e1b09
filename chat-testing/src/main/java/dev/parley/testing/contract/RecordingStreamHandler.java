package dev.parley.testing.contract;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link StreamHandler} that records what it receives and every breach of the streaming
 * contract: a token after the terminal call, a second terminal call, or calls that overlap.
 * Thread-safe. Use it in tests of code that streams.
 */
public class RecordingStreamHandler implements StreamHandler {
  private final List<String> tokens = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final CountDownLatch terminal = new CountDownLatch(1);
  private final AtomicBoolean inCall = new AtomicBoolean();
  private final Consumer<String> onEachToken;
  private @Nullable ChatResponse response;
  private @Nullable ParleyException error;
  private int terminalCalls;

  public RecordingStreamHandler() {
    this(token -> {});
  }

  /** Also runs {@code onEachToken} for every token (for example to cancel, or to throw). */
  public RecordingStreamHandler(Consumer<String> onEachToken) {
    this.onEachToken = onEachToken;
  }

  @Override
  public void onToken(String token) {
    enter("onToken");
    try {
      synchronized (this) {
        if (terminalCalls > 0) {
          violations.add("onToken(\"" + token + "\") after the terminal call");
        }
        tokens.add(token);
      }
      onEachToken.accept(token);
    } finally {
      inCall.set(false);
    }
  }

  @Override
  public void onComplete(ChatResponse response) {
    enter("onComplete");
    try {
      synchronized (this) {
        terminalCalls++;
        if (terminalCalls > 1) {
          violations.add("onComplete after another terminal call");
        } else {
          this.response = response;
        }
      }
    } finally {
      inCall.set(false);
      terminal.countDown();
    }
  }

  @Override
  public void onError(ParleyException error) {
    enter("onError");
    try {
      synchronized (this) {
        terminalCalls++;
        if (terminalCalls > 1) {
          violations.add("onError after another terminal call: " + error);
        } else {
          this.error = error;
        }
      }
    } finally {
      inCall.set(false);
      terminal.countDown();
    }
  }

  private void enter(String call) {
    if (!inCall.compareAndSet(false, true)) {
      synchronized (this) {
        violations.add(call + " overlapped another call");
      }
    }
  }

  /** Waits for the terminal call; false if it did not come within {@code timeout}. */
  public boolean await(Duration timeout) throws InterruptedException {
    return terminal.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  public synchronized List<String> tokens() {
    return List.copyOf(tokens);
  }

  /** The tokens received, concatenated. */
  public synchronized String text() {
    return String.join("", tokens);
  }

  public synchronized @Nullable ChatResponse response() {
    return response;
  }

  public synchronized @Nullable ParleyException error() {
    return error;
  }

  public synchronized int terminalCalls() {
    return terminalCalls;
  }

  /** Breaches of the streaming contract seen so far; empty when the model behaved. */
  public synchronized List<String> violations() {
    return List.copyOf(violations);
  }
}
