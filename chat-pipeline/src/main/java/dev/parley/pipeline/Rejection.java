package dev.parley.pipeline;

import dev.parley.sanitize.RejectionReason;

/**
 * Why the pipeline refused a turn before it cost anything. The sanitizer says why it refused a text
 * ({@link RejectionReason}); {@link #of} maps that to the turn's rejection.
 */
public enum Rejection {
  /** The sanitizer refused the text: empty, not valid Unicode, or one character repeated past its limit. */
  INVALID_TEXT,
  /** The text is over the sanitizer's size limits. */
  TOO_LONG,
  /** The message, with the conversation's pinned system messages, does not fit the model's memory. */
  OVER_MEMORY,
  /** The conversation does not exist (it was deleted, or never created). */
  NO_SUCH_CONVERSATION,
  /** The pipeline is draining: it finishes what it started and takes nothing new. */
  DRAINING;

  /**
   * The turn's rejection for the sanitizer's reason: its size limits are {@link #TOO_LONG}, the
   * rest {@link #INVALID_TEXT}. Every reason is mapped here, so a new one does not compile until it is.
   */
  public static Rejection of(RejectionReason reason) {
    return switch (reason) {
      case TOO_LONG, TOO_MANY_BYTES -> TOO_LONG;
      case EMPTY, LONE_SURROGATE, REPEATED_CHARACTERS -> INVALID_TEXT;
    };
  }
}
