package dev.parley.examples.server;

import dev.parley.openai.OpenAiError;
import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.RateLimiter;
import dev.parley.ratelimit.TokenBucketRateLimiter;
import dev.parley.ratelimit.redis.RedisRateLimiter;
import dev.parley.store.jdbc.JdbcConversationStore;
import dev.parley.store.jdbc.StoreException;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.micrometer.core.instrument.Gauge;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.ee10.servlet.SessionHandler;
import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.NullSessionDataStore;
import org.eclipse.jetty.session.SessionCache;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Parley's example chat server: everything on one port.
 *
 * <ul>
 *   <li>{@code /} — the browser page; {@code /health}; {@code /metrics} (Prometheus)
 *   <li>{@code /api/sessions...} — REST + Server-Sent Events ({@link RestApi})
 *   <li>{@code /ws/sessions/{id}}, {@code /ws/rooms/{name}} — WebSockets ({@link WebSocketApi})
 *   <li>{@code /v1/chat/completions}, {@code /v1/models} — OpenAI-compatible ({@link OpenAiApi})
 * </ul>
 *
 * <p>Copy it and change what you need; {@link #start(ServerOptions, PrintStream)} shows the order
 * in which the pieces are built, and {@link #stop()} the order in which they are let go.
 */
public final class ChatServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChatServer.class);
  static final String USER = "parley.user";
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private final ServerOptions options;
  private final JdbcConversationStore store;
  private final ModelRuntime runtime;
  private final RateLimiter limiter;
  private final ChatService chat;
  private final WebSocketApi sockets;
  private final Authenticator auth;
  private final Javalin app;
  private final @Nullable String generatedKey;

  private ChatServer(ServerOptions o, JdbcConversationStore store, ModelRuntime runtime, RateLimiter limiter) {
    this.options = o;
    this.store = store;
    this.runtime = runtime;
    this.limiter = limiter;
    Map<String, String> keys = new LinkedHashMap<>(o.apiKeyUsers());
    if (keys.isEmpty() && o.jwtSecret == null) {
      byte[] random = new byte[24];
      new SecureRandom().nextBytes(random);
      generatedKey = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      keys.put(generatedKey, "local");
    } else {
      generatedKey = null;
    }
    this.auth = new Authenticator(keys, o.jwtSecret, o.jwtIssuer, o.jwtAudience);
    this.chat = new ChatService(store, runtime, limiter, o);
    this.sockets = new WebSocketApi(chat, o);
    Gauge.builder("parley.room.members", sockets, WebSocketApi::roomMembers)
        .description("People connected to chat rooms").register(chat.metrics.registry);
    this.app = Javalin.create(this::configure);
  }

  /** Builds the pieces and starts listening. */
  public static ChatServer start(ServerOptions o, PrintStream console) {
    return start(o, console, null);
  }

  static ChatServer start(ServerOptions o, PrintStream console, @Nullable ModelRuntime model) {
    o.validate();
    JdbcConversationStore store = JdbcConversationStore.builder(o.db).user(o.dbUser).password(o.dbPassword).build();
    ModelRuntime runtime = model;
    try {
      if (runtime == null) {
        runtime = ModelRuntime.from(o, console);
      }
      ChatServer server = new ChatServer(o, store, runtime, limiter(o));
      server.app.start(o.host, o.port);
      server.announce(console);
      return server;
    } catch (RuntimeException e) {
      if (runtime != null) {
        runtime.close();
      }
      store.close();
      throw e;
    }
  }

  private static RateLimiter limiter(ServerOptions o) {
    Limit minute = Limit.perMinute(o.requestsPerMinute);
    Limit day = Limit.perDay(o.requestsPerDay);
    if (o.redisUrl != null && !o.redisUrl.isBlank()) {
      return RedisRateLimiter.builder(o.redisUrl).limit(minute).limit(day)
          .timeout(Duration.ofMillis(o.redisTimeoutMs)).build();
    }
    return TokenBucketRateLimiter.builder().limit(minute).limit(day).build();
  }

  private void configure(io.javalin.config.JavalinConfig config) {
    config.startup.showJavalinBanner = false;
    config.http.maxRequestSize = options.maxBodyBytes;
    config.http.compressionStrategy = CompressionStrategy.NONE;
    // Jetty's per-connection header cache is a 96 KB table, and a WebSocket keeps its upgrade
    // request (and so the table) for its whole life: 480 MB of heap for 5,000 sockets. Off, a
    // socket costs a few KB; header parsing is not what this server spends its time on.
    config.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(0));
    // Javalin reads the HTTP session on every WebSocket upgrade (for WsContext.sessionAttribute),
    // and reading one creates one. The server keeps nothing in sessions: each is dropped as soon as
    // its request ends, instead of being kept, never expiring, for every connection ever made.
    // Jetty refuses some requests itself, before any route runs (a path with %00 or /../): answer
    // those in the API's JSON shape with the same security headers, not Jetty's HTML page.
    config.jetty.modifyServer(server -> server.setErrorHandler(ChatServer::jettyError));
    config.jetty.modifyServletContextHandler(handler -> {
      SessionHandler sessions = handler.getSessionHandler();
      DefaultSessionCache cache = new DefaultSessionCache(sessions);
      cache.setSessionDataStore(new NullSessionDataStore());
      cache.setEvictionPolicy(SessionCache.EVICT_ON_SESSION_EXIT);
      sessions.setSessionCache(cache);
      sessions.setMaxInactiveInterval(60);
    });
    config.jetty.modifyWebSocketServletFactory(factory -> {
      factory.setMaxTextMessageSize(options.maxFrameBytes);
      factory.setMaxBinaryMessageSize(1024);
      factory.setIdleTimeout(Duration.ofSeconds(options.wsIdleSeconds));
    });
    config.staticFiles.add(files -> {
      files.hostedPath = "/";
      files.directory = "/public";
      files.location = Location.CLASSPATH;
    });
    config.staticFiles.enableWebjars();
    if (!options.corsOrigins.isEmpty()) {
      config.bundledPlugins.enableCors(cors -> {
        for (String origin : options.corsOrigins) {
          cors.addRule(rule -> {
            rule.allowHost(origin.trim());
            for (String h : new String[] {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"}) {
              rule.exposeHeader(h);
            }
          });
        }
      });
    }

    var routes = config.routes;
    routes.before(this::securityHeaders);
    // Origins first: a request from a page the server does not allow is refused before it runs.
    routes.before("/api/*", this::checkOrigin);
    routes.before("/v1/*", this::checkOrigin);
    routes.before("/metrics", this::checkOrigin);
    routes.wsBeforeUpgrade("/ws/*", this::checkOrigin);
    routes.before("/api/*", this::authenticate);
    routes.before("/v1/*", this::authenticate);
    routes.before("/metrics", this::authenticate);
    routes.wsBeforeUpgrade("/ws/*", this::authenticateUpgrade);
    routes.after(ctx -> chat.metrics.request(ctx.method().name(), routeOf(ctx), ctx.statusCode()));

    routes.get("/health", this::health);
    routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(chat.metrics.scrape()));
    routes.get("/api/info", this::info);

    RestApi rest = new RestApi(chat);
    routes.post("/api/sessions", named("/api/sessions", rest::createSession));
    routes.get("/api/sessions", named("/api/sessions", rest::listSessions));
    routes.get("/api/sessions/{id}", named("/api/sessions/{id}", rest::getSession));
    routes.delete("/api/sessions/{id}", named("/api/sessions/{id}", rest::deleteSession));
    routes.post("/api/sessions/{id}/messages", named("/api/sessions/{id}/messages", rest::postMessage));

    OpenAiApi openAi = new OpenAiApi(chat);
    routes.get("/v1/models", named("/v1/models", openAi::models));
    routes.post("/v1/chat/completions", named("/v1/chat/completions", openAi::completions));

    routes.ws("/ws/sessions/{id}", sockets::session);
    routes.ws("/ws/rooms/{name}", sockets::room);

    routes.exception(ApiError.class, (e, ctx) -> {
      e.headers().forEach(ctx::header);
      if (e.status() == 401) {
        ctx.header("WWW-Authenticate", "Bearer");
      }
      ctx.status(e.status()).json(e.body());
    });
    routes.exception(OpenAiError.class, (e, ctx) -> ctx.status(e.status()).contentType(ContentType.APPLICATION_JSON)
        .result(e.toJson()));
    routes.exception(HttpResponseException.class, (e, ctx) -> {
      String code;
      String message;
      if (e.getStatus() == 413) {
        code = "body_too_large";
        message = "the request body is over the " + options.maxBodyBytes + "-byte limit";
      } else if (e.getStatus() == 404) {
        code = "not_found";
        message = "no such endpoint: " + ctx.method() + " " + ctx.path();
      } else {
        code = "http_" + e.getStatus();
        message = e.getMessage();
      }
      ctx.status(e.getStatus()).json(new ApiError(e.getStatus(), code, message).body());
    });
    routes.exception(StoreException.class, (e, ctx) -> {
      log.error("store failure on {} {}", ctx.method(), ctx.path(), e);
      ctx.status(503).json(new ApiError(503, "store_unavailable", "the conversation store is unavailable").body());
    });
    routes.exception(Exception.class, (e, ctx) -> {
      log.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
      ctx.status(500).json(new ApiError(500, "internal_error", "something went wrong on the server").body());
    });
    routes.error(404, ctx -> {
      if (ctx.result() == null || ctx.result().isEmpty()) {
        ctx.json(new ApiError(404, "not_found", "no such endpoint: " + ctx.method() + " " + ctx.path()).body());
      }
    });
    routes.error(405, ctx -> ctx.json(new ApiError(405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path()).body()));

    config.events.serverStopping(() -> log.info("server stopping"));
  }

  private static Handler named(String route, Handler handler) {
    return ctx -> {
      ctx.attribute("parley.route", route);
      handler.handle(ctx);
    };
  }

  private static String routeOf(Context ctx) {
    String route = ctx.attribute("parley.route");
    if (route != null) {
      return route;
    }
    String path = ctx.path();
    return path.equals("/health") || path.equals("/metrics") || path.equals("/api/info") ? path : "other";
  }

  private static boolean jettyError(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
      org.eclipse.jetty.util.Callback callback) {
    int status = response.getStatus() >= 400 ? response.getStatus() : 500;
    String reason = org.eclipse.jetty.http.HttpStatus.getMessage(status);
    Object detail = request.getAttribute(org.eclipse.jetty.server.handler.ErrorHandler.ERROR_MESSAGE);
    String message = status < 500 && detail instanceof String d && !d.isBlank() ? reason + ": " + d : reason;
    org.eclipse.jetty.http.HttpFields.Mutable headers = response.getHeaders();
    headers.put("Content-Type", "application/json;charset=utf-8");
    headers.put("Content-Security-Policy", CSP);
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("X-Frame-Options", "DENY");
    headers.put("Referrer-Policy", "no-referrer");
    headers.put("Cache-Control", "no-store");
    String body = JsonBodies.write(new ApiError(status, status == 400 ? "bad_request" : "http_" + status, message).body());
    response.write(true, java.nio.ByteBuffer.wrap(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)), callback);
    return true;
  }

  private void securityHeaders(Context ctx) {
    ctx.header("Content-Security-Policy", CSP);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Referrer-Policy", "no-referrer");
  }

  /**
   * A browser names the page's origin on every cross-origin request, and on same-origin ones that
   * are not GETs; it is let through if it is this server's own ({@code Host}) or one of {@code
   * --cors-origins}. Clients that are not browsers send no {@code Origin}. CORS headers only tell
   * the browser whether the page may read the answer; without this check the request would run.
   */
  private void checkOrigin(Context ctx) {
    String origin = ctx.header("Origin");
    if (origin == null || "OPTIONS".equals(ctx.method().name())) {
      return; // a preflight is the CORS plugin's to answer
    }
    String host = ctx.header("Host");
    if (host != null && (origin.equals("http://" + host) || origin.equals("https://" + host))) {
      return;
    }
    for (String allowed : options.corsOrigins) {
      if (origin.equals(allowed.trim())) {
        return;
      }
    }
    throw new ApiError(403, "origin_not_allowed", "requests from the origin " + origin
        + " are not allowed; the server's own origin and --cors-origins are");
  }

  private void authenticate(Context ctx) {
    if ("OPTIONS".equals(ctx.method().name())) {
      return; // CORS preflight carries no credentials
    }
    String credential = Authenticator.credential(ctx.header("Authorization"), ctx.header("X-API-Key"));
    ctx.attribute(USER, auth.user(credential).orElseThrow(ChatServer::unauthorized));
  }

  private void authenticateUpgrade(Context ctx) {
    String credential = Authenticator.credential(ctx.header("Authorization"), ctx.header("X-API-Key"));
    if (credential == null) {
      credential = ctx.queryParam("access_token");
    }
    Optional<String> user = auth.user(credential);
    if (user.isEmpty()) {
      throw unauthorized();
    }
    ctx.attribute(USER, user.get());
  }

  private static ApiError unauthorized() {
    return new ApiError(401, "unauthorized",
        "send an API key or a signed token as 'Authorization: Bearer ...' (WebSockets: ?access_token=...)");
  }

  WebSocketApi sockets() {
    return sockets;
  }

  static String user(Context ctx) {
    String user = ctx.attribute(USER);
    if (user == null) {
      throw unauthorized();
    }
    return user;
  }

  private void info(Context ctx) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("user", user(ctx));
    out.put("model", runtime.model.id());
    out.put("fakeModel", runtime.fake);
    out.put("limits", Map.of("perMinute", options.requestsPerMinute, "perDay", options.requestsPerDay));
    out.put("maxMessageChars", options.maxMessageChars);
    ctx.json(out);
  }

  private void health(Context ctx) {
    Map<String, Object> components = new LinkedHashMap<>();
    boolean modelUp = runtime.isReady();
    components.put("model", Map.of("status", modelUp ? "UP" : "DOWN", "id", runtime.model.id(), "fake", runtime.fake,
        "breaker", chat.breaker.state().name()));
    boolean storeUp = store.isWritable(); // a locked SQLite file answers reads but refuses every write
    components.put("store", Map.of("status", storeUp ? "UP" : "DOWN", "kind", store.dialect().name().toLowerCase(java.util.Locale.ROOT)));
    boolean degraded = false;
    if (limiter instanceof RedisRateLimiter redis) {
      // With Redis unreachable, limits fall back to this instance's memory: degraded, still serving.
      // The breaker learns of an outage only from a failed request: ask Redis itself too.
      boolean redisUp = redis.breakerState() == RedisRateLimiter.BreakerState.CLOSED && redis.isReachable();
      degraded = !redisUp;
      components.put("redis", Map.of("status", redisUp ? "UP" : "DEGRADED", "breaker", redis.breakerState().name()));
    }
    boolean ready = modelUp && storeUp && !chat.isDraining();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", !ready ? (chat.isDraining() ? "DRAINING" : "DOWN") : degraded ? "DEGRADED" : "UP");
    out.put("components", components);
    ctx.status(ready ? 200 : 503).json(out);
  }

  private void announce(PrintStream console) {
    String base = "http://" + (options.host.contains(":") ? "[" + options.host + "]" : options.host) + ":" + port();
    if (runtime.fake) {
      String banner = "*".repeat(78);
      console.println(banner);
      console.println("*  RUNNING ON PARLEY'S FAKE MODEL: replies are canned, not generated.");
      console.println("*  For real replies: --model path/to/model.gguf, or a Hugging Face reference such as");
      console.println("*  --model bartowski/SmolLM2-135M-Instruct-GGUF/SmolLM2-135M-Instruct-Q8_0.gguf");
      console.println(banner);
      log.warn("running on the FAKE model; start with --model path/to/model.gguf for real replies");
    }
    console.println("Parley chat server on " + base + " (model " + runtime.model.id() + ", store " + store.dialect().name().toLowerCase(java.util.Locale.ROOT)
        + (limiter instanceof RedisRateLimiter ? ", rate limits in Redis" : "") + ")");
    if (generatedKey != null) {
      console.println("No API keys configured: made one for user 'local'. Open " + base + "/#key=" + generatedKey);
      console.println("or: curl -H 'Authorization: Bearer " + generatedKey + "' " + base + "/api/sessions");
    }
  }

  /** HTTP sessions Jetty holds now, and ever made: the server keeps none past its request. */
  long[] httpSessions() {
    SessionHandler handler = app.jettyServer().server().getDescendant(SessionHandler.class);
    DefaultSessionCache cache = (DefaultSessionCache) handler.getSessionCache();
    return new long[] {cache.getSessionsCurrent(), cache.getSessionsTotal()};
  }

  /** The port the server listens on (useful with {@code --port 0}). */
  public int port() {
    return app.port();
  }

  ChatService service() {
    return chat;
  }

  /** The API key made at start when none was configured, if any. */
  public Optional<String> generatedApiKey() {
    return Optional.ofNullable(generatedKey);
  }

  /**
   * Graceful stop: refuse new messages (503), give replies in flight the shutdown time to finish,
   * cancel the rest (their partial text is stored), stop HTTP, close the model, limiter and store.
   */
  public void stop() {
    try {
      int cancelled = chat.drain(options.shutdownTimeout());
      if (cancelled > 0) {
        log.info("cancelled {} replies still running after {} s", cancelled, options.shutdownSeconds);
      }
      // The streams' own threads write the last events; let them finish before HTTP stops.
      long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (chat.metrics.sseStreams.get() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    app.stop();
    runtime.close();
    if (limiter instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        log.warn("closing the rate limiter failed", e);
      }
    }
    store.close();
    chat.metrics.close();
    log.info("server stopped");
  }

  @Override
  public void close() {
    stop();
  }

  public static void main(String[] args) {
    ServerOptions options = new ServerOptions();
    CommandLine cli = new CommandLine(options);
    int exit;
    try {
      CommandLine.ParseResult parsed = cli.parseArgs(args);
      if (parsed.isUsageHelpRequested()) {
        cli.usage(System.out);
        return;
      }
      if (parsed.isVersionHelpRequested()) {
        cli.printVersionHelp(System.out);
        return;
      }
      ChatServer server = start(options, System.out);
      // SIGTERM / Ctrl-C: stop gracefully, then end the process with status 0 (a plain shutdown
      // hook would leave the JVM's 143 for SIGTERM).
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.stop();
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(0);
      }, "parley-shutdown"));
      return;
    } catch (CommandLine.ParameterException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println("try --help");
      exit = 2;
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      exit = 2;
    }
    System.exit(exit);
  }
}
