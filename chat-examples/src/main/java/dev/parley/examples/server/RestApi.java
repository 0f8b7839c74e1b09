package dev.parley.examples.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.chat.ChatResponse;
import dev.parley.memory.StoredMessage;
import dev.parley.pipeline.ReplyStatus;
import dev.parley.pipeline.Turn;
import dev.parley.pipeline.TurnOutcome;
import dev.parley.store.jdbc.ConversationSummary;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The product-style API: private conversations (create, list, get with history, delete) and messages whose
 * replies stream back as Server-Sent Events.
 *
 * <pre>
 * POST   /api/conversations                  {"title": "..."}        → 201 conversation
 * GET    /api/conversations                                          → {"conversations": [...]}
 * GET    /api/conversations/{id}                                     → conversation + messages
 * DELETE /api/conversations/{id}                                     → 204
 * POST   /api/conversations/{id}/messages    {"content": "..."}      → text/event-stream:
 *        event: token  data: {"text": "..."}     (one per token)
 *        event: done   data: {"finishReason": "STOP", "usage": {...}, "text": "..."}
 *        event: error  data: {"error": {...}}    (instead of done, if the model fails)
 * </pre>
 */
final class RestApi {
  private final ChatService chat;

  RestApi(ChatService chat) {
    this.chat = chat;
  }

  void createConversation(Context ctx) {
    ObjectNode body = JsonBodies.object(ctx.body(), true);
    String title = JsonBodies.optionalString(body, "title");
    ConversationSummary s = chat.createConversation(HttpGuard.user(ctx), title == null ? "" : title);
    ctx.status(201).header("Location", "/api/conversations/" + s.id()).json(summary(s));
  }

  /** A page of the caller's conversations, oldest first: {@code ?limit=} (100, at most 1000) and {@code ?offset=}. */
  void listConversations(Context ctx) {
    int limit = queryInt(ctx, "limit", 100, 1, 1000);
    int offset = queryInt(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    List<ConversationSummary> page = chat.conversations(HttpGuard.user(ctx), offset, limit + 1);
    List<Map<String, Object>> out = new ArrayList<>();
    for (ConversationSummary s : page.subList(0, Math.min(limit, page.size()))) {
      out.add(summary(s));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("conversations", out);
    body.put("next", page.size() > limit ? "/api/conversations?offset=" + (offset + limit) + "&limit=" + limit : null);
    ctx.json(body);
  }

  private static int queryInt(Context ctx, String name, int otherwise, int min, int max) {
    String value = ctx.queryParam(name);
    if (value == null || value.isEmpty()) {
      return otherwise;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException notANumber) {
      // answered below
    }
    throw ApiError.badRequest("invalid_parameter", "query parameter '" + name + "' must be an integer from " + min
        + " to " + max + ", was '" + value + "'");
  }

  void getConversation(Context ctx) {
    ConversationSummary s = chat.owned(HttpGuard.user(ctx), ctx.pathParam("id"));
    Map<String, Object> out = summary(s);
    out.put("messages", messages(chat.transcript(s.id())));
    ctx.json(out);
  }

  void deleteConversation(Context ctx) {
    chat.delete(HttpGuard.user(ctx), ctx.pathParam("id"));
    ctx.status(204);
  }

  void postMessage(Context ctx) throws Exception {
    String user = HttpGuard.user(ctx);
    ConversationSummary s = chat.owned(user, ctx.pathParam("id"));
    ObjectNode body = JsonBodies.object(ctx.body(), false);
    String content = JsonBodies.requiredString(body, "content");
    EventStream stream = new EventStream(ctx);
    // Refused or rate-limited turns throw their ApiError here, before anything is sent.
    TurnOutcome.Started started = (TurnOutcome.Started) chat.turn(Turn.message(user, s.id(), content), stream);
    ChatService.rateLimitHeaders(started.decision(), started.tokens()).forEach(ctx::header);
    chat.metrics.sseStreams.incrementAndGet();
    try {
      stream.pump(RestApi::render, started.reply()::cancel, "");
    } finally {
      chat.metrics.sseStreams.decrementAndGet();
    }
  }

  private static String render(Object event) {
    if (event instanceof EventStream.Token t) {
      return EventStream.event("token", Map.of("text", t.text()));
    }
    if (event instanceof ChatResponse r) {
      Map<String, Object> done = new LinkedHashMap<>();
      done.put("finishReason", r.finishReason().name());
      done.put("text", r.text());
      done.put("usage", usage(r));
      return EventStream.event("done", done);
    }
    return EventStream.event("error", ((ApiError) event).body());
  }

  static Map<String, Object> usage(ChatResponse r) {
    Map<String, Object> usage = new LinkedHashMap<>();
    usage.put("promptTokens", r.usage().promptTokens());
    usage.put("completionTokens", r.usage().completionTokens());
    usage.put("totalTokens", r.usage().totalTokens());
    return usage;
  }

  static Map<String, Object> summary(ConversationSummary s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", s.id());
    out.put("title", s.title());
    out.put("createdAt", s.createdAt().toString());
    return out;
  }

  static List<Map<String, Object>> messages(List<StoredMessage> transcript) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (StoredMessage m : transcript) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("sequence", m.sequence());
      one.put("role", m.message().role().name().toLowerCase(java.util.Locale.ROOT));
      one.put("content", m.message().content());
      if (m.message().reasoning() != null) {
        one.put("reasoning", m.message().reasoning());
      }
      one.put("createdAt", m.message().timestamp().toString());
      String author = m.message().metadata().get(ChatService.AUTHOR);
      if (author != null) {
        one.put("author", author);
      }
      if (ReplyStatus.of(m.message()) == ReplyStatus.CANCELLED) {
        one.put("cancelled", true);
      }
      out.add(one);
    }
    return out;
  }
}
