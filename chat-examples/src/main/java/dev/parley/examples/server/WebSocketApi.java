package dev.parley.examples.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.Message;
import dev.parley.memory.StoredMessage;
import dev.parley.ratelimit.Decision;
import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.RateLimiter;
import dev.parley.ratelimit.TokenBucketRateLimiter;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSockets, JSON frames both ways.
 *
 * <p>{@code /ws/sessions/{id}}: one connection per user per session (a newer one replaces the
 * older, closed with 4000). The client sends {@code {"type": "message", "content": ...}} or {@code
 * {"type": "cancel"}}; the reply comes as {@code chunk} frames and ends with {@code complete}
 * (usage, finish reason).
 *
 * <p>{@code /ws/rooms/{name}}: everyone in the room sees every message, and the room's history on
 * joining ({@code history}). A message starting with {@code /ai} also asks the model, whose reply
 * everyone sees as {@code chunk} / {@code complete} frames.
 *
 * <p>Problems get an {@code error} frame and the connection stays open; binary frames close it with
 * 1003, a flood of frames (over 20 a second) with 1008, a frame over the size limit with 1009.
 * The server pings every 15 s; a peer silent for the idle time is closed.
 */
final class WebSocketApi {
  private static final Logger log = LoggerFactory.getLogger(WebSocketApi.class);
  private static final Pattern ROOM = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  static final String ROOM_PREFIX = "room:";

  private final ChatService chat;
  private final Map<String, WsContext> sessionSockets = new ConcurrentHashMap<>();
  private final Map<String, ChatService.Reply> sessionReplies = new ConcurrentHashMap<>();
  private final Map<String, Set<WsContext>> rooms = new ConcurrentHashMap<>();
  private final RateLimiter frames = TokenBucketRateLimiter.builder()
      .limit(Limit.builder("frames").capacity(20).refillGreedy(20, Duration.ofSeconds(1)).build())
      .idleKeyTimeout(Duration.ofMinutes(1)).build();

  WebSocketApi(ChatService chat) {
    this.chat = chat;
  }

  int roomMembers() {
    int n = 0;
    for (Set<WsContext> members : rooms.values()) {
      n += members.size();
    }
    return n;
  }

  // ---- private sessions ----

  void session(WsConfig ws) {
    ws.onConnect(ctx -> {
      chat.metrics.webSockets.incrementAndGet();
      String user = ctx.attribute(ChatServer.USER);
      String id = ctx.pathParam("id");
      if (chat.store.session(id).filter(s -> user.equals(s.owner())).isEmpty()) {
        sendError(ctx, ApiError.notFound("session " + id));
        ctx.closeSession(4404, "session not found");
        return;
      }
      ctx.attribute("sessionKey", user + "\u0000" + id);
      WsContext previous = sessionSockets.put(user + "\u0000" + id, ctx);
      if (previous != null && !previous.sessionId().equals(ctx.sessionId())) {
        previous.closeSession(4000, "replaced by a newer connection");
      }
      ctx.enableAutomaticPings(15, TimeUnit.SECONDS);
    });
    ws.onMessage(ctx -> {
      if (!admitFrame(ctx)) {
        return;
      }
      String key = ctx.attribute("sessionKey");
      if (key == null) {
        return;
      }
      try {
        ObjectNode frame = JsonBodies.object(ctx.message(), false);
        String type = JsonBodies.requiredString(frame, "type");
        if ("cancel".equals(type)) {
          ChatService.Reply r = sessionReplies.get(key);
          if (r != null) {
            r.cancel();
          }
          return;
        }
        if (!"message".equals(type)) {
          throw ApiError.badRequest("invalid_field", "field 'type' must be 'message' or 'cancel', was '" + type + "'");
        }
        if (sessionReplies.containsKey(key)) {
          throw new ApiError(409, "reply_in_progress", "wait for the reply in progress, or send {\"type\": \"cancel\"}");
        }
        String user = ctx.attribute(ChatServer.USER);
        String id = ctx.pathParam("id");
        chat.owned(user, id);
        String text = chat.sanitize(JsonBodies.requiredString(frame, "content"));
        Decision decision = chat.admit(user);
        chat.remember(id, Message.user(text).withMetadata(ChatService.AUTHOR, user));
        send(ctx, Map.of("type", "accepted", "rateLimit", rateLimit(decision)));
        ChatService.Reply reply = chat.reply(id, chat.defaultOptions().build(), null, new ChatService.ReplyListener() {
          @Override
          public void onToken(String token) {
            send(ctx, Map.of("type", "chunk", "content", token));
          }

          @Override
          public void onComplete(ChatResponse response) {
            sessionReplies.remove(key);
            send(ctx, complete(null, response));
          }

          @Override
          public void onError(ApiError error) {
            sessionReplies.remove(key);
            sendError(ctx, error);
          }
        });
        sessionReplies.put(key, reply);
      } catch (ApiError e) {
        sendError(ctx, e);
      }
    });
    ws.onBinaryMessage(ctx -> ctx.closeSession(1003, "binary frames are not supported; send JSON text frames"));
    ws.onClose(ctx -> {
      chat.metrics.webSockets.decrementAndGet();
      String key = ctx.attribute("sessionKey");
      if (key != null) {
        sessionSockets.remove(key, ctx);
        ChatService.Reply r = sessionReplies.remove(key);
        if (r != null) {
          r.cancel(); // nobody is listening any more
        }
      }
    });
    ws.onError(ctx -> log.debug("websocket error", ctx.error()));
  }

