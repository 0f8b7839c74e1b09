package dev.parley.examples.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.ratelimit.Decision;
import dev.parley.ratelimit.RateLimitHeaders;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code POST /v1/chat/completions} (streaming and not) and {@code GET /v1/models} in the shape the
 * OpenAI client libraries read, so they work against this server by changing only the base URL.
 * Requests are stateless, as in OpenAI's API: the client sends the whole conversation each time.
 */
final class OpenAiApi {
  /** A reply the server stopped before it ended (shutting down): not a whole completion. */
  private static final ApiError CUT_SHORT = new ApiError(503, "reply_cancelled",
      "the server stopped this reply before it ended (it is shutting down); send the request again");

  /** As OpenAI: at most 4 stop sequences. */
  private static final int MAX_STOP_SEQUENCES = 4;

  private final ChatService chat;

  OpenAiApi(ChatService chat) {
    this.chat = chat;
  }

  void models(Context ctx) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("id", chat.runtime.model.id());
    model.put("object", "model");
    model.put("created", 0);
    model.put("owned_by", "parley");
    ctx.json(Map.of("object", "list", "data", List.of(model)));
  }

  void completions(Context ctx) throws Exception {
    String user = ChatServer.user(ctx);
    ObjectNode body = JsonBodies.object(ctx.body(), false);
    List<Message> messages = messages(body);
    GenerationOptions options = options(body);
    boolean stream = JsonBodies.optionalBoolean(body, "stream", false);
    boolean includeUsage = stream && body.path("stream_options").path("include_usage").asBoolean(false);
    Decision decision = chat.admit(user);
    RateLimitHeaders.of(decision).forEach(ctx::header);
    String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    long created = System.currentTimeMillis() / 1000;
    String model = chat.runtime.model.id();

    if (!stream) {
      CompletableFuture<Object> result = new CompletableFuture<>();
      ChatService.Reply reply = chat.replyUnstored(messages, options, new ChatService.ReplyListener() {
        @Override
        public void onToken(String token) {}

        @Override
        public void onComplete(ChatResponse response) {
          result.complete(response);
        }

        @Override
        public void onError(ApiError error) {
          result.complete(error);
        }
      });
      Object outcome;
      ClientDisconnect.Registration watching = ClientDisconnect.onClose(ctx, reply::cancel);
      try {
        outcome = result.get();
      } catch (InterruptedException | ExecutionException e) {
        reply.cancel();
        throw e;
      } finally {
        watching.close();
      }
      if (outcome instanceof ApiError error) {
        throw error;
      }
      ChatResponse r = (ChatResponse) outcome;
      if (r.finishReason() == FinishReason.CANCELLED) {
        throw CUT_SHORT; // OpenAI has no finish reason for it, and "stop" would say the reply is whole
      }
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("role", "assistant");
      message.put("content", r.text());
      Map<String, Object> choice = new LinkedHashMap<>();
      choice.put("index", 0);
      choice.put("message", message);
      choice.put("logprobs", null);
      choice.put("finish_reason", finishReason(r.finishReason()));
      Map<String, Object> out = envelope(id, "chat.completion", created, model);
      out.put("choices", List.of(choice));
      out.put("usage", usage(r));
      ctx.json(out);
      return;
    }

    EventStream events = new EventStream(ctx);
    chat.metrics.sseStreams.incrementAndGet();
    try {
      // The first chunk carries the role, as OpenAI's does.
      ChatService.Reply reply = chat.replyUnstored(messages, options, events);
      boolean[] first = {true};
      events.pump(event -> {
        StringBuilder out = new StringBuilder();
        if (first[0] && !(event instanceof ApiError)) {
          first[0] = false;
          out.append(data(chunk(id, created, model, Map.of("role", "assistant", "content", ""), null)));
        }
        if (event instanceof EventStream.Token t) {
          out.append(data(chunk(id, created, model, Map.of("content", t.text()), null)));
        } else if (event instanceof ChatResponse r && r.finishReason() == FinishReason.CANCELLED) {
          out.append(data(CUT_SHORT.body())); // an error event, as OpenAI streams its errors
        } else if (event instanceof ChatResponse r) {
          out.append(data(chunk(id, created, model, Map.of(), finishReason(r.finishReason()))));
          if (includeUsage) {
            Map<String, Object> last = envelope(id, "chat.completion.chunk", created, model);
            last.put("choices", List.of());
            last.put("usage", usage(r));
            out.append(data(last));
          }
        } else {
          out.append(data(((ApiError) event).body()));
        }
        return out.toString();
      }, reply::cancel, "data: [DONE]\n\n");
    } finally {
      chat.metrics.sseStreams.decrementAndGet();
    }
  }

  private static String data(Object json) {
    return "data: " + JsonBodies.write(json) + "\n\n";
  }

  private static Map<String, Object> envelope(String id, String object, long created, String model) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("object", object);
    out.put("created", created);
    out.put("model", model);
    out.put("system_fingerprint", null);
    return out;
  }

  private static Map<String, Object> chunk(String id, long created, String model, Map<String, Object> delta,
      String finishReason) {
    Map<String, Object> choice = new LinkedHashMap<>();
    choice.put("index", 0);
    choice.put("delta", delta);
    choice.put("logprobs", null);
    choice.put("finish_reason", finishReason);
    Map<String, Object> out = envelope(id, "chat.completion.chunk", created, model);
    out.put("choices", List.of(choice));
    return out;
  }

  private static Map<String, Object> usage(ChatResponse r) {
    Map<String, Object> usage = new LinkedHashMap<>();
    usage.put("prompt_tokens", r.usage().promptTokens());
    usage.put("completion_tokens", r.usage().completionTokens());
    usage.put("total_tokens", r.usage().totalTokens());
    return usage;
  }

  private static String finishReason(FinishReason reason) {
    return reason == FinishReason.LENGTH ? "length" : "stop";
  }

  private List<Message> messages(JsonNode body) {
    JsonNode list = body.get("messages");
    if (list == null || list.isNull()) {
      throw ApiError.badRequest("missing_field", "field 'messages' is required");
    }
    if (!list.isArray() || list.isEmpty()) {
      throw ApiError.badRequest("invalid_field", "field 'messages' must be a non-empty array, was " + JsonBodies.kind(list)
          + (list.isArray() ? " (empty)" : ""));
    }
    List<Message> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode m = list.get(i);
      String where = "messages[" + i + "]";
      if (!m.isObject()) {
        throw ApiError.badRequest("invalid_field", where + " must be an object, was " + JsonBodies.kind(m));
      }
      String role = JsonBodies.requiredString(m, "role").toLowerCase(Locale.ROOT);
      String content = content(m.get("content"), where);
      switch (role) {
        case "system":
        case "developer":
          out.add(Message.system(content));
          break;
        case "user":
          out.add(Message.user(chat.sanitize(content)));
          break;
        case "assistant":
          out.add(Message.assistant(content));
          break;
        default:
          throw ApiError.badRequest("invalid_field", where + ".role must be system, developer, user or assistant, was '"
              + role + "'");
      }
    }
    return out;
  }

  /** Content as a string, or as an array of {"type": "text", "text": ...} parts joined. */
  private static String content(JsonNode content, String where) {
    if (content == null || content.isNull()) {
      throw ApiError.badRequest("missing_field", "field '" + where + ".content' is required");
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (content.isArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : content) {
        if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
          throw ApiError.badRequest("invalid_field", where + ".content parts must be {\"type\": \"text\", \"text\": ...}; "
              + "this server takes text only");
        }
        text.append(part.get("text").asText());
      }
      return text.toString();
    }
    throw ApiError.badRequest("invalid_field", "field '" + where + ".content' must be a string or an array of text parts, was "
        + JsonBodies.kind(content));
  }

  /** Fields of OpenAI's request this server does not implement: refused, not silently ignored. */
  private static void refuseUnsupported(JsonNode body) {
    for (String field : List.of("tools", "functions")) {
      JsonNode v = body.get(field);
      if (v != null && !v.isNull() && !(v.isArray() && v.isEmpty())) {
        throw ApiError.badRequest("unsupported_field", "field '" + field + "' is not supported: this server does not call tools");
      }
    }
    for (String field : List.of("tool_choice", "function_call")) {
      JsonNode v = body.get(field);
      if (v != null && !v.isNull() && !"none".equals(v.asText(null))) {
        throw ApiError.badRequest("unsupported_field", "field '" + field + "' is not supported: this server does not call tools");
      }
    }
    JsonNode format = body.get("response_format");
    if (format != null && !format.isNull() && !"text".equals(format.path("type").asText())) {
      throw ApiError.badRequest("unsupported_field", "field 'response_format' must be {\"type\": \"text\"}: this server "
          + "does not constrain replies to JSON");
    }
    if (JsonBodies.optionalBoolean(body, "logprobs", false)) {
      throw ApiError.badRequest("unsupported_field", "field 'logprobs' is not supported: this server returns no log probabilities");
    }
    JsonNode topLogprobs = body.get("top_logprobs");
    if (topLogprobs != null && !topLogprobs.isNull()) {
      throw ApiError.badRequest("unsupported_field", "field 'top_logprobs' is not supported: this server returns no log probabilities");
    }
  }

  private GenerationOptions options(JsonNode body) {
    refuseUnsupported(body);
    GenerationOptions.Builder b = chat.defaultOptions();
    String maxField = body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
    Long maxTokens = JsonBodies.optionalInteger(body, maxField, 1, Long.MAX_VALUE);
    if (maxTokens != null) {
      if (maxTokens > chat.maxReplyTokens()) {
        // Refused rather than cut: a client that asked for more learns the cap instead of
        // reading a shorter reply as the model's choice (OpenAI answers 400 as well).
        throw ApiError.badRequest("invalid_field", "field '" + maxField + "' must be at most " + chat.maxReplyTokens()
            + ", this server's longest reply (--max-reply-tokens), was " + maxTokens);
      }
      b.maxTokens(maxTokens.intValue());
    }
    Double temperature = JsonBodies.optionalNumber(body, "temperature", 0, 2);
    if (temperature != null) {
      b.temperature(temperature);
    }
    Double topP = JsonBodies.optionalNumber(body, "top_p", 0, 1);
    if (topP != null) {
      if (topP <= 0) {
        throw ApiError.badRequest("invalid_field", "field 'top_p' must be greater than 0 and at most 1, was " + topP);
      }
      b.topP(topP);
    }
    Long seed = JsonBodies.optionalInteger(body, "seed", Long.MIN_VALUE, Long.MAX_VALUE);
    if (seed != null) {
      b.seed(seed);
    }
    Long n = JsonBodies.optionalInteger(body, "n", 1, 128);
    if (n != null && n != 1) {
      throw ApiError.badRequest("invalid_field", "field 'n' must be 1: this server returns one choice, was " + n);
    }
    JsonNode stop = body.get("stop");
    if (stop != null && !stop.isNull()) {
      List<String> stops = new ArrayList<>();
      if (stop.isTextual()) {
        stops.add(stop.asText());
      } else if (stop.isArray()) {
        for (JsonNode s : stop) {
          if (!s.isTextual()) {
            throw ApiError.badRequest("invalid_field", "field 'stop' must hold strings only");
          }
          stops.add(s.asText());
        }
      } else {
        throw ApiError.badRequest("invalid_field", "field 'stop' must be a string or an array of strings, was " + JsonBodies.kind(stop));
      }
      if (stops.size() > MAX_STOP_SEQUENCES) {
        throw ApiError.badRequest("invalid_field", "field 'stop' may hold at most " + MAX_STOP_SEQUENCES
            + " strings, was " + stops.size());
      }
      if (stops.stream().anyMatch(String::isEmpty)) {
        throw ApiError.badRequest("invalid_field", "field 'stop' must not hold an empty string: it would end every reply at once");
      }
      b.stopSequences(stops);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_field", e.getMessage());
    }
  }
}
