package dev.parley.chat;

/** Why a generation ended. */
public enum FinishReason {
  /** The model ended the reply itself (end-of-sequence token). */
  STOP,
  /** One of the request's stop sequences was produced; it is not part of the text. */
  STOP_SEQUENCE,
  /** The reply reached {@link GenerationOptions#maxTokens()}. */
  LENGTH,
  /** The model asked for tool calls ({@link ChatResponse#toolCalls()}) and waits for their results. */
  TOOL_CALLS,
  /** The generation was cancelled through its {@link GenerationHandle}; the text is partial. */
  CANCELLED
}
