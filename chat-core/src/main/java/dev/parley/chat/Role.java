package dev.parley.chat;

/** Who wrote a {@link Message}. */
public enum Role {
  /** Instructions to the model; pinned in conversation memory, never trimmed. */
  SYSTEM,
  /** Text written by the person chatting. */
  USER,
  /** Text written by the model. */
  ASSISTANT
}
