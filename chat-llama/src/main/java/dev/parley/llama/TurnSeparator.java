package dev.parley.llama;

import dev.parley.chat.Message;
import java.util.List;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * What a chat template puts between an assistant's reply and the next user message (ChatML:
 * {@code <|im_end|>\n<|im_start|>user\n}), found by rendering a probe conversation. The engine
 * computes it into an idle sequence as soon as a reply ends, so the next turn's time to first token
 * goes to the user's own words.
 */
final class TurnSeparator {
  private static final String A = "PARLEY-PROBE-A";
  private static final String B = "PARLEY-PROBE-B";
  private static final String C = "PARLEY-PROBE-C";

  private TurnSeparator() {}

  /**
   * The separator, or null unless the template renders turns as a growing prefix: the prompt for
   * one user message, then the reply, then the separator, then the next message.
   *
   * @param render the template: the system text and the turns to the prompt, ending with the
   *     assistant's header
   */
  static @Nullable String find(BiFunction<String, List<Message>, String> render) {
    String first = render.apply("", List.of(Message.user(A)));
    String both = render.apply("", List.of(Message.user(A), Message.assistant(B), Message.user(C)));
    int at = both.indexOf(B);
    int next = both.indexOf(C);
    if (!both.startsWith(first) || at != first.length() || next < at + B.length()) {
      return null;
    }
    return both.substring(at + B.length(), next);
  }
}
