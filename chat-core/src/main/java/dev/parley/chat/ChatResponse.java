package dev.parley.chat;

import dev.parley.core.internal.Checks;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A generated reply.
 *
 * @param text the reply text (partial when {@code finishReason} is {@link FinishReason#CANCELLED});
 *     without the reasoning and the tool calls
 * @param finishReason why generation ended; {@link FinishReason#TOOL_CALLS} exactly when {@code
 *     toolCalls} is not empty
 * @param usage tokens used
 * @param toolCalls the tool calls the model asked for, in order; empty when it asked for none
 * @param reasoning the reasoning the model wrote before its answer; null when it wrote none
 */
public record ChatResponse(
    String text, FinishReason finishReason, TokenUsage usage, List<ToolCall> toolCalls, @Nullable String reasoning) {
  public ChatResponse {
    Checks.notNull(text, "text");
    Checks.notNull(finishReason, "finishReason");
    Checks.notNull(usage, "usage");
    Checks.notNull(toolCalls, "toolCalls");
    toolCalls = List.copyOf(toolCalls);
    if (!toolCalls.isEmpty() && finishReason != FinishReason.TOOL_CALLS) {
      throw new IllegalArgumentException("a reply with tool calls finishes with TOOL_CALLS, was " + finishReason);
    }
    if (toolCalls.isEmpty() && finishReason == FinishReason.TOOL_CALLS) {
      throw new IllegalArgumentException("a reply that finishes with TOOL_CALLS has at least one tool call");
    }
  }

  /** A reply of text alone. */
  public ChatResponse(String text, FinishReason finishReason, TokenUsage usage) {
    this(text, finishReason, usage, List.of(), null);
  }

  /** Whether the model asked for tool calls. */
  public boolean hasToolCalls() {
    return !toolCalls.isEmpty();
  }

  /** The reply as an assistant message, with its tool calls and reasoning, ready to append to a conversation. */
  public Message toMessage() {
    return new Message(Role.ASSISTANT, text, Instant.now(), Map.of(), null, toolCalls, null, reasoning);
  }
}
