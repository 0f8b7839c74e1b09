package dev.parley.llama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.chat.ResponseFormat;
import dev.parley.chat.Role;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolChoice;
import dev.parley.chat.ToolSpecification;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a request's tools change, in the model's {@link ToolCallSyntax}: the messages the prompt is
 * made of (for the generic syntax, the tools in a system message and earlier calls and results as
 * JSON text), the tools handed to the template, the grammar (a required or named choice admits only
 * calls), and the stream ({@link ToolCallStream}).
 */
final class ToolUse {
  private static final ObjectMapper JSON = new ObjectMapper();

  final ToolCallSyntax syntax;
  final List<Message> messages;
  /** The tools the template renders itself (none for the generic syntax). */
  final List<ToolSpecification> templateTools;
  final @Nullable String grammar;
  /** Where {@link #grammar} starts to apply (a lazy grammar: an {@code auto} choice); null: from the start. */
  final @Nullable String trigger;
  /** The reply is read for calls. */
  final boolean reads;
  /** The whole reply is a call (or, for the generic syntax, a call or an answer). */
  final boolean forced;
  /** A reply that is no call is the JSON of the request's response format. */
  final boolean jsonAnswer;
  final boolean parallel;

  private ToolUse(ToolCallSyntax syntax, List<Message> messages, List<ToolSpecification> templateTools,
      @Nullable String grammar, @Nullable String trigger, boolean reads, boolean forced, boolean jsonAnswer,
      boolean parallel) {
    this.syntax = syntax;
    this.messages = messages;
    this.templateTools = templateTools;
    this.grammar = grammar;
    this.trigger = trigger;
    this.reads = reads;
    this.forced = forced;
    this.jsonAnswer = jsonAnswer;
    this.parallel = parallel;
  }

  /** The plan for a request, or null when it neither offers tools nor holds calls or results. */
  static @Nullable ToolUse plan(GenerationOptions o, List<Message> messages, ToolCallSyntax syntax) {
    boolean offered = !o.tools().isEmpty();
    boolean history = messages.stream().anyMatch(m -> m.role() == Role.TOOL || m.hasToolCalls());
    if (!offered && !history) {
      return null;
    }
    ToolChoice.Mode mode = offered ? o.toolChoice().mode() : ToolChoice.Mode.NONE;
    boolean calls = mode != ToolChoice.Mode.NONE;
    // A JSON response format is the answer's: under an auto choice the reply is a call or that JSON
    // (as OpenAI's API takes tools beside a response format); a required call is a call.
    boolean jsonAnswer = mode == ToolChoice.Mode.AUTO && o.responseFormat().type() != ResponseFormat.Type.TEXT;
    ToolSpecification named = mode == ToolChoice.Mode.NAMED ? o.tool(o.toolChoice().toolName()) : null;
    if (mode == ToolChoice.Mode.NAMED && named == null) {
      throw new InvalidRequestException("toolChoice names " + o.toolChoice().toolName() + ", which is not one of the tools");
    }
    List<ToolSpecification> choosable = named != null ? List.of(named) : o.tools();
    String grammar = switch (mode) {
      case REQUIRED, NAMED -> syntax.grammar(choosable, false);
      // The model writes freely until it opens a call; from there a lazy grammar keeps the call valid.
      case AUTO -> jsonAnswer ? syntax.grammarOrJsonAnswer(choosable, o.responseFormat())
          : syntax.generic ? syntax.grammar(choosable, true) : syntax.lazyGrammar(choosable);
      case NONE -> null;
    };
    String trigger = mode == ToolChoice.Mode.AUTO && !syntax.generic && !jsonAnswer ? syntax.trigger() : null;
    boolean forced = mode == ToolChoice.Mode.REQUIRED || mode == ToolChoice.Mode.NAMED
        || (mode == ToolChoice.Mode.AUTO && syntax.generic);
    if (!syntax.generic) {
      return new ToolUse(syntax, messages, o.tools(), grammar, trigger, calls, forced, jsonAnswer, o.parallelToolCalls());
    }
    List<Message> rewritten = new ArrayList<>();
    if (calls) {
      rewritten.add(Message.system(ToolCallSyntax.describe(choosable, mode != ToolChoice.Mode.AUTO, jsonAnswer)));
    }
    for (Message m : messages) {
      rewritten.add(asText(m));
    }
    return new ToolUse(syntax, rewritten, List.of(), grammar, trigger, calls, forced, jsonAnswer, o.parallelToolCalls());
  }

  /** For the generic syntax: a call or a result as the JSON text the model is told to write and read. */
  private static Message asText(Message m) {
    if (m.role() == Role.TOOL) {
      ObjectNode result = JSON.createObjectNode();
      ObjectNode inner = result.putObject("tool_response");
      inner.put("id", m.toolCallId());
      inner.put("content", m.content());
      return Message.user(result.toString());
    }
    if (!m.hasToolCalls()) {
      return m;
    }
    StringBuilder text = new StringBuilder(m.content());
    for (ToolCall c : m.toolCalls()) {
      ObjectNode call = JSON.createObjectNode();
      ObjectNode inner = call.putObject("tool_call");
      inner.put("name", c.name());
      try {
        inner.set("arguments", JSON.readTree(c.arguments()));
      } catch (java.io.IOException e) {
        inner.put("arguments", c.arguments());
      }
      text.append(text.length() > 0 ? "\n" : "").append(call);
    }
    return Message.assistant(text.toString());
  }

  /** The caller's handler, behind a reader of calls when the reply may hold them. */
  StreamHandler wrap(StreamHandler handler) {
    return reads ? new ToolCallStream(handler, syntax, forced, jsonAnswer, parallel) : handler;
  }
}
