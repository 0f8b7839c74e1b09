package dev.parley.chat;

/** Who wrote a {@link Message}. */
public enum Role {
  /** Instructions to the model; pinned in conversation memory, never trimmed. */
  SYSTEM,
  /** Text written by the person chatting. */
  USER,
  /** Text written by the model, and the tool calls it asked for. */
  ASSISTANT,
  /** The result of a tool call, sent back to the model; {@link Message#toolCallId()} names the call. */
  TOOL
}
