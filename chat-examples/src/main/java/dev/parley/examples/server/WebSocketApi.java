package dev.parley.examples.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.chat.ChatResponse;
import dev.parley.memory.StoredMessage;
import dev.parley.pipeline.Reply;
import dev.parley.pipeline.Turn;
import dev.parley.pipeline.TurnOutcome;
import dev.parley.ratelimit.Decision;
import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.RateLimiter;
import dev.parley.ratelimit.TokenBucketRateLimiter;
import dev.parley.store.jdbc.ConversationSummary;
import dev.parley.store.jdbc.StoreException;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.eclipse.jetty.websocket.api.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSockets, JSON frames both ways.
 *
 * <p>{@code /ws/conversations/{id}}: one connection per user per conversation (a newer one replaces the
 * older, closed with 4000). The client sends {@code {"type": "message", "content": ...}} or {@code
 * {"type": "cancel"}}; the reply comes as {@code chunk} frames (the model's reasoning, where it
 * sets it apart, as {@code reasoning} frames before them) and ends with {@code complete} (usage,
 * finish reason, the reasoning).
 *
 * <p>{@code /ws/rooms/{name}}: everyone in the room sees every message, and the room's history on
 * joining ({@code history}). A message starting with {@code /ai} also asks the model, whose reply
 * everyone sees as {@code chunk} / {@code complete} frames.
 *
 * <p>Problems get an {@code error} frame and the connection stays open; binary frames close it with
 * 1003, a flood of frames (over {@code --ws-max-frames-per-second}) with 1008, a frame over the size limit with 1009.
 * The server pings every 15 s; a peer silent for the idle time is closed.
 */
final class WebSocketApi {
  private static final Logger log = LoggerFactory.getLogger(WebSocketApi.class);
  private static final Pattern ROOM = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  static final String ROOM_PREFIX = "room:";

  private static final String OUTBOX = "parley.outbox";
  private static final String COUNTED = "parley.counted";
  private static final String UPGRADE_ORDER = "parley.upgrade-order";

  private final ChatService chat;
  private final long maxQueuedBytes;
  private final int maxPerUser;
  private final int roomHistory;
  private final Map<String, AtomicInteger> openPerUser = new ConcurrentHashMap<>();
  private final Map<String, WsContext> conversationSockets = new ConcurrentHashMap<>();
  private final Map<String, Reply> conversationReplies = new ConcurrentHashMap<>();
  private final Map<String, Set<WsContext>> rooms = new ConcurrentHashMap<>();
  private final int framesPerSecond;
  private final RateLimiter frames;
  /** The most bytes any socket has had waiting at once: the bound on what slow readers hold. */
  private final AtomicLong mostQueued = new AtomicLong();
  private final AtomicLong upgrades = new AtomicLong();

  WebSocketApi(ChatService chat, ServerOptions options) {
    this.chat = chat;
    this.framesPerSecond = options.wsMaxFramesPerSecond;
    this.frames = TokenBucketRateLimiter.builder()
        .limit(Limit.builder("frames").capacity(framesPerSecond).refillGreedy(framesPerSecond, Duration.ofSeconds(1))
            .build())
        .idleKeyTimeout(Duration.ofMinutes(1)).build();
    this.maxQueuedBytes = options.wsMaxQueuedBytes;
    this.maxPerUser = options.wsMaxPerUser;
    this.roomHistory = options.roomHistory;
  }

  /**
   * Counts the connection against its user's limit, and gives it an outbox; false (and the
   * connection closed with 1008) over the limit.
   */
  private boolean open(WsContext ctx) {
    chat.metrics.webSockets.incrementAndGet();
    ctx.attribute(OUTBOX, new AtomicLong());
    String user = ctx.attribute(HttpGuard.USER);
    AtomicInteger open = openPerUser.computeIfAbsent(user, u -> new AtomicInteger());
    if (open.incrementAndGet() > maxPerUser) {
      release(user, open);
      ctx.closeSession(1008, "too many connections: at most " + maxPerUser + " per user");
      return false;
    }
    ctx.attribute(COUNTED, Boolean.TRUE);
    return true;
  }

