package dev.parley.examples.server;

import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.RateLimiter;
import dev.parley.ratelimit.TokenBucketRateLimiter;
import dev.parley.ratelimit.redis.RedisRateLimiter;
import dev.parley.store.jdbc.JdbcConversationStore;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.Handler;
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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Parley's example chat server: everything on one port.
 *
 * <ul>
 *   <li>{@code /} — the browser page; {@code /health}; {@code /metrics} (Prometheus)
 *   <li>{@code /api/conversations...} — REST + Server-Sent Events ({@link RestApi})
 *   <li>{@code /ws/conversations/{id}}, {@code /ws/rooms/{name}} — WebSockets ({@link WebSocketApi})
 *   <li>{@code /v1/chat/completions}, {@code /v1/models} — OpenAI-compatible ({@link OpenAiApi})
 * </ul>
 *
 * <p>Copy it and change what you need; {@link #start(ServerOptions, PrintStream)} shows the order
 * in which the pieces are built, and {@link #stop()} the order in which they are let go.
 */
public final class ChatServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChatServer.class);

  private final ServerOptions options;
  private final JdbcConversationStore store;
  private final ModelRuntime runtime;
  private final RateLimiter limiter;
  private final @Nullable RateLimiter tokenLimiter;
  private final ChatService chat;
  private final WebSocketApi sockets;
  private final HttpGuard guard;
  private final OpenRequests openRequests;
  private final Javalin app;
  private final @Nullable String generatedKey;

  private ChatServer(ServerOptions o, JdbcConversationStore store, ModelRuntime runtime, RateLimiter limiter,
      @Nullable RateLimiter tokenLimiter) {
    this.options = o;
    this.store = store;
    this.runtime = runtime;
    this.limiter = limiter;
    this.tokenLimiter = tokenLimiter;
    Map<String, String> keys = new LinkedHashMap<>(o.apiKeyUsers());
    if (keys.isEmpty() && o.jwtSecret == null) {
      byte[] random = new byte[24];
      new SecureRandom().nextBytes(random);
      generatedKey = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      keys.put(generatedKey, "local");
    } else {
      generatedKey = null;
    }
    this.openRequests = new OpenRequests(o.maxOpenRequestsPerUser);
    this.guard = new HttpGuard(new Authenticator(keys, o.jwtSecret, o.jwtIssuer, o.jwtAudience), o);
    this.chat = new ChatService(store, runtime, limiter, tokenLimiter, o);
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
      ChatServer server = new ChatServer(o, store, runtime, limiter(o), tokenLimiter(o));
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

  /** The daily LLM-token quota per user, in Redis with the other limits when they are; none at 0. */
  private static @Nullable RateLimiter tokenLimiter(ServerOptions o) {
    if (o.tokensPerDay == 0) {
      return null;
    }
    Limit day = Limit.builder("tokens-per-day").capacity(o.tokensPerDay).refillGreedy(o.tokensPerDay, Duration.ofDays(1))
        .build();
    if (o.redisUrl != null && !o.redisUrl.isBlank()) {
      return RedisRateLimiter.builder(o.redisUrl).keyPrefix("parley:tokens:").limit(day)
          .timeout(Duration.ofMillis(o.redisTimeoutMs)).build();
    }
    return TokenBucketRateLimiter.builder().limit(day).build();
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
    JettyTuning.apply(config, options);
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
    routes.before(HttpGuard::securityHeaders);
    // Origins first: a request from a page the server does not allow is refused before it runs.
    routes.before("/api/*", guard::checkOrigin);
    routes.before("/v1/*", guard::checkOrigin);
    routes.before("/metrics", guard::checkOrigin);
    routes.wsBeforeUpgrade("/ws/*", guard::checkOrigin);
    routes.before("/api/*", guard::authenticate);
    routes.before("/v1/*", guard::authenticate);
    routes.before("/metrics", guard::authenticate);
    routes.wsBeforeUpgrade("/ws/*", guard::authenticateUpgrade);
    routes.wsBeforeUpgrade("/ws/*", sockets::stampUpgrade);
    // After authentication, before any body is read: one user holds at most so many threads.
    routes.before("/api/*", openRequests::enter);
    routes.before("/v1/*", openRequests::enter);
    routes.after(openRequests::exit);
    routes.after(ctx -> chat.metrics.request(ctx.method().name(), routeOf(ctx), ctx.statusCode()));

    HealthApi health = new HealthApi(options, store, runtime, limiter, chat);
    routes.get("/health", health::health);
    routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(chat.metrics.scrape()));
    routes.get("/api/info", health::info);

    RestApi rest = new RestApi(chat);
    routes.post("/api/conversations", named("/api/conversations", rest::createConversation));
    routes.get("/api/conversations", named("/api/conversations", rest::listConversations));
    routes.get("/api/conversations/{id}", named("/api/conversations/{id}", rest::getConversation));
    routes.delete("/api/conversations/{id}", named("/api/conversations/{id}", rest::deleteConversation));
    routes.post("/api/conversations/{id}/messages", named("/api/conversations/{id}/messages", rest::postMessage));

    OpenAiApi openAi = new OpenAiApi(chat);
    routes.get("/v1/models", named("/v1/models", openAi::models));
    routes.post("/v1/chat/completions", named("/v1/chat/completions", openAi::completions));

    routes.ws("/ws/conversations/{id}", sockets::conversation);
    routes.ws("/ws/rooms/{name}", sockets::room);

    ErrorResponses.register(routes, options);

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

  OpenRequests openRequests() {
    return openRequests;
  }

  WebSocketApi sockets() {
    return sockets;
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
      console.println("or: curl -H 'Authorization: Bearer " + generatedKey + "' " + base + "/api/conversations");
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
    for (RateLimiter l : new RateLimiter[] {limiter, tokenLimiter}) {
      if (l instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          log.warn("closing a rate limiter failed", e);
        }
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
