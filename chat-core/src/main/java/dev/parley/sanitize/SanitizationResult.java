package dev.parley.sanitize;

import dev.parley.core.internal.Checks;

/**
 * What {@link InputSanitizer#sanitize} decided: {@link Accepted} with the cleaned text, or {@link
 * Rejected} with a reason code and a message for a person. A rejection is an expected outcome, so
 * it is a value, not an exception.
 */
public sealed interface SanitizationResult {

  /** True for {@link Accepted}. */
  boolean isAccepted();

  /**
   * The cleaned text when accepted.
   *
   * @throws IllegalStateException when rejected, with the rejection's message
   */
  String text();

  /**
   * The text was accepted.
   *
   * @param text the cleaned text, to store and send to the model as is
   * @param modified whether cleaning changed anything
   */
  record Accepted(String text, boolean modified) implements SanitizationResult {
    public Accepted {
      Checks.notNull(text, "text");
    }

    @Override
    public boolean isAccepted() {
      return true;
    }
  }

  /**
   * The text was refused.
   *
   * @param reason a stable code
   * @param message what was wrong, in words a user can act on
   */
  record Rejected(RejectionReason reason, String message) implements SanitizationResult {
    public Rejected {
      Checks.notNull(reason, "reason");
      Checks.notNull(message, "message");
    }

    @Override
    public boolean isAccepted() {
      return false;
    }

    @Override
    public String text() {
      throw new IllegalStateException("input was rejected (" + reason + "): " + message);
    }
  }
}
