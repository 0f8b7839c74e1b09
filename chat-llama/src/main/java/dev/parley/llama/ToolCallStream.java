package dev.parley.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolCallDelta;
import java.io.IOException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Between the engine and the caller's handler when tools are offered: the text of a call does not
 * reach {@link StreamHandler#onToken}; the call reaches {@link StreamHandler#onToolCall} as its id and
 * name, then its arguments in pieces, once it is whole. Text before a call streams as it comes,
 * except the few characters that could be the start of the call's opening marker, held until they
 * turn out not to be. The reply ends with {@link FinishReason#TOOL_CALLS} and the calls; its text is
 * exactly what was streamed.
 *
 * <p>A reply that must be a call (a required or named tool choice, or {@link ToolCallSyntax#GENERIC}'s
 * JSON) streams nothing until it is whole. A call cut short (by the token limit, a cancel) is not
 * made: the reply ends as the engine ended it, with the text streamed.
 */
final class ToolCallStream implements StreamHandler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PIECE = 16;

  private final StreamHandler downstream;
  private final ToolCallSyntax syntax;
  private final boolean forced;
  /** A reply that is no call is a JSON answer, bare (an auto choice under a JSON response format). */
  private final boolean jsonAnswer;
  private final boolean parallel;
  private final String marker;
  private final StringBuilder raw = new StringBuilder();
  private final StringBuilder streamed = new StringBuilder();
  /** Where the call text begins in {@link #raw}, or -1 while it is text. */
  private int callStart = -1;
  /** For a syntax whose call has no opening marker: the reply began as text, so it holds no call. */
  private boolean plainText;

  ToolCallStream(StreamHandler downstream, ToolCallSyntax syntax, boolean forced, boolean jsonAnswer, boolean parallel) {
    this.downstream = downstream;
    this.syntax = syntax;
    this.forced = forced;
    this.jsonAnswer = jsonAnswer;
    this.parallel = parallel;
    this.marker = syntax.prefix.strip();
  }

  @Override
  public void onToken(String token) {
    raw.append(token);
    if (forced || callStart >= 0) {
      return;
    }
    if (plainText) {
      pass(raw.length());
      return;
    }
    if (marker.isEmpty()) {
      int first = 0;
      while (first < raw.length() && Character.isWhitespace(raw.charAt(first))) {
        first++;
      }
      if (first < raw.length()) {
        char c = raw.charAt(first);
        if (c == '{' || c == '[') {
          callStart = first;
        } else {
          plainText = true;
          pass(raw.length());
        }
      }
      return;
    }
    int at = raw.indexOf(marker, streamed.length());
    if (at >= 0) {
      callStart = at;
      pass(at);
      return;
    }
    pass(raw.length() - heldBack());
  }

  /** How many trailing characters could begin the marker. */
  private int heldBack() {
    for (int n = Math.min(marker.length() - 1, raw.length() - streamed.length()); n > 0; n--) {
      if (raw.substring(raw.length() - n).equals(marker.substring(0, n))) {
        return n;
      }
    }
    return 0;
  }

  private void pass(int upTo) {
    if (upTo > streamed.length()) {
      String text = raw.substring(streamed.length(), upTo);
      streamed.append(text);
      downstream.onToken(text);
    }
  }

  @Override
  public void onReasoning(String text) {
    downstream.onReasoning(text);
  }

  @Override
  public void onToolCall(ToolCallDelta delta) {
    downstream.onToolCall(delta);
  }

  @Override
  public void onComplete(ChatResponse response) {
    String all = raw.toString();
    List<ToolCall> calls = List.of();
    if (forced || callStart >= 0) {
      calls = syntax.parse(forced ? all : all.substring(callStart)).calls();
      if (!parallel && calls.size() > 1) {
        calls = calls.subList(0, 1);
      }
    }
    if (!calls.isEmpty()) {
      for (int i = 0; i < calls.size(); i++) {
        ToolCall c = calls.get(i);
        downstream.onToolCall(new ToolCallDelta(i, c.id(), c.name(), ""));
        for (int at = 0; at < c.arguments().length(); at += PIECE) {
          downstream.onToolCall(new ToolCallDelta(i, null, null,
              c.arguments().substring(at, Math.min(c.arguments().length(), at + PIECE))));
        }
      }
      downstream.onComplete(new ChatResponse(streamed.toString(), FinishReason.TOOL_CALLS, response.usage(), calls,
          response.reasoning()));
      return;
    }
    if (syntax.generic && forced) {
      String answer = jsonAnswer ? all.strip() : answer(all);
      if (answer != null) {
        if (!answer.isEmpty()) {
          streamed.append(answer);
          downstream.onToken(answer);
        }
        downstream.onComplete(new ChatResponse(streamed.toString(), response.finishReason(), response.usage(), List.of(),
            response.reasoning()));
        return;
      }
    }
    if (!forced) {
      pass(all.length()); // a held-back tail, or an opening marker that led to no whole call, is text
    }
    downstream.onComplete(new ChatResponse(streamed.toString(), response.finishReason(), response.usage(), List.of(),
        response.reasoning()));
  }

  /** The answer of a generic {@code {"response": "…"}} reply, or null if it is not one. */
  private static @Nullable String answer(String reply) {
    try {
      JsonNode node = JSON.readTree(reply);
      return node != null && node.path("response").isTextual() ? node.get("response").asText() : null;
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void onError(ParleyException error) {
    downstream.onError(error);
  }
}
