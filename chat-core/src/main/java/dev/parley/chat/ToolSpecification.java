package dev.parley.chat;

import dev.parley.core.internal.Checks;
import java.util.regex.Pattern;

/**
 * A tool the model may call: its name, what it does, and its parameters as a JSON Schema.
 *
 * <p>The schema is JSON text for an object (OpenAI's {@code function.parameters}, LangChain4j's
 * {@code ToolSpecification.parameters()}, Spring AI's {@code inputSchema}). It is kept as given; the
 * model parses it when a request starts and refuses, naming the keyword, a schema it cannot honour.
 *
 * @param name what the model calls it: 1 to 64 letters, digits, {@code _} or {@code -}
 * @param description what the tool does, for the model; may be empty
 * @param parameters a JSON Schema for the call's arguments, as JSON text
 */
public record ToolSpecification(String name, String description, String parameters) {
  /** The schema of a tool that takes no arguments. */
  public static final String NO_PARAMETERS = "{\"type\":\"object\",\"properties\":{}}";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  public ToolSpecification {
    Checks.notNull(name, "name");
    Checks.notNull(description, "description");
    Checks.notBlank(parameters, "parameters");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "tool name must be 1 to 64 letters, digits, '_' or '-', was \"" + name + "\"");
    }
  }

  /** A tool that takes no arguments. */
  public static ToolSpecification of(String name, String description) {
    return new ToolSpecification(name, description, NO_PARAMETERS);
  }
}
