package dev.parley.llama;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolCallDelta;

/**
 * Between the engine and the caller's handler for a model whose replies may open with reasoning
 * ({@link ReasoningSyntax}): the text between the markers goes to {@link StreamHandler#onReasoning}
 * and into {@link ChatResponse#reasoning()}, the markers to no one, and the answer after them to
 * {@link StreamHandler#onToken} with its leading blank lines dropped. Reasoning counts only where the
 * reply starts with it (or the prompt opened it); a marker later in the answer is answer text.
 * Characters that could be the start of a marker are held until they turn out not to be one.
 */
final class ReasoningStream implements StreamHandler {
  private final StreamHandler downstream;
  private final ReasoningSyntax syntax;
  private final StringBuilder raw = new StringBuilder();
  private final StringBuilder reasoning = new StringBuilder();
  private final StringBuilder answer = new StringBuilder();
  private int at;
  private boolean inside;
  /** The answer has begun: no reasoning can open any more. */
  private boolean answering;
  /** Drop whitespace before the answer's first character (after the closing marker). */
  private boolean trimLeading;

  /** @param startsInside the prompt opened the reasoning (see {@link ReasoningSyntax#startsInside}) */
  ReasoningStream(StreamHandler downstream, ReasoningSyntax syntax, boolean startsInside) {
    this.downstream = downstream;
    this.syntax = syntax;
    this.inside = startsInside;
  }

  @Override
  public void onToken(String token) {
    raw.append(token);
    process(false);
  }

  private void process(boolean end) {
    while (at < raw.length()) {
      if (inside) {
        int close = raw.indexOf(syntax.close(), at);
        if (close >= 0) {
          reason(close);
          at = close + syntax.close().length();
          inside = false;
          answering = true;
          trimLeading = true;
          continue;
        }
        reason(end ? raw.length() : raw.length() - held(syntax.close()));
        return;
      }
      if (!answering) {
        int first = at;
        while (first < raw.length() && Character.isWhitespace(raw.charAt(first))) {
          first++;
        }
        if (first == raw.length() && !end) {
          return; // only blanks so far
        }
        String rest = raw.substring(first);
        if (rest.startsWith(syntax.open())) {
          at = first + syntax.open().length();
          inside = true;
          continue;
        }
        if (!end && syntax.open().startsWith(rest)) {
          return; // could still be the opening marker
        }
        answering = true;
      }
      answer(raw.length());
      return;
    }
  }

  /** How many trailing characters could begin {@code marker}. */
  private int held(String marker) {
    for (int n = Math.min(marker.length() - 1, raw.length() - at); n > 0; n--) {
      if (raw.substring(raw.length() - n).equals(marker.substring(0, n))) {
        return n;
      }
    }
    return 0;
  }

  private void reason(int upTo) {
    if (upTo > at) {
      String text = raw.substring(at, upTo);
      reasoning.append(text);
      downstream.onReasoning(text);
      at = upTo;
    }
  }

  private void answer(int upTo) {
    int from = at;
    if (trimLeading) {
      while (from < upTo && Character.isWhitespace(raw.charAt(from))) {
        from++;
      }
      if (from < upTo) {
        trimLeading = false;
      }
    }
    if (upTo > from) {
      String text = raw.substring(from, upTo);
      answer.append(text);
      downstream.onToken(text);
    }
    at = upTo;
  }

  @Override
  public void onReasoning(String text) {
    reasoning.append(text);
    downstream.onReasoning(text);
  }

  @Override
  public void onToolCall(ToolCallDelta delta) {
    downstream.onToolCall(delta);
  }

  @Override
  public void onComplete(ChatResponse response) {
    process(true);
    String thought = reasoning.length() == 0 ? response.reasoning() : reasoning.toString();
    downstream.onComplete(new ChatResponse(answer.toString(), response.finishReason(), response.usage(), response.toolCalls(),
        thought));
  }

  @Override
  public void onError(ParleyException error) {
    downstream.onError(error);
  }
}
