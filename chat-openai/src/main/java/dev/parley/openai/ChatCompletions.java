package dev.parley.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * OpenAI's {@code POST /v1/chat/completions} and {@code GET /v1/models} for one model, as text in and
 * text out: {@link #parse} reads a request body into a {@link ChatCompletionRequest} (or throws an
 * {@link OpenAiError} 400 naming the field), {@link #completion} writes a whole reply, {@link #stream}
 * writes server-sent events chunk by chunk. The HTTP part (routes, authentication, headers, writing
 * the events) stays with the caller's framework. Immutable and thread-safe.
 *
 * <p>What it accepts, and why: {@code max_tokens} / {@code max_completion_tokens} up to the configured
 * cap, else 400 naming the cap (refused rather than silently cut, so a client learns the cap instead
 * of reading a short reply as the model's choice; OpenAI answers 400 too); {@code temperature} 0..2,
 * {@code top_p} in (0, 1], {@code seed}, {@code n} = 1, {@code stop} (at most 4 non-empty strings);
 * text content only; {@code tools}, {@code tool_choice}, {@code parallel_tool_calls}, {@code
 * response_format} ({@code text}, {@code json_object}, {@code json_schema} with {@code strict}), tool-role
 * messages and assistant {@code tool_calls}, which go to the model as Parley's tool SPI (a model that
 * cannot honour them refuses the request, naming the field). The deprecated {@code functions} and log
 * probabilities are refused with a 400, never silently ignored. Replies carry {@code tool_calls} with
 * {@code finish_reason: "tool_calls"} and the model's {@code reasoning_content}. A reply that was cancelled is never reported with
 * {@code finish_reason: "stop"}: it is {@link OpenAiError#replyCancelled()}.
 *
 * <pre>{@code
 * ChatCompletions api = ChatCompletions.builder("my-model").maxReplyTokens(512).build();
 * ChatCompletionRequest request = api.parse(body);          // OpenAiError: answer e.status(), e.toJson()
 * ChatResponse reply = model.generate(new ChatRequest(request.messages(), request.options()));
 * String json = api.completion(reply);
 * }</pre>
 */
public final class ChatCompletions {
  /** As OpenAI: at most 4 stop sequences. */
  public static final int MAX_STOP_SEQUENCES = 4;

  private final String modelId;
  private final int maxReplyTokens;
  private final GenerationOptions defaults;
  private final UnaryOperator<String> userText;
  private final Clock clock;

  private ChatCompletions(Builder b) {
    this.modelId = b.modelId;
    this.maxReplyTokens = b.maxReplyTokens;
    this.defaults = b.defaults;
    this.userText = b.userText;
    this.clock = b.clock;
  }

  /** The codec for the model named {@code modelId} in responses and {@code /v1/models}. */
  public static Builder builder(String modelId) {
    return new Builder(modelId);
  }

  public String modelId() {
    return modelId;
  }

  /**
   * Reads a request body.
   *
   * @throws OpenAiError a 400 naming the first field that is missing, of the wrong type, out of
   *     range or not supported; or whatever the configured user-text check throws
   */
  public ChatCompletionRequest parse(String body) {
    JsonNode json = Json.object(body);
    List<Message> messages = messages(json);
    GenerationOptions options = options(json);
    boolean stream = Json.optionalBoolean(json, "stream", "stream", false);
    JsonNode streamOptions = json.get("stream_options");
    boolean includeUsage = false;
    if (streamOptions != null && !streamOptions.isNull()) {
      if (!streamOptions.isObject()) {
        throw Json.invalid("stream_options", "field 'stream_options' must be an object, was " + Json.kind(streamOptions));
      }
      includeUsage = Json.optionalBoolean(streamOptions, "include_usage", "stream_options.include_usage", false);
    }
    return new ChatCompletionRequest(messages, options, stream, stream && includeUsage,
        Json.optionalString(json, "model"), Json.optionalString(json, "user"));
  }

  /**
   * The body of a whole (non-streamed) reply.
   *
   * @throws OpenAiError {@link OpenAiError#replyCancelled()} if the reply was cancelled before it ended
   */
  public String completion(ChatResponse response) {
    if (response.finishReason() == FinishReason.CANCELLED) {
      throw OpenAiError.replyCancelled();
    }
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("role", "assistant");
    message.put("content", response.hasToolCalls() && response.text().isEmpty() ? null : response.text());
    if (response.reasoning() != null) {
      message.put("reasoning_content", response.reasoning());
    }
    if (response.hasToolCalls()) {
      message.put("tool_calls", ToolsJson.write(response.toolCalls()));
    }
    Map<String, Object> choice = new LinkedHashMap<>();
    choice.put("index", 0);
    choice.put("message", message);
    choice.put("logprobs", null);
    choice.put("finish_reason", finishReason(response.finishReason()));
    Map<String, Object> out = envelope(newId(), "chat.completion", clock.millis() / 1000);
    out.put("choices", List.of(choice));
    out.put("usage", usage(response));
    return Json.write(out);
  }

  /** The events of one streamed reply: one {@link CompletionStream} per request. */
  public CompletionStream stream(ChatCompletionRequest request) {
    return new CompletionStream(this, newId(), clock.millis() / 1000, request.includeUsage());
  }

  /** The body of {@code GET /v1/models}: this one model. */
  public String models() {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("id", modelId);
    model.put("object", "model");
    model.put("created", 0);
    model.put("owned_by", "parley");
    return Json.write(Map.of("object", "list", "data", List.of(model)));
  }

  /**
   * OpenAI's finish reason: {@code "length"} at the token limit, {@code "tool_calls"} for calls, else
   * {@code "stop"} (never for a cancelled reply).
   */
  static String finishReason(FinishReason reason) {
    return switch (reason) {
      case CANCELLED -> throw new IllegalArgumentException("a cancelled reply has no OpenAI finish reason");
      case LENGTH -> "length";
      case TOOL_CALLS -> "tool_calls";
      case STOP, STOP_SEQUENCE -> "stop";
    };
  }

  Map<String, Object> envelope(String id, String object, long created) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("object", object);
    out.put("created", created);
    out.put("model", modelId);
    out.put("system_fingerprint", null);
    return out;
  }

  static Map<String, Object> usage(ChatResponse r) {
    Map<String, Object> usage = new LinkedHashMap<>();
    usage.put("prompt_tokens", r.usage().promptTokens());
    usage.put("completion_tokens", r.usage().completionTokens());
    usage.put("total_tokens", r.usage().totalTokens());
    return usage;
  }

  private static String newId() {
    return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
  }

  private List<Message> messages(JsonNode body) {
    JsonNode list = body.get("messages");
    if (list == null || list.isNull()) {
      throw Json.missing("messages");
    }
    if (!list.isArray() || list.isEmpty()) {
      throw Json.invalid("messages", "field 'messages' must be a non-empty array, was " + Json.kind(list)
          + (list.isArray() ? " (empty)" : ""));
    }
    List<Message> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode m = list.get(i);
      String where = "messages[" + i + "]";
      if (!m.isObject()) {
        throw Json.invalid(where, where + " must be an object, was " + Json.kind(m));
      }
      String role = Json.requiredString(m, "role", where + ".role").toLowerCase(Locale.ROOT);
      JsonNode calls = m.get("tool_calls");
      boolean hasCalls = role.equals("assistant") && calls != null && !calls.isNull();
      JsonNode contentNode = m.get("content");
      // An assistant message that calls tools may have no content, as OpenAI's clients send it.
      String content = hasCalls && (contentNode == null || contentNode.isNull()) ? "" : content(contentNode, where + ".content");
      switch (role) {
        case "system", "developer" -> out.add(Message.system(content));
        case "user" -> out.add(Message.user(userText.apply(content)));
        case "assistant" -> {
          Message a = Message.assistant(content);
          if (hasCalls) {
            a = a.withToolCalls(ToolsJson.toolCalls(calls, where + ".tool_calls"));
          }
          String reasoning = Json.optionalString(m, "reasoning_content");
          out.add(reasoning == null ? a : a.withReasoning(reasoning));
        }
        case "tool" -> {
          String id = Json.requiredString(m, "tool_call_id", where + ".tool_call_id");
          if (id.isBlank()) {
            throw Json.invalid(where + ".tool_call_id", "field '" + where + ".tool_call_id' must not be blank");
          }
          out.add(Message.toolResult(id, content));
        }
        default -> throw Json.invalid(where + ".role", where + ".role must be system, developer, user, assistant or tool, "
            + "was '" + role + "'");
      }
    }
    return out;
  }

  /** Content as a string, or as an array of {"type": "text", "text": ...} parts joined. */
  private static String content(JsonNode content, String where) {
    if (content == null || content.isNull()) {
      throw Json.missing(where);
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (content.isArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : content) {
        if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
          throw Json.invalid(where, where + " parts must be {\"type\": \"text\", \"text\": ...}; only text is supported");
        }
        text.append(part.get("text").asText());
      }
      return text.toString();
    }
    throw Json.invalid(where, "field '" + where + "' must be a string or an array of text parts, was " + Json.kind(content));
  }

  /** Fields of OpenAI's request that Parley does not implement: refused, not silently ignored. */
  private static void refuseUnsupported(JsonNode body) {
    for (String field : List.of("functions", "function_call")) {
      JsonNode v = body.get(field);
      if (v != null && !v.isNull() && !(v.isArray() && v.isEmpty()) && !"none".equals(v.asText(null))) {
        throw unsupported(field, "field '" + field + "' is not supported: OpenAI deprecated it; send tools and tool_choice");
      }
    }
    if (Json.optionalBoolean(body, "logprobs", "logprobs", false)) {
      throw unsupported("logprobs", "field 'logprobs' is not supported: this server returns no log probabilities");
    }
    JsonNode topLogprobs = body.get("top_logprobs");
    if (topLogprobs != null && !topLogprobs.isNull()) {
      throw unsupported("top_logprobs", "field 'top_logprobs' is not supported: this server returns no log probabilities");
    }
    JsonNode modalities = body.get("modalities");
    if (modalities != null && !modalities.isNull()) {
      if (!modalities.isArray()) {
        throw Json.invalid("modalities", "field 'modalities' must be an array, was " + Json.kind(modalities));
      }
      for (JsonNode m : modalities) {
        if (!"text".equals(m.asText(null))) {
          throw unsupported("modalities", "field 'modalities' may hold only \"text\": this server replies with text, "
              + "was " + m);
        }
      }
    }
    for (String field : List.of("audio", "prediction")) {
      JsonNode v = body.get(field);
      if (v != null && !v.isNull()) {
        throw unsupported(field, "field '" + field + "' is not supported: this server "
            + (field.equals("audio") ? "replies with text only" : "takes no predicted output"));
      }
    }
  }

  /** {@code logit_bias}: an object of token ids (as strings) to biases from -100 to 100. */
  private static java.util.Map<Integer, Double> logitBias(JsonNode v) {
    if (!v.isObject()) {
      throw Json.invalid("logit_bias", "field 'logit_bias' must be an object of token ids to numbers, was " + Json.kind(v));
    }
    if (v.size() > GenerationOptions.MAX_LOGIT_BIAS) {
      throw Json.invalid("logit_bias", "field 'logit_bias' may hold at most " + GenerationOptions.MAX_LOGIT_BIAS
          + " tokens, was " + v.size());
    }
    java.util.Map<Integer, Double> bias = new java.util.LinkedHashMap<>();
    for (var e : v.properties()) {
      int token;
      try {
        token = Integer.parseInt(e.getKey());
      } catch (NumberFormatException notAnId) {
        token = -1;
      }
      if (token < 0 || !e.getKey().equals(Integer.toString(token))) {
        throw Json.invalid("logit_bias", "field 'logit_bias' must have token ids as keys, was \"" + abbreviate(e.getKey())
            + "\"");
      }
      JsonNode value = e.getValue();
      if (!value.isNumber() || value.asDouble() < -100 || value.asDouble() > 100) {
        throw Json.invalid("logit_bias", "field 'logit_bias' must map token " + token
            + " to a number from -100 to 100, was " + abbreviate(value.toString()));
      }
      bias.put(token, value.asDouble());
    }
    return bias;
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  private static OpenAiError unsupported(String field, String message) {
    return OpenAiError.invalidRequest("unsupported_field", field, message);
  }

  private GenerationOptions options(JsonNode body) {
    refuseUnsupported(body);
    GenerationOptions.Builder b = defaults.toBuilder();
    String maxField = body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
    Long maxTokens = Json.optionalInteger(body, maxField, 1, Long.MAX_VALUE);
    if (maxTokens != null) {
      if (maxTokens > maxReplyTokens) {
        throw Json.invalid(maxField, "field '" + maxField + "' must be at most " + maxReplyTokens
            + ", this server's longest reply, was " + maxTokens);
      }
      b.maxTokens(maxTokens.intValue());
    }
    Double temperature = Json.optionalNumber(body, "temperature", 0, 2);
    if (temperature != null) {
      b.temperature(temperature);
    }
    Double topP = Json.optionalNumber(body, "top_p", 0, 1);
    if (topP != null) {
      if (topP <= 0) {
        throw Json.invalid("top_p", "field 'top_p' must be greater than 0 and at most 1, was " + topP);
      }
      b.topP(topP);
    }
    Double frequency = Json.optionalNumber(body, "frequency_penalty", -2, 2);
    if (frequency != null) {
      b.frequencyPenalty(frequency);
    }
    Double presence = Json.optionalNumber(body, "presence_penalty", -2, 2);
    if (presence != null) {
      b.presencePenalty(presence);
    }
    JsonNode tools = body.get("tools");
    if (tools != null && !tools.isNull()) {
      try {
        b.tools(ToolsJson.tools(tools));
      } catch (IllegalArgumentException e) {
        throw Json.invalid("tools", "field 'tools' is not valid: " + e.getMessage());
      }
    }
    JsonNode choice = body.get("tool_choice");
    if (choice != null && !choice.isNull()) {
      b.toolChoice(ToolsJson.toolChoice(choice));
    }
    b.parallelToolCalls(Json.optionalBoolean(body, "parallel_tool_calls", "parallel_tool_calls", true));
    JsonNode format = body.get("response_format");
    if (format != null && !format.isNull()) {
      b.responseFormat(ToolsJson.responseFormat(format));
    }
    JsonNode kwargs = body.get("chat_template_kwargs");
    if (kwargs != null && !kwargs.isNull()) {
      // llama-server's way to reach the chat template: Parley's models read enable_thinking from it.
      if (!kwargs.isObject()) {
        throw Json.invalid("chat_template_kwargs", "field 'chat_template_kwargs' must be an object, was " + Json.kind(kwargs));
      }
      for (var e : kwargs.properties()) {
        if (!e.getKey().equals("enable_thinking")) {
          throw unsupported("chat_template_kwargs." + e.getKey(), "field 'chat_template_kwargs." + e.getKey()
              + "' is not supported: this server passes only enable_thinking to the chat template");
        }
      }
      JsonNode thinking = kwargs.get("enable_thinking");
      if (thinking != null && !thinking.isNull()) {
        if (!thinking.isBoolean()) {
          throw Json.invalid("chat_template_kwargs.enable_thinking",
              "field 'chat_template_kwargs.enable_thinking' must be true or false, was " + Json.kind(thinking));
        }
        b.thinking(thinking.booleanValue());
      }
    }
    JsonNode bias = body.get("logit_bias");
    if (bias != null && !bias.isNull()) {
      b.logitBias(logitBias(bias));
    }
    Long seed = Json.optionalInteger(body, "seed", Long.MIN_VALUE, Long.MAX_VALUE);
    if (seed != null) {
      b.seed(seed);
    }
    Long n = Json.optionalInteger(body, "n", 1, 128);
    if (n != null && n != 1) {
      throw Json.invalid("n", "field 'n' must be 1: this server returns one choice, was " + n);
    }
    JsonNode stop = body.get("stop");
    if (stop != null && !stop.isNull()) {
      List<String> stops = new ArrayList<>();
      if (stop.isTextual()) {
        stops.add(stop.asText());
      } else if (stop.isArray()) {
        for (JsonNode s : stop) {
          if (!s.isTextual()) {
            throw Json.invalid("stop", "field 'stop' must hold strings only");
          }
          stops.add(s.asText());
        }
      } else {
        throw Json.invalid("stop", "field 'stop' must be a string or an array of strings, was " + Json.kind(stop));
      }
      if (stops.size() > MAX_STOP_SEQUENCES) {
        throw Json.invalid("stop", "field 'stop' may hold at most " + MAX_STOP_SEQUENCES + " strings, was " + stops.size());
      }
      if (stops.stream().anyMatch(String::isEmpty)) {
        throw Json.invalid("stop", "field 'stop' must not hold an empty string: it would end every reply at once");
      }
      b.stopSequences(stops);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      // The one check across fields: a tool choice that needs tools the request lacks.
      throw OpenAiError.invalidRequest("invalid_field", e.getMessage().startsWith("toolChoice") ? "tool_choice" : null, e.getMessage());
    }
  }

  /** Settings of {@link ChatCompletions}. */
  public static final class Builder {
    private final String modelId;
    private int maxReplyTokens = 512;
    private GenerationOptions defaults = GenerationOptions.defaults();
    private UnaryOperator<String> userText = UnaryOperator.identity();
    private Clock clock = Clock.systemUTC();

    private Builder(String modelId) {
      this.modelId = Objects.requireNonNull(modelId, "modelId must not be null");
      if (modelId.isBlank()) {
        throw new IllegalArgumentException("modelId must not be blank");
      }
    }

    /**
     * The longest reply a request may ask for ({@code max_tokens}); 512 by default. Requests that name
     * no limit get the defaults' {@code maxTokens}, capped by this.
     */
    public Builder maxReplyTokens(int maxReplyTokens) {
      if (maxReplyTokens < 1) {
        throw new IllegalArgumentException("maxReplyTokens must be >= 1, was " + maxReplyTokens);
      }
      this.maxReplyTokens = maxReplyTokens;
      return this;
    }

    /** The options a request starts from before its own fields; {@link GenerationOptions#defaults()} by default. */
    public Builder defaults(GenerationOptions defaults) {
      this.defaults = Objects.requireNonNull(defaults, "defaults must not be null");
      return this;
    }

    /**
     * Applied to the text of every user message (an input sanitizer): returns the text to use, or
     * throws to refuse the request. Identity by default.
     */
    public Builder userText(UnaryOperator<String> userText) {
      this.userText = Objects.requireNonNull(userText, "userText must not be null");
      return this;
    }

    /** The clock of the {@code created} field; the system's by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    public ChatCompletions build() {
      if (defaults.maxTokens() > maxReplyTokens) {
        defaults = defaults.toBuilder().maxTokens(maxReplyTokens).build();
      }
      return new ChatCompletions(this);
    }
  }
}
