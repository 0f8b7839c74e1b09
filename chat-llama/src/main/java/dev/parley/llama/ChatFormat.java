package dev.parley.llama;

import dev.parley.chat.Message;
import java.util.List;

/**
 * How a conversation becomes the prompt's text, ending with the assistant's header: the model's own
 * Jinja template ({@link JinjaChatFormat}) or one of llama.cpp's built-in formats ({@link
 * Engine#applyTemplate}).
 */
@FunctionalInterface
interface ChatFormat {
  /**
   * The prompt for {@code messages}, in order, system messages included.
   *
   * @throws dev.parley.chat.InvalidRequestException when the template refuses the conversation, with its reason
   */
  String render(List<Message> messages);
}
