package dev.parley.chat;

import dev.parley.core.internal.Checks;
import java.time.Instant;
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
 * @param role who wrote the message
 * @param content the text; may be empty, never null
 * @param timestamp when the message was created
 * @param metadata application data kept with the message (for example a client message id)
 * @param finishReason how the model's reply ended, for an assistant message that a model wrote: a
 *     {@link FinishReason#CANCELLED} reply keeps the text generated before it was cancelled, a
 *     {@link FinishReason#LENGTH} one was cut at the token limit; null for every other message
 */
public record Message(
    Role role, String content, Instant timestamp, Map<String, String> metadata, @Nullable FinishReason finishReason) {

  public Message {
    Checks.notNull(role, "role");
    Checks.notNull(content, "content");
    Checks.notNull(timestamp, "timestamp");
    Checks.notNull(metadata, "metadata");
    metadata = Map.copyOf(metadata);
    if (finishReason != null && role != Role.ASSISTANT) {
      throw new IllegalArgumentException("only an assistant message has a finish reason, this is a " + role + " message");
    }
  }

  /** A message with no finish reason. */
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

  /** A copy of this message with {@code key} set to {@code value} in its metadata. */
  public Message withMetadata(String key, String value) {
    Checks.notNull(key, "key");
    Checks.notNull(value, "value");
    var copy = new java.util.HashMap<>(metadata);
    copy.put(key, value);
    return new Message(role, content, timestamp, copy, finishReason);
  }

  /** A copy of this message with {@code content} as its text. */
  public Message withContent(String content) {
    return new Message(role, content, timestamp, metadata, finishReason);
  }

  /**
   * A copy of this assistant message recording how the reply ended.
   *
   * @throws IllegalArgumentException if this is not an assistant message
   */
  public Message withFinishReason(FinishReason finishReason) {
    Checks.notNull(finishReason, "finishReason");
    return new Message(role, content, timestamp, metadata, finishReason);
  }

  /** Whether this is a reply the model did not finish: cancelled, so its text is what came before. */
  public boolean isCancelledReply() {
    return finishReason == FinishReason.CANCELLED;
  }

  @Override
  public String toString() {
    String shown = content.length() > 60 ? content.substring(0, 57) + "..." : content;
    return "Message[" + role + ", \"" + shown + "\", " + timestamp + (finishReason == null ? "" : ", " + finishReason) + "]";
  }
}
