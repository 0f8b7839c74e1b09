package dev.parley.pipeline;

import dev.parley.chat.GenerationOptions;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A message from {@code user} to a conversation, and whether the model should answer it.
 *
 * @param user who sends it: the rate-limit key and the message's author
 * @param conversationId the conversation it joins
 * @param text the message, before sanitizing
 * @param reply whether the model answers it (in a room, only messages that ask)
 * @param replyAuthor the author recorded on the reply, if any (a room names its assistant)
 * @param options the reply's generation options; the pipeline's defaults when null
 */
public record Turn(String user, String conversationId, String text, boolean reply, @Nullable String replyAuthor,
    @Nullable GenerationOptions options) {
  public Turn {
    Objects.requireNonNull(user, "user must not be null");
    Objects.requireNonNull(conversationId, "conversationId must not be null");
    Objects.requireNonNull(text, "text must not be null");
    if (user.isBlank()) {
      throw new IllegalArgumentException("user must not be blank");
    }
    if (conversationId.isBlank()) {
      throw new IllegalArgumentException("conversationId must not be blank");
    }
  }

  /** A message the model answers with the default options. */
  public static Turn message(String user, String conversationId, String text) {
    return new Turn(user, conversationId, text, true, null, null);
  }

  /** This message, stored but not answered. */
  public Turn withoutReply() {
    return new Turn(user, conversationId, text, false, null, options);
  }

  /** This message, answered by a reply recorded as written by {@code author}. */
  public Turn replyAs(String author) {
    return new Turn(user, conversationId, text, true, Objects.requireNonNull(author, "author must not be null"), options);
  }

  /** This message, answered with {@code options}. */
  public Turn withOptions(GenerationOptions options) {
    return new Turn(user, conversationId, text, reply, replyAuthor, Objects.requireNonNull(options, "options must not be null"));
  }
}
