package dev.parley.examples.server;

import dev.parley.openai.OpenAiError;
import dev.parley.store.jdbc.StoreException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.ContentType;
import io.javalin.http.HttpResponseException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every failure as the API's JSON error: {@link ApiError}s as they are, OpenAI's own shape on
 * {@code /v1}, Javalin's and the store's mapped, anything else a 500 without its details.
 */
final class ErrorResponses {
  private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);

  private ErrorResponses() {}

  /**
   * The error for an exception that reading the request body threw because of what the client
   * sent, or null for any other exception.
   */
  static @Nullable ApiError unreadableBody(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.eclipse.jetty.http.HttpException http && http.getCode() == 408) {
        return new ApiError(408, "body_too_slow", "the request body arrived too slowly");
      }
      if (t instanceof org.eclipse.jetty.http.HttpException || t instanceof org.eclipse.jetty.io.EofException
          || t instanceof java.io.EOFException) {
        return ApiError.badRequest("unreadable_body",
            "the request body could not be read: it ended early or its framing is malformed");
      }
      if (t == t.getCause()) {
        break;
      }
    }
    return null;
  }

  static void register(RoutesConfig routes, ServerOptions options) {
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
      ApiError unreadable = unreadableBody(e);
      if (unreadable != null) {
        // A client's broken request (a body shorter than its Content-Length, a malformed chunk, a
        // body that trickles in): the client's fault, told to it, and no stack trace in the log.
        log.debug("unreadable request body on {} {}", ctx.method(), ctx.path(), e);
        ctx.status(unreadable.status()).json(unreadable.body());
        return;
      }
      log.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
      ctx.status(500).json(new ApiError(500, "internal_error", "something went wrong on the server").body());
    });
    routes.error(404, ctx -> {
      if (ctx.result() == null || ctx.result().isEmpty()) {
        ctx.json(new ApiError(404, "not_found", "no such endpoint: " + ctx.method() + " " + ctx.path()).body());
      }
    });
    routes.error(405, ctx -> ctx.json(new ApiError(405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path()).body()));

  }
}
