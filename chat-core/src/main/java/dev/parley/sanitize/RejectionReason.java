package dev.parley.sanitize;

/** Why {@link InputSanitizer} refused a text. Stable codes, fit for an API's error body. */
public enum RejectionReason {
  /** Nothing but whitespace and removed characters. */
  EMPTY,
  /** More characters (code points) than {@code maxCharacters}. */
  TOO_LONG,
  /** More UTF-8 bytes than {@code maxUtf8Bytes}. */
  TOO_MANY_BYTES,
  /** A high or low surrogate without its partner: not valid Unicode text. */
  LONE_SURROGATE,
  /** One character repeated more than {@code maxRepeatedCharacters} times in a row. */
  REPEATED_CHARACTERS
}
