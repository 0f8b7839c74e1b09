package dev.parley.chat;

import dev.parley.core.internal.Checks;

/**
 * A call the model asked for: which tool, with what arguments. The caller runs the tool and sends
 * its result back as {@link Message#toolResult(String, String)} with the same {@code id}.
 *
 * @param id names this call within the conversation, so that its result can refer to it
 * @param name the tool, one of the request's {@link ToolSpecification}s
 * @param arguments the arguments as JSON text (a JSON object)
 */
public record ToolCall(String id, String name, String arguments) {
  public ToolCall {
    Checks.notBlank(id, "id");
    Checks.notBlank(name, "name");
    Checks.notNull(arguments, "arguments");
  }
}