  private void closed(WsContext ctx) {
    chat.metrics.webSockets.decrementAndGet();
    if (Boolean.TRUE.equals(ctx.attribute(COUNTED))) {
      ctx.attribute(COUNTED, Boolean.FALSE);
      String user = ctx.attribute(HttpGuard.USER);
      AtomicInteger open = openPerUser.get(user);
      if (open != null) {
        release(user, open);
      }
    }
  }

  private void release(String user, AtomicInteger open) {
    if (open.decrementAndGet() <= 0) {
      openPerUser.remove(user, open);
    }
  }

  /** Numbers each WebSocket upgrade in the order the requests came (before the connection opens). */
  void stampUpgrade(io.javalin.http.Context ctx) {
    ctx.attribute(UPGRADE_ORDER, upgrades.incrementAndGet());
  }

  private static long upgradeOrder(WsContext ctx) {
    Long order = ctx.attribute(UPGRADE_ORDER);
    return order == null ? 0 : order;
  }

  /** The most bytes any one socket has had waiting to be sent at once, so far. */
  long mostQueuedBytes() {
    return mostQueued.get();
  }

  int openConnections(String user) {
    AtomicInteger open = openPerUser.get(user);
    return open == null ? 0 : open.get();
  }

  int roomMembers() {
    int n = 0;
    for (Set<WsContext> members : rooms.values()) {
      n += members.size();
    }
    return n;
  }

  // ---- private conversations ----

