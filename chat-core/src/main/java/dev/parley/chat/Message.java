package dev.parley.chat;

import dev.parley.core.internal.Checks;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One immutable chat message.
 *
 * <p>The content is kept exactly as given: Parley never escapes or rewrites what a user wrote (see
 * {@code dev.parley.sanitize.InputSanitizer} for cleaning input before it is accepted; escaping
 * belongs to whatever renders it). Metadata is free-form, copied on
 * construction, and not sent to the model.
 *
 * <p>An assistant message may carry the {@linkplain #toolCalls() tool calls} the model asked for
 * and the {@linkplain #reasoning() reasoning} it wrote before its answer. A {@link Role#TOOL}
 * message is the result of one call and names it by {@link #toolCallId()}.
 *
 * @param role who wrote the message
 * @param content the text; may be empty, never null
 * @param timestamp when the message was created
 * @param metadata application data kept with the message (for example a client message id)
 * @param finishReason how the model's reply ended, for an assistant message that a model wrote: a
 *     {@link FinishReason#CANCELLED} reply keeps the text generated before it was cancelled, a
 *     {@link FinishReason#LENGTH} one was cut at the token limit; null for every other message
 * @param toolCalls the tool calls of an assistant message, in order; empty for every other message
 * @param toolCallId the call a {@link Role#TOOL} message answers; null for every other message
 * @param reasoning the reasoning of an assistant message, kept apart from its content; null when
 *     there is none
 */
public record Message(
    Role role,
    String content,
    Instant timestamp,
    Map<String, String> metadata,
    @Nullable FinishReason finishReason,
    List<ToolCall> toolCalls,
    @Nullable String toolCallId,
    @Nullable String reasoning) {

  public Message {
    Checks.notNull(role, "role");
    Checks.notNull(content, "content");
    Checks.notNull(timestamp, "timestamp");
    Checks.notNull(metadata, "metadata");
    Checks.notNull(toolCalls, "toolCalls");
    metadata = Map.copyOf(metadata);
    for (int i = 0; i < toolCalls.size(); i++) {
      Checks.notNull(toolCalls.get(i), "toolCalls[" + i + "]");
    }
    toolCalls = List.copyOf(toolCalls);
    if (finishReason != null && role != Role.ASSISTANT) {
      throw new IllegalArgumentException("only an assistant message has a finish reason, this is a " + role + " message");
    }
    if (!toolCalls.isEmpty() && role != Role.ASSISTANT) {
      throw new IllegalArgumentException("only an assistant message has tool calls, this is a " + role + " message");
    }
    if (reasoning != null && role != Role.ASSISTANT) {
      throw new IllegalArgumentException("only an assistant message has reasoning, this is a " + role + " message");
    }
    if (role == Role.TOOL) {
      if (toolCallId == null) {
        throw new IllegalArgumentException("a TOOL message needs a toolCallId");
      }
      Checks.notBlank(toolCallId, "toolCallId of a TOOL message");
    } else if (toolCallId != null) {
      throw new IllegalArgumentException("only a TOOL message has a toolCallId, this is a " + role + " message");
    }
  }

  /** A message with no tool calls and no reasoning. */
  public Message(Role role, String content, Instant timestamp, Map<String, String> metadata, @Nullable FinishReason finishReason) {
    this(role, content, timestamp, metadata, finishReason, List.of(), null, null);
  }

  /** A message with no finish reason, no tool calls and no reasoning. */
  public Message(Role role, String content, Instant timestamp, Map<String, String> metadata) {
    this(role, content, timestamp, metadata, null);
  }

  public Message(Role role, String content) {
    this(role, content, Instant.now(), Map.of());
  }

  public static Message system(String content) {
    return new Message(Role.SYSTEM, content);
  }

  public static Message user(String content) {
    return new Message(Role.USER, content);
  }

  public static Message assistant(String content) {
    return new Message(Role.ASSISTANT, content);
  }

  /** An assistant message that asks for {@code calls} (at least one) and has no text. */
  public static Message assistant(List<ToolCall> calls) {
    Checks.notNull(calls, "calls");
    if (calls.isEmpty()) {
      throw new IllegalArgumentException("calls must not be empty");
    }
    return new Message(Role.ASSISTANT, "", Instant.now(), Map.of(), null, calls, null, null);
  }

  /** The result of the tool call {@code toolCallId}, to send back to the model. */
  public static Message toolResult(String toolCallId, String content) {
    return new Message(Role.TOOL, content, Instant.now(), Map.of(), null, List.of(), toolCallId, null);
  }

  /** A copy of this message with {@code key} set to {@code value} in its metadata. */
  public Message withMetadata(String key, String value) {
    Checks.notNull(key, "key");
    Checks.notNull(value, "value");
    var copy = new java.util.HashMap<>(metadata);
    copy.put(key, value);
    return new Message(role, content, timestamp, copy, finishReason, toolCalls, toolCallId, reasoning);
  }

  /** A copy of this message with {@code content} as its text. */
  public Message withContent(String content) {
    return new Message(role, content, timestamp, metadata, finishReason, toolCalls, toolCallId, reasoning);
  }

  /**
   * A copy of this assistant message recording how the reply ended.
   *
   * @throws IllegalArgumentException if this is not an assistant message
   */
  public Message withFinishReason(FinishReason finishReason) {
    Checks.notNull(finishReason, "finishReason");
    return new Message(role, content, timestamp, metadata, finishReason, toolCalls, toolCallId, reasoning);
  }

  /**
   * A copy of this assistant message with {@code calls} as its tool calls.
   *
   * @throws IllegalArgumentException if this is not an assistant message and {@code calls} is not empty
   */
  public Message withToolCalls(List<ToolCall> calls) {
    return new Message(role, content, timestamp, metadata, finishReason, calls, toolCallId, reasoning);
  }

  /**
   * A copy of this assistant message with {@code reasoning} (null: none).
   *
   * @throws IllegalArgumentException if this is not an assistant message and {@code reasoning} is not null
   */
  public Message withReasoning(@Nullable String reasoning) {
    return new Message(role, content, timestamp, metadata, finishReason, toolCalls, toolCallId, reasoning);
  }

  /** Whether this is a reply the model did not finish: cancelled, so its text is what came before. */
  public boolean isCancelledReply() {
    return finishReason == FinishReason.CANCELLED;
  }

  /** Whether this assistant message asks for tool calls. */
  public boolean hasToolCalls() {
    return !toolCalls.isEmpty();
  }

  @Override
  public String toString() {
    String shown = content.length() > 60 ? content.substring(0, 57) + "..." : content;
    return "Message[" + role + ", \"" + shown + "\", " + timestamp
        + (finishReason == null ? "" : ", " + finishReason)
        + (toolCalls.isEmpty() ? "" : ", " + toolCalls.size() + " tool calls")
        + (toolCallId == null ? "" : ", answers " + toolCallId)
        + (reasoning == null ? "" : ", reasoning of " + reasoning.length() + " chars") + "]";
  }
}