  // ---- rooms ----

  void room(WsConfig ws) {
    ws.onConnect(ctx -> {
      chat.metrics.webSockets.incrementAndGet();
      String name = ctx.pathParam("name");
      if (!ROOM.matcher(name).matches()) {
        sendError(ctx, ApiError.badRequest("invalid_room", "room names are 1 to 64 letters, digits, '-' or '_'"));
        ctx.closeSession(4400, "invalid room name");
        return;
      }
      ctx.attribute("room", name);
      rooms.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(ctx);
      List<StoredMessage> history = chat.transcript(ROOM_PREFIX + name);
      send(ctx, Map.of("type", "history", "room", name, "messages", RestApi.messages(history)));
      ctx.enableAutomaticPings(15, TimeUnit.SECONDS);
    });
    ws.onMessage(ctx -> {
      if (!admitFrame(ctx)) {
        return;
      }
      String name = ctx.attribute("room");
      if (name == null) {
        return;
      }
      try {
        ObjectNode frame = JsonBodies.object(ctx.message(), false);
        String type = JsonBodies.requiredString(frame, "type");
        if (!"message".equals(type)) {
          throw ApiError.badRequest("invalid_field", "field 'type' must be 'message', was '" + type + "'");
        }
        String user = ctx.attribute(ChatServer.USER);
        String text = chat.sanitize(JsonBodies.requiredString(frame, "content"));
        chat.admit(user);
        String conversation = ROOM_PREFIX + name;
        chat.remember(conversation, Message.user(text).withMetadata(ChatService.AUTHOR, user));
        broadcast(name, Map.of("type", "message", "author", user, "content", text));
        if (text.startsWith("/ai")) {
          String replyId = java.util.UUID.randomUUID().toString();
          chat.reply(conversation, chat.defaultOptions().build(), "ai", new ChatService.ReplyListener() {
            @Override
            public void onToken(String token) {
              broadcast(name, Map.of("type", "chunk", "id", replyId, "author", "ai", "content", token));
            }

            @Override
            public void onComplete(ChatResponse response) {
              broadcast(name, complete(replyId, response));
            }

            @Override
            public void onError(ApiError error) {
              Map<String, Object> frameOut = new LinkedHashMap<>(error.body());
              frameOut.put("type", "error");
              frameOut.put("id", replyId);
              broadcast(name, frameOut);
            }
          });
        }
      } catch (ApiError e) {
        sendError(ctx, e);
      }
    });
    ws.onBinaryMessage(ctx -> ctx.closeSession(1003, "binary frames are not supported; send JSON text frames"));
    ws.onClose(ctx -> {
      chat.metrics.webSockets.decrementAndGet();
      String name = ctx.attribute("room");
      if (name != null) {
        Set<WsContext> members = rooms.get(name);
        if (members != null) {
          members.remove(ctx);
        }
      }
    });
    ws.onError(ctx -> log.debug("websocket error", ctx.error()));
  }

  private void broadcast(String room, Object frame) {
    Set<WsContext> members = rooms.get(room);
    if (members == null) {
      return;
    }
    String text = JsonBodies.write(frame);
    for (WsContext member : members) {
      sendText(member, text);
    }
  }

  private static Map<String, Object> complete(String replyId, ChatResponse response) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("type", "complete");
    if (replyId != null) {
      out.put("id", replyId);
      out.put("author", "ai");
    }
    out.put("content", response.text());
    out.put("finishReason", response.finishReason().name());
    out.put("usage", RestApi.usage(response));
    return out;
  }

  static Map<String, Object> rateLimit(Decision d) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("limit", d.limit());
    out.put("remaining", d.remaining());
    out.put("resetSeconds", TimeUnit.NANOSECONDS.toSeconds(d.resetAfter().toNanos()));
    return out;
  }

  private boolean admitFrame(WsContext ctx) {
    if (frames.tryAcquire(ctx.sessionId()).allowed()) {
      return true;
    }
    ctx.closeSession(1008, "too many frames; at most 20 a second");
    return false;
  }

  private static void sendError(WsContext ctx, ApiError e) {
    Map<String, Object> frame = new LinkedHashMap<>(e.body());
    frame.put("type", "error");
    frame.put("status", e.status());
    if (e.decision() != null) {
      frame.put("retryAfterSeconds", Math.max(1, TimeUnit.NANOSECONDS.toSeconds(e.decision().retryAfterNanos()) + 1));
    }
    send(ctx, frame);
  }

  private static void send(WsContext ctx, Object frame) {
    sendText(ctx, JsonBodies.write(frame));
  }

  private static void sendText(WsContext ctx, String text) {
    // Jetty's WebSocket session allows one write at a time; frames of one socket are serialized here.
    synchronized (ctx.session) {
      try {
        if (ctx.session.isOpen()) {
          ctx.send(text);
        }
      } catch (RuntimeException e) {
        log.debug("dropping a frame for a closed websocket", e);
      }
    }
  }
}
