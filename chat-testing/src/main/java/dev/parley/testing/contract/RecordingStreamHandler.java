package dev.parley.testing.contract;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolCallDelta;
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
 * contract: a token after the terminal call, a second terminal call, calls that overlap, tool-call
 * deltas out of order, or reasoning and tool-call deltas that do not add up to the response's.
 * Thread-safe. Use it in tests of code that streams.
 */
public class RecordingStreamHandler implements StreamHandler {
  private final List<String> tokens = new ArrayList<>();
  private final StringBuilder reasoning = new StringBuilder();
  private final List<String[]> calls = new ArrayList<>();
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
  public void onReasoning(String text) {
    enter("onReasoning");
    try {
      synchronized (this) {
        if (terminalCalls > 0) {
          violations.add("onReasoning(\"" + text + "\") after the terminal call");
        }
        reasoning.append(text);
      }
    } finally {
      inCall.set(false);
    }
  }

  @Override
  public void onToolCall(ToolCallDelta delta) {
    enter("onToolCall");
    try {
      synchronized (this) {
        if (terminalCalls > 0) {
          violations.add("onToolCall(" + delta + ") after the terminal call");
        }
        if (delta.index() == calls.size()) {
          if (delta.opensCall()) {
            calls.add(new String[] {delta.id(), delta.name(), delta.arguments()});
          } else {
            violations.add("tool call " + delta.index() + " began without its id and name: " + delta);
          }
        } else if (delta.index() > calls.size()) {
          violations.add("tool call " + delta.index() + " streamed before call " + calls.size() + ": " + delta);
        } else if (delta.opensCall()) {
          violations.add("tool call " + delta.index() + " was opened twice: " + delta);
        } else {
          String[] call = calls.get(delta.index());
          call[2] = call[2] + delta.arguments();
        }
      }
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
          checkAddsUp(response);
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

  private void checkAddsUp(ChatResponse response) {
    String streamed = reasoning.toString();
    String reasoned = response.reasoning() == null ? "" : response.reasoning();
    if (!streamed.equals(reasoned)) {
      violations.add("the streamed reasoning \"" + streamed + "\" is not the response's \"" + reasoned + "\"");
    }
    List<ToolCall> assembled = toolCalls();
    if (response.finishReason() == FinishReason.TOOL_CALLS) {
      if (!assembled.equals(response.toolCalls())) {
        violations.add("the streamed tool calls " + assembled + " are not the response's " + response.toolCalls());
      }
    } else if (!assembled.isEmpty() && response.finishReason() != FinishReason.LENGTH
        && response.finishReason() != FinishReason.CANCELLED) {
      violations.add("tool calls " + assembled + " streamed, but the reply finished with " + response.finishReason());
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

  /** The reasoning received, concatenated; empty when none came. */
  public synchronized String reasoning() {
    return reasoning.toString();
  }

  /** The tool calls the deltas received add up to, in order. */
  public synchronized List<ToolCall> toolCalls() {
    List<ToolCall> out = new ArrayList<>();
    for (String[] c : calls) {
      out.add(new ToolCall(c[0], c[1], c[2]));
    }
    return out;
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
