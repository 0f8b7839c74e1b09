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
 * text content only. Tools, functions, {@code response_format} other than text and log probabilities
 * are refused with a 400, never silently ignored. A reply that was cancelled is never reported with
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
    message.put("content", response.text());
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

  /** OpenAI's finish reason: {@code "length"} at the token limit, else {@code "stop"} (never for a cancelled reply). */
  static String finishReason(FinishReason reason) {
    if (reason == FinishReason.CANCELLED) {
      throw new IllegalArgumentException("a cancelled reply has no OpenAI finish reason");
    }
    return reason == FinishReason.LENGTH ? "length" : "stop";
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
      String content = content(m.get("content"), where + ".content");
      switch (role) {
        case "system", "developer" -> out.add(Message.system(content));
        case "user" -> out.add(Message.user(userText.apply(content)));
        case "assistant" -> out.add(Message.assistant(content));
        default -> throw Json.invalid(where + ".role", where + ".role must be system, developer, user or assistant, was '"
            + role + "'");
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
    for (String field : List.of("tools", "functions")) {
      JsonNode v = body.get(field);
      if (v != null && !v.isNull() && !(v.isArray() && v.isEmpty())) {
        throw unsupported(field, "field '" + field + "' is not supported: this server does not call tools");
      }
    }
    for (String field : List.of("tool_choice", "function_call")) {
      JsonNode v = body.get(field);
      if (v != null && !v.isNull() && !"none".equals(v.asText(null))) {
        throw unsupported(field, "field '" + field + "' is not supported: this server does not call tools");
      }
    }
    JsonNode format = body.get("response_format");
    if (format != null && !format.isNull() && !"text".equals(format.path("type").asText())) {
      throw unsupported("response_format", "field 'response_format' must be {\"type\": \"text\"}: this server "
          + "does not constrain replies to JSON");
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
      throw OpenAiError.invalidRequest("invalid_field", null, e.getMessage());
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
      this.modelId = Objects.requireNonNull(modelId, "modelId");
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
      this.defaults = Objects.requireNonNull(defaults, "defaults");
      return this;
    }

    /**
     * Applied to the text of every user message (an input sanitizer): returns the text to use, or
     * throws to refuse the request. Identity by default.
     */
    public Builder userText(UnaryOperator<String> userText) {
      this.userText = Objects.requireNonNull(userText, "userText");
      return this;
    }

    /** The clock of the {@code created} field; the system's by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
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