  void conversation(WsConfig ws) {
    ws.onConnect(ctx -> {
      if (!open(ctx)) {
        return;
      }
      String user = ctx.attribute(HttpGuard.USER);
      String id = ctx.pathParam("id");
      Optional<ConversationSummary> summary;
      try {
        summary = chat.store.summary(id);
      } catch (StoreException e) {
        storeFailed(ctx, e);
        return;
      }
      if (summary.filter(s -> user.equals(s.owner())).isEmpty()) {
        sendError(ctx, ApiError.notFound("conversation " + id));
        ctx.closeSession(4404, "conversation not found");
        return;
      }
      ctx.attribute("conversationKey", user + "\u0000" + id);
      // The newer upgrade wins, whichever connection finishes opening first: two connects racing
      // through the store lookup above must not leave the older one in place.
      WsContext[] replaced = new WsContext[1];
      WsContext kept = conversationSockets.merge(user + "\u0000" + id, ctx, (previous, mine) -> {
        boolean newer = upgradeOrder(mine) > upgradeOrder(previous);
        replaced[0] = newer ? previous : mine;
        return newer ? mine : previous;
      });
      if (replaced[0] != null && !replaced[0].sessionId().equals(kept.sessionId())) {
        replaced[0].closeSession(4000, "replaced by a newer connection");
        if (replaced[0] == ctx) {
          return;
        }
      }
      ctx.enableAutomaticPings(15, TimeUnit.SECONDS);
    });
    ws.onMessage(ctx -> {
      if (!admitFrame(ctx)) {
        return;
      }
      String key = ctx.attribute("conversationKey");
      if (key == null) {
        return;
      }
      try {
        ObjectNode frame = JsonBodies.object(ctx.message(), false);
        String type = JsonBodies.requiredString(frame, "type");
        if ("cancel".equals(type)) {
          Reply r = conversationReplies.get(key);
          if (r != null) {
            r.cancel();
          }
          return;
        }
        if (!"message".equals(type)) {
          throw ApiError.badRequest("invalid_field", "field 'type' must be 'message' or 'cancel', was '" + type + "'");
        }
        if (conversationReplies.containsKey(key)) {
          throw new ApiError(409, "reply_in_progress", "wait for the reply in progress, or send {\"type\": \"cancel\"}");
        }
        String user = ctx.attribute(HttpGuard.USER);
        String id = ctx.pathParam("id");
        chat.owned(user, id);
        String content = JsonBodies.requiredString(frame, "content");
        // The reply's frames wait until "accepted" is sent, so a client always reads them in order.
        Gate reply = new Gate(new ChatService.ReplyRenderer() {
          @Override
          public void onToken(String token) {
            send(ctx, Map.of("type", "chunk", "content", token));
          }

          @Override
          public void onReasoning(String text) {
            send(ctx, Map.of("type", "reasoning", "content", text));
          }

          @Override
          public void onComplete(ChatResponse response) {
            conversationReplies.remove(key);
            send(ctx, complete(null, response));
          }

          @Override
          public void onError(ApiError error) {
            conversationReplies.remove(key);
            sendError(ctx, error);
          }
        });
        TurnOutcome.Started started = (TurnOutcome.Started) chat.turn(Turn.message(user, id, content), reply);
        conversationReplies.put(key, started.reply());
        Map<String, Object> accepted = new LinkedHashMap<>();
        accepted.put("type", "accepted");
        accepted.put("rateLimit", rateLimit(started.decision()));
        if (started.tokens() != null) {
          accepted.put("tokens", rateLimit(started.tokens())); // the daily LLM-token quota
        }
        send(ctx, accepted);
        reply.open();
      } catch (ApiError e) {
        sendError(ctx, e);
      } catch (StoreException e) {
        log.warn("store failed on a conversation socket: {}", e.getMessage());
        sendError(ctx, STORE_UNAVAILABLE);
      }
    });
    ws.onBinaryMessage(ctx -> ctx.closeSession(1003, "binary frames are not supported; send JSON text frames"));
    ws.onClose(ctx -> {
      closed(ctx);
      String key = ctx.attribute("conversationKey");
      // Only the conversation's current connection owns its reply: one replaced by a newer connection
      // (4000) that closes late must not cancel the newer one's.
      if (key != null && conversationSockets.remove(key, ctx)) {
        Reply r = conversationReplies.remove(key);
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
      if (!open(ctx)) {
        return;
      }
      String name = ctx.pathParam("name");
      if (!ROOM.matcher(name).matches()) {
        sendError(ctx, ApiError.badRequest("invalid_room", "room names are 1 to 64 letters, digits, '-' or '_'"));
        ctx.closeSession(4400, "invalid room name");
        return;
      }
      List<StoredMessage> history;
      try {
        history = chat.store.transcriptPage(ROOM_PREFIX + name, Long.MAX_VALUE, roomHistory + 1);
      } catch (StoreException e) {
        storeFailed(ctx, e);
        return;
      }
      ctx.attribute("room", name);
      rooms.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(ctx);
      sendHistory(ctx, name, history);
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
        if ("history".equals(type)) {
          Long before = JsonBodies.optionalInteger(frame, "before", 0, Long.MAX_VALUE);
          if (before == null) {
            throw ApiError.badRequest("missing_field", "field 'before' is required: the sequence of the oldest message you have");
          }
          sendHistory(ctx, name, chat.store.transcriptPage(ROOM_PREFIX + name, before, roomHistory + 1));
          return;
        }
        if (!"message".equals(type)) {
          throw ApiError.badRequest("invalid_field", "field 'type' must be 'message' or 'history', was '" + type + "'");
        }
        String user = ctx.attribute(HttpGuard.USER);
        String content = JsonBodies.requiredString(frame, "content");
        String replyId = java.util.UUID.randomUUID().toString();
        // The reply's frames wait until the message itself is broadcast.
        Gate reply = new Gate(new ChatService.ReplyRenderer() {
          @Override
          public void onToken(String token) {
            broadcast(name, Map.of("type", "chunk", "id", replyId, "author", "ai", "content", token));
          }

          @Override
          public void onReasoning(String text) {
            broadcast(name, Map.of("type", "reasoning", "id", replyId, "author", "ai", "content", text));
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
        Turn turn = Turn.message(user, ROOM_PREFIX + name, content);
        TurnOutcome outcome = chat.turn(content.startsWith("/ai") ? turn.replyAs("ai") : turn.withoutReply(), reply);
        StoredMessage stored = outcome instanceof TurnOutcome.Started s ? s.message() : ((TurnOutcome.Stored) outcome).message();
        broadcast(name, Map.of("type", "message", "author", user, "content", stored.message().content()));
        reply.open();
      } catch (ApiError e) {
        sendError(ctx, e);
      } catch (StoreException e) {
        log.warn("store failed in room {}: {}", name, e.getMessage());
        sendError(ctx, STORE_UNAVAILABLE);
      }
    });
    ws.onBinaryMessage(ctx -> ctx.closeSession(1003, "binary frames are not supported; send JSON text frames"));
    ws.onClose(ctx -> {
      closed(ctx);
      String name = ctx.attribute("room");
      if (name != null) {
        rooms.computeIfPresent(name, (n, members) -> {
          members.remove(ctx);
          return members.isEmpty() ? null : members; // an empty room keeps nothing
        });
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
    if (response.reasoning() != null) {
      out.put("reasoning", response.reasoning());
    }
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
    ctx.closeSession(1008, "too many frames; at most " + framesPerSecond + " a second");
    return false;
  }

  private void sendError(WsContext ctx, ApiError e) {
    Map<String, Object> frame = new LinkedHashMap<>(e.body());
    frame.put("type", "error");
    frame.put("status", e.status());
    if (e.decision() != null) {
      frame.put("retryAfterSeconds", Math.max(1, TimeUnit.NANOSECONDS.toSeconds(e.decision().retryAfterNanos()) + 1));
    }
    send(ctx, frame);
  }

  private static final ApiError STORE_UNAVAILABLE =
      new ApiError(503, "store_unavailable", "the conversation store is not available; try again shortly");

  /** The store failed while a connection opened: an error frame, then 1011 without the store's own words. */
  private void storeFailed(WsContext ctx, StoreException e) {
    log.warn("store failed while a websocket opened: {}", e.getMessage());
    sendError(ctx, STORE_UNAVAILABLE);
    ctx.closeSession(1011, "the conversation store is not available");
  }

  /** {@code page}: up to one more than the page size, oldest first; the extra one says there is more. */
  private void sendHistory(WsContext ctx, String room, List<StoredMessage> page) {
    boolean more = page.size() > roomHistory;
    List<StoredMessage> shown = more ? page.subList(page.size() - roomHistory, page.size()) : page;
    Map<String, Object> frame = new LinkedHashMap<>();
    frame.put("type", "history");
    frame.put("room", room);
    frame.put("messages", RestApi.messages(shown));
    frame.put("more", more);
    send(ctx, frame);
  }

  private void send(WsContext ctx, Object frame) {
    sendText(ctx, JsonBodies.write(frame));
  }

  /**
   * Queues a frame, unless the socket already has its limit of bytes waiting: a client that does
   * not read as fast as frames come is disconnected rather than holding them in memory.
   */
  private void sendText(WsContext ctx, String text) {
    AtomicLong queued = ctx.attribute(OUTBOX); // set by open(), before anything is sent
    long bytes = utf8Length(text);
    // Frames of one socket are queued in order.
    synchronized (ctx.session) {
      if (!ctx.session.isOpen()) {
        return;
      }
      if (queued.get() + bytes > maxQueuedBytes) {
        log.debug("disconnecting a websocket that reads too slowly: {} bytes waiting", queued.get());
        ctx.session.disconnect();
        return;
      }
      mostQueued.accumulateAndGet(queued.addAndGet(bytes), Math::max);
      ctx.session.sendText(text, Callback.from(() -> queued.addAndGet(-bytes), failure -> queued.addAndGet(-bytes)));
    }
  }

  private static long utf8Length(String text) {
    long n = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
    }
    return n;
  }

  /**
   * Holds a reply's events until {@link #open()}, then passes them on in order: the frames that
   * must come first (accepted, the room message) are sent before any of the reply's.
   */
  private static final class Gate implements ChatService.ReplyRenderer {
    private final ChatService.ReplyRenderer target;
    private @Nullable List<Runnable> held = new ArrayList<>();

    Gate(ChatService.ReplyRenderer target) {
      this.target = target;
    }

    synchronized void open() {
      List<Runnable> events = held;
      held = null;
      if (events != null) {
        events.forEach(Runnable::run);
      }
    }

    private synchronized void deliver(Runnable event) {
      if (held != null) {
        held.add(event);
      } else {
        event.run();
      }
    }

    @Override
    public void onToken(String token) {
      deliver(() -> target.onToken(token));
    }

    @Override
    public void onReasoning(String text) {
      deliver(() -> target.onReasoning(text));
    }

    @Override
    public void onComplete(ChatResponse response) {
      deliver(() -> target.onComplete(response));
    }

    @Override
    public void onError(ApiError error) {
      deliver(() -> target.onError(error));
    }
  }
}
