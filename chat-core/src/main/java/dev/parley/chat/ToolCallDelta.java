package dev.parley.chat;

import dev.parley.core.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * A piece of a tool call while it streams, as OpenAI's {@code delta.tool_calls} carries it. The first
 * delta of a call carries its {@code id} and {@code name}; later ones carry only more {@code arguments}
 * text. The arguments of all deltas with one {@code index}, in order, add up to that call's {@link
 * ToolCall#arguments()}.
 *
 * @param index which call of the reply, from 0
 * @param id the call's id, on its first delta; null on the others
 * @param name the tool's name, on its first delta; null on the others
 * @param arguments more of the arguments' JSON text; may be empty
 */
public record ToolCallDelta(int index, @Nullable String id, @Nullable String name, String arguments) {
  public ToolCallDelta {
    Checks.atLeast(index, 0, "index");
    Checks.notNull(arguments, "arguments");
    if ((id == null) != (name == null)) {
      throw new IllegalArgumentException("a tool call's first delta carries both its id and its name, was id=" + id + ", name=" + name);
    }
  }

  /** Whether this delta opens its call (it carries the id and the name). */
  public boolean opensCall() {
    return id != null;
  }
}
