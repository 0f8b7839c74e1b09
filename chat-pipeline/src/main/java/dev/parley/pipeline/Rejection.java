package dev.parley.pipeline;

/** Why a turn was refused before it cost anything. */
public enum Rejection {
  /** The sanitizer refused the text (empty, or made of what it removes). */
  INVALID_TEXT,
  /** The text is over the sanitizer's size limits. */
  TOO_LONG,
  /** The message, with the conversation's pinned system messages, does not fit the model's memory. */
  OVER_MEMORY,
  /** The conversation does not exist (it was deleted, or never created). */
  NO_SUCH_CONVERSATION,
  /** The pipeline is draining: it finishes what it started and takes nothing new. */
  DRAINING
}
