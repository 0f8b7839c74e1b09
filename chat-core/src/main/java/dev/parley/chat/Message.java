package dev.parley.chat;

import dev.parley.core.internal.Checks;
import java.time.Instant;
import java.util.Map;

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
 */
public record Message(Role role, String content, Instant timestamp, Map<String, String> metadata) {

  public Message {
    Checks.notNull(role, "role");
    Checks.notNull(content, "content");
    Checks.notNull(timestamp, "timestamp");
    Checks.notNull(metadata, "metadata");
    metadata = Map.copyOf(metadata);
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
    return new Message(role, content, timestamp, copy);
  }

  @Override
  public String toString() {
    String shown = content.length() > 60 ? content.substring(0, 57) + "..." : content;
    return "Message[" + role + ", \"" + shown + "\", " + timestamp + "]";
  }
}
