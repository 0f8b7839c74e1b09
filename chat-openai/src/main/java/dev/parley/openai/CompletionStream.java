package dev.parley.openai;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.ToolCallDelta;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The server-sent events of one streamed reply, as OpenAI writes them: each method returns the text
 * to write ({@code data: {...}\n\n}, one or more events). The first chunk carries the role; {@link
 * #end} writes the finish reason (and usage, when the request asked for it); {@link #done()} is the
 * final {@code data: [DONE]}. Not thread-safe: one reply's events come in order.
 */
public final class CompletionStream {
  private final ChatCompletions api;
  private final String id;
  private final long created;
  private final boolean includeUsage;
  private boolean started;

  CompletionStream(ChatCompletions api, String id, long created, boolean includeUsage) {
    this.api = api;
    this.id = id;
    this.created = created;
    this.includeUsage = includeUsage;
  }

  /** The completion id all of this stream's chunks carry. */
  public String id() {
    return id;
  }

  /** The events for one piece of the reply's text. */
  public String token(String text) {
    return start() + data(chunk(Map.of("content", text), null));
  }

  /** The events for one piece of the model's reasoning ({@code delta.reasoning_content}). */
  public String reasoning(String text) {
    return start() + data(chunk(Map.of("reasoning_content", text), null));
  }

  /** The events for one piece of a tool call ({@code delta.tool_calls}). */
  public String toolCall(ToolCallDelta delta) {
    return start() + data(chunk(Map.of("tool_calls", ToolsJson.write(delta)), null));
  }

  /**
   * The events that end the reply: its finish reason and, if asked, its usage. A cancelled reply
   * ends with {@link OpenAiError#replyCancelled()} as an error event instead (never {@code "stop"}).
   */
  public String end(ChatResponse response) {
    if (response.finishReason() == FinishReason.CANCELLED) {
      return error(OpenAiError.replyCancelled());
    }
    StringBuilder out = new StringBuilder(start());
    out.append(data(chunk(Map.of(), ChatCompletions.finishReason(response.finishReason()))));
    if (includeUsage) {
      Map<String, Object> last = api.envelope(id, "chat.completion.chunk", created);
      last.put("choices", List.of());
      last.put("usage", ChatCompletions.usage(response));
      out.append(data(last));
    }
    return out.toString();
  }

  /** An error event, as OpenAI streams its errors (the HTTP status was already sent). */
  public String error(OpenAiError error) {
    return data(error.body());
  }

  /** The stream's last event. */
  public String done() {
    return "data: [DONE]\n\n";
  }

  private String start() {
    if (started) {
      return "";
    }
    started = true;
    return data(chunk(Map.of("role", "assistant", "content", ""), null));
  }

  private Map<String, Object> chunk(Map<String, Object> delta, @Nullable String finishReason) {
    Map<String, Object> choice = new LinkedHashMap<>();
    choice.put("index", 0);
    choice.put("delta", delta);
    choice.put("logprobs", null);
    choice.put("finish_reason", finishReason);
    Map<String, Object> out = api.envelope(id, "chat.completion.chunk", created);
    out.put("choices", List.of(choice));
    return out;
  }

  private static String data(Object json) {
    return "data: " + Json.write(json) + "\n\n";
  }
}
