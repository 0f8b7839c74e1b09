package dev.parley.examples.server;

import dev.parley.openai.OpenAiError;
import dev.parley.store.jdbc.StoreException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.ContentType;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every failure as the API's JSON error: {@link ApiError}s as they are, OpenAI's own shape on
 * {@code /v1}, Javalin's and the store's mapped, anything else a 500 without its details.
 */
final class ErrorResponses {
  private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);

  private ErrorResponses() {}

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
