package dev.parley.examples.server;

import io.javalin.http.Context;
import java.util.Map;
import java.util.Optional;

/**
 * Who may call, from where, and the headers every answer carries: the security concern of the
 * server, apart from its routes. Authentication by API key or JWT ({@link Authenticator}), the
 * {@code Origin} check that refuses other sites' pages before anything runs, and the security
 * headers (also on the errors Jetty answers itself).
 */
final class HttpGuard {
  /** The request attribute holding the authenticated user. */
  static final String USER = "parley.user";
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private final Authenticator auth;
  private final ServerOptions options;

  HttpGuard(Authenticator auth, ServerOptions options) {
    this.auth = auth;
    this.options = options;
  }

  /** On every answer: the page runs only its own scripts, is never framed, and leaks no referrer. */
  static final Map<String, String> SECURITY_HEADERS = Map.of(
      "Content-Security-Policy", CSP,
      "X-Content-Type-Options", "nosniff",
      "X-Frame-Options", "DENY",
      "Referrer-Policy", "no-referrer");

  static void securityHeaders(Context ctx) {
    SECURITY_HEADERS.forEach(ctx::header);
  }

  /**
   * A browser names the page's origin on every cross-origin request, and on same-origin ones that
   * are not GETs; it is let through if it is this server's own ({@code Host}) or one of {@code
   * --cors-origins}. Clients that are not browsers send no {@code Origin}. CORS headers only tell
   * the browser whether the page may read the answer; without this check the request would run.
   */
  void checkOrigin(Context ctx) {
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

  /** The user of an HTTP request, from {@code Authorization: Bearer} or {@code X-API-Key}; 401 otherwise. */
  void authenticate(Context ctx) {
    if ("OPTIONS".equals(ctx.method().name())) {
      return; // CORS preflight carries no credentials
    }
    String credential = Authenticator.credential(ctx.header("Authorization"), ctx.header("X-API-Key"));
    ctx.attribute(USER, auth.user(credential).orElseThrow(HttpGuard::unauthorized));
  }

  /** The same for a WebSocket upgrade, which a browser can only give {@code ?access_token=}. */
  void authenticateUpgrade(Context ctx) {
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

  /** The authenticated user of a request that passed {@link #authenticate}. */
  static String user(Context ctx) {
    String user = ctx.attribute(USER);
    if (user == null) {
      throw unauthorized();
    }
    return user;
  }

  /** Jetty's own refusals (bad URIs, before any route): the API's JSON and the security headers, not HTML. */
  static boolean jettyError(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
      org.eclipse.jetty.util.Callback callback) {
    int status = response.getStatus() >= 400 ? response.getStatus() : 500;
    String reason = org.eclipse.jetty.http.HttpStatus.getMessage(status);
    Object detail = request.getAttribute(org.eclipse.jetty.server.handler.ErrorHandler.ERROR_MESSAGE);
    String message = status < 500 && detail instanceof String d && !d.isBlank() ? reason + ": " + d : reason;
    org.eclipse.jetty.http.HttpFields.Mutable headers = response.getHeaders();
    headers.put("Content-Type", "application/json;charset=utf-8");
    SECURITY_HEADERS.forEach(headers::put);
    headers.put("Cache-Control", "no-store");
    String body = JsonBodies.write(new ApiError(status, status == 400 ? "bad_request" : "http_" + status, message).body());
    response.write(true, java.nio.ByteBuffer.wrap(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)), callback);
    return true;
  }
}
