package dev.parley.llama;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolSpecification;
import dev.parley.templates.ChatTemplate;
import dev.parley.templates.TemplateException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's own chat template ({@code tokenizer.chat_template}), rendered as Hugging Face renders it
 * ({@link ChatTemplate}) with the conversation in the shape its authors wrote it for: {@code
 * messages} of {@code role} and {@code content}, assistant {@code tool_calls} with their arguments as
 * objects and {@code reasoning_content}, tool results with {@code tool_call_id}; {@code
 * add_generation_prompt}, {@code bos_token} and {@code eos_token}.
 *
 * <p>Where llama.cpp adds the beginning-of-sequence token itself, a leading {@code bos_token} the
 * template wrote is taken off, as llama.cpp's server does, so the prompt does not start with two. A
 * template that refuses system messages (it raises on them) gets the system text at the start of
 * the first user message instead, as llama.cpp's server does for such templates.
 */
final class JinjaChatFormat implements ChatFormat {
  private static final Logger LOG = LoggerFactory.getLogger(JinjaChatFormat.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ChatTemplate template;
  private final String bos;
  private final String eos;
  private final boolean addsBos;

  JinjaChatFormat(ChatTemplate template, String bos, String eos, boolean addsBos) {
    this.template = template;
    this.bos = bos;
    this.eos = eos;
    this.addsBos = addsBos;
  }

  /**
   * The file's template, or null (logged) when it has none or it is not one this interpreter runs,
   * or it cannot render a one-message conversation; the engine's built-in formats are used then.
   */
  static @Nullable JinjaChatFormat of(GgufFile file, String id, boolean addsBos) {
    if (!(file.metadata().get("tokenizer.chat_template") instanceof String source)) {
      return null;
    }
    List<?> tokens = file.types().containsKey("tokenizer.ggml.tokens") ? file.array("tokenizer.ggml.tokens").values()
        : List.of();
    JinjaChatFormat format;
    try {
      format = new JinjaChatFormat(ChatTemplate.parse(source), token(tokens, file, "tokenizer.ggml.bos_token_id"),
          token(tokens, file, "tokenizer.ggml.eos_token_id"), addsBos);
      format.render(List.of(Message.user("Hello")));
    } catch (TemplateException | InvalidRequestException e) {
      LOG.warn("the chat template of {} cannot be rendered ({}); using llama.cpp's built-in formats", id, e.getMessage());
      return null;
    }
    return format;
  }

  private static String token(List<?> tokens, GgufFile file, String key) {
    if (file.metadata().get(key) instanceof Number n && n.longValue() >= 0 && n.longValue() < tokens.size()
        && tokens.get((int) n.longValue()) instanceof String text) {
      return text;
    }
    return "";
  }

  @Override
  public String render(List<Message> messages) {
    return render(messages, List.of(), true, null);
  }

  /**
   * The prompt for {@code messages} with {@code tools} offered (the template's {@code tools}, left
   * out when empty), ending with the assistant's header when {@code generationPrompt}, with the
   * template's {@code enable_thinking} set to {@code thinking} (null: left undefined, the template's
   * default).
   */
  String render(List<Message> messages, List<ToolSpecification> tools, boolean generationPrompt,
      @Nullable Boolean thinking) {
    try {
      return renderAsGiven(messages, tools, generationPrompt, thinking);
    } catch (TemplateException e) {
      if (e.raisedByTemplate() && messages.stream().anyMatch(m -> m.role() == Role.SYSTEM)) {
        try {
          return renderAsGiven(systemInFirstUserMessage(messages), tools, generationPrompt, thinking);
        } catch (TemplateException retry) {
          throw refused(retry);
        }
      }
      throw refused(e);
    }
  }

  private static InvalidRequestException refused(TemplateException e) {
    return new InvalidRequestException(e.raisedByTemplate() ? "the model's chat template refuses this conversation: "
        + e.getMessage() : "the model's chat template failed: " + e.getMessage());
  }

  private String renderAsGiven(List<Message> messages, List<ToolSpecification> tools, boolean generationPrompt,
      @Nullable Boolean thinking) {
    Map<String, Object> context = new LinkedHashMap<>();
    List<Object> list = new ArrayList<>(messages.size());
    for (Message m : messages) {
      list.add(message(m));
    }
    context.put("messages", list);
    if (!tools.isEmpty()) {
      List<Object> specs = new ArrayList<>();
      for (ToolSpecification t : tools) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", t.name());
        function.put("description", t.description());
        function.put("parameters", arguments(t.parameters()));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("type", "function");
        spec.put("function", function);
        specs.add(spec);
      }
      context.put("tools", specs);
    }
    context.put("add_generation_prompt", generationPrompt);
    if (thinking != null) {
      context.put("enable_thinking", thinking);
    }
    context.put("bos_token", bos);
    context.put("eos_token", eos);
    String prompt = template.render(context);
    if (addsBos && !bos.isEmpty() && prompt.startsWith(bos)) {
      prompt = prompt.substring(bos.length());
    }
    return prompt;
  }

  private static Map<String, Object> message(Message m) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("role", switch (m.role()) {
      case SYSTEM -> "system";
      case USER -> "user";
      case ASSISTANT -> "assistant";
      case TOOL -> "tool";
    });
    out.put("content", m.content());
    if (m.reasoning() != null) {
      out.put("reasoning_content", m.reasoning());
    }
    if (!m.toolCalls().isEmpty()) {
      List<Object> calls = new ArrayList<>();
      for (ToolCall c : m.toolCalls()) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", c.name());
        function.put("arguments", arguments(c.arguments()));
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("id", c.id());
        call.put("type", "function");
        call.put("function", function);
        calls.add(call);
      }
      out.put("tool_calls", calls);
    }
    if (m.toolCallId() != null) {
      out.put("tool_call_id", m.toolCallId());
    }
    return out;
  }

  /** A call's arguments as an object, as templates expect them; text that is not a JSON object stays text. */
  private static Object arguments(String json) {
    try {
      Object v = JSON.readValue(json, Object.class);
      return v instanceof Map ? v : json;
    } catch (JsonProcessingException e) {
      return json;
    }
  }

  private static List<Message> systemInFirstUserMessage(List<Message> messages) {
    StringBuilder system = new StringBuilder();
    List<Message> rest = new ArrayList<>();
    for (Message m : messages) {
      if (m.role() == Role.SYSTEM) {
        system.append(system.length() > 0 ? "\n\n" : "").append(m.content());
      } else {
        rest.add(m);
      }
    }
    for (int i = 0; i < rest.size(); i++) {
      if (rest.get(i).role() == Role.USER) {
        rest.set(i, rest.get(i).withContent(system + "\n\n" + rest.get(i).content()));
        return rest;
      }
    }
    rest.add(0, Message.user(system.toString()));
    return rest;
  }
}
