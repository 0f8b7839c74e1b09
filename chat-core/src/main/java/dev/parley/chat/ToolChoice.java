package dev.parley.chat;

import dev.parley.core.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * Whether the model may, must or must not call a tool: OpenAI's {@code tool_choice}.
 *
 * @param mode which of the four choices
 * @param toolName the tool to call when {@code mode} is {@link Mode#NAMED}; null otherwise
 */
public record ToolChoice(Mode mode, @Nullable String toolName) {
  /** The model chooses between answering and calling tools (the default). */
  public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
  /** The model answers in text and calls no tool, even when tools are given. */
  public static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);
  /** The model calls at least one of the tools. */
  public static final ToolChoice REQUIRED = new ToolChoice(Mode.REQUIRED, null);

  /** The four choices. */
  public enum Mode {
    AUTO,
    NONE,
    REQUIRED,
    NAMED
  }

  public ToolChoice {
    Checks.notNull(mode, "mode");
    if ((mode == Mode.NAMED) != (toolName != null)) {
      throw new IllegalArgumentException(
          mode == Mode.NAMED ? "a NAMED tool choice needs a tool name" : "only a NAMED tool choice has a tool name, this is " + mode);
    }
    if (toolName != null) {
      Checks.notBlank(toolName, "toolName");
    }
  }

  /** The model calls the tool named {@code toolName}, which must be one of the request's tools. */
  public static ToolChoice tool(String toolName) {
    return new ToolChoice(Mode.NAMED, Checks.notNull(toolName, "toolName"));
  }
}
