package dev.parley.llama;

import dev.parley.chat.Message;
import java.util.List;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * How a model sets its reasoning apart from its answer ({@code <think>…</think>} for Qwen3, QwQ,
 * DeepSeek R1 and many more), found as {@link ToolCallSyntax} is: by rendering an assistant turn
 * with reasoning through the model's own template (thinking on) and reading the markers around it.
 * Whether a reply starts inside the reasoning (the prompt already opened it, as DeepSeek R1's
 * template does with thinking on) is read from each request's prompt ({@link #startsInside}).
 *
 * @param open the marker that opens the reasoning
 * @param close the marker that closes it
 */
record ReasoningSyntax(String open, String close) {
  /** Whether a reply to {@code prompt} starts inside the reasoning: the prompt ends with {@link #open}. */
  boolean startsInside(String prompt) {
    return prompt.stripTrailing().endsWith(open);
  }

  private static final String REASONING = "PARLEY_PROBE_REASONING";
  private static final String ANSWER = "PARLEY_PROBE_ANSWER";

  /**
   * The markers {@code render} (messages, generation prompt) writes around an assistant turn's
   * reasoning, or null when it writes none, or nothing that looks like a pair of markers.
   */
  static @Nullable ReasoningSyntax derive(BiFunction<List<Message>, Boolean, String> render) {
    try {
      Message user = Message.user("PARLEY_PROBE_USER");
      String turn = render.apply(List.of(user, Message.assistant(ANSWER).withReasoning(REASONING)), false);
      int r = turn.indexOf(REASONING);
      int a = turn.indexOf(ANSWER);
      if (r < 0 || a < r) {
        return openedByThePrompt(render, user);
      }
      String close = turn.substring(r + REASONING.length(), a).strip();
      String before = turn.substring(0, r).stripTrailing();
      int start = before.lastIndexOf('<');
      if (close.isEmpty() || !close.startsWith("<") || !close.endsWith(">") || start < 0 || !before.endsWith(">")) {
        return null;
      }
      String open = before.substring(start);
      if (open.contains("\n") || close.contains("\n") || open.equals(close)) {
        return null;
      }
      return new ReasoningSyntax(open, close);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * For a template that drops reasoning from the turns it renders: the generation prompt opens a
   * tag ({@code <think>}, DeepSeek R1's), and the template drops what a turn writes before the
   * closing tag.
   */
  private static @Nullable ReasoningSyntax openedByThePrompt(BiFunction<List<Message>, Boolean, String> render, Message user) {
    String prompt = render.apply(List.of(user), true).stripTrailing();
    int start = prompt.lastIndexOf('<');
    if (!prompt.endsWith(">") || start < 0 || prompt.startsWith("</", start)) {
      return null;
    }
    String open = prompt.substring(start);
    if (open.contains("|") || open.contains(" ") || open.length() > 32) {
      return null; // a role marker such as <|assistant|>, not a tag the reply closes
    }
    String close = "</" + open.substring(1);
    String turn = render.apply(List.of(user, Message.assistant(REASONING + close + ANSWER)), false);
    return turn.contains(ANSWER) && !turn.contains(REASONING) ? new ReasoningSyntax(open, close) : null;
  }
}
