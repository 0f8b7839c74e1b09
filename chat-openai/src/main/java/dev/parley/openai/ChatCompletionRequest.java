package dev.parley.openai;

import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A chat-completions request read by {@link ChatCompletions#parse}: the whole conversation (OpenAI's
 * API is stateless), the generation options, whether to stream, and the fields a server may log.
 *
 * @param model the model the client named, if any (the server decides whether it matters)
 * @param user the end-user id the client passed, if any
 */
public record ChatCompletionRequest(List<Message> messages, GenerationOptions options, boolean stream,
    boolean includeUsage, @Nullable String model, @Nullable String user) {
  public ChatCompletionRequest {
    messages = List.copyOf(messages);
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("messages must not be empty");
    }
    Objects.requireNonNull(options, "options must not be null");
  }
}
