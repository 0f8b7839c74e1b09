package dev.parley.testing;

import dev.parley.chat.ToolCall;
import dev.parley.core.internal.Checks;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link FakeChatModel} answers to one request: reasoning, text, and tool calls, streamed
 * in that order.
 *
 * <pre>{@code
 * FakeChatModel model = FakeChatModel.thatReplays(
 *     ScriptedReply.toolCalls(new ToolCall("call_1", "get_weather", "{\"city\":\"Oslo\"}")),
 *     ScriptedReply.text("It is 4 degrees in Oslo.").withReasoning("The tool said 4."));
 * }</pre>
 *
 * @param text the reply text
 * @param toolCalls the tool calls to ask for; each must name one of the request's tools
 * @param reasoning the reasoning to stream before the text; null for none
 */
public record ScriptedReply(String text, List<ToolCall> toolCalls, @Nullable String reasoning) {
  public ScriptedReply {
    Checks.notNull(text, "text");
    Checks.notNull(toolCalls, "toolCalls");
    toolCalls = List.copyOf(toolCalls);
  }

  /** A reply of text alone. */
  public static ScriptedReply text(String text) {
    return new ScriptedReply(text, List.of(), null);
  }

  /** A reply that asks for {@code calls} and has no text. */
  public static ScriptedReply toolCalls(ToolCall... calls) {
    Checks.notNull(calls, "calls");
    if (calls.length == 0) {
      throw new IllegalArgumentException("calls must not be empty");
    }
    return new ScriptedReply("", List.of(calls), null);
  }

  /** A copy that streams {@code reasoning} first. */
  public ScriptedReply withReasoning(String reasoning) {
    return new ScriptedReply(text, toolCalls, Checks.notNull(reasoning, "reasoning"));
  }

  /** A copy with {@code text} as its text. */
  public ScriptedReply withText(String text) {
    return new ScriptedReply(text, toolCalls, reasoning);
  }
}
