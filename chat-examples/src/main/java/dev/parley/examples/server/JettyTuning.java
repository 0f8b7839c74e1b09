package dev.parley.examples.server;

import io.javalin.config.JavalinConfig;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.SessionHandler;
import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.NullSessionDataStore;
import org.eclipse.jetty.session.SessionCache;

/** The Jetty settings that bound what each connection costs, and answer Jetty's own errors in JSON. */
final class JettyTuning {
  private JettyTuning() {}

  static void apply(JavalinConfig config, ServerOptions options) {
    // Jetty's per-connection header cache is a 96 KB table, and a WebSocket keeps its upgrade
    // request (and so the table) for its whole life: 480 MB of heap for 5,000 sockets. Off, a
    // socket costs a few KB; header parsing is not what this server spends its time on.
    config.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(0));
    // Jetty refuses some requests itself, before any route runs (a path with %00 or /../): answer
    // those in the API's JSON shape with the same security headers, not Jetty's HTML page.
    config.jetty.modifyServer(server -> server.setErrorHandler(HttpGuard::jettyError));
    // Javalin reads the HTTP session on every WebSocket upgrade (for WsContext.sessionAttribute),
    // and reading one creates one. The server keeps nothing in sessions: each is dropped as soon as
    // its request ends, instead of being kept, never expiring, for every connection ever made.
    config.jetty.modifyServletContextHandler(handler -> {
      SessionHandler sessions = handler.getSessionHandler();
      DefaultSessionCache cache = new DefaultSessionCache(sessions);
      cache.setSessionDataStore(new NullSessionDataStore());
      cache.setEvictionPolicy(SessionCache.EVICT_ON_SESSION_EXIT);
      sessions.setSessionCache(cache);
      sessions.setMaxInactiveInterval(60);
      // A body that trickles in (a byte every few seconds) holds a thread while it is read: below
      // this rate, past the grace period, the read fails and the request answers 408.
      if (options.minBodyBytesPerSecond > 0) {
        handler.insertHandler(new BodyRateGuard(options.minBodyBytesPerSecond,
            Duration.ofMillis(options.minBodyGraceMs)));
      }
    });
    config.jetty.modifyWebSocketServletFactory(factory -> {
      factory.setMaxTextMessageSize(options.maxFrameBytes);
      factory.setMaxBinaryMessageSize(1024);
      factory.setIdleTimeout(Duration.ofSeconds(options.wsIdleSeconds));
    });
  }
}
