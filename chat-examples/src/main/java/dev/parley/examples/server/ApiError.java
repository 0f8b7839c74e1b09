package dev.parley.examples.server;

import dev.parley.ratelimit.Decision;
import dev.parley.ratelimit.RateLimitHeaders;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request the server refuses, with the HTTP status, a stable machine-readable code and a message
 * for people. Rendered as {@code {"error": {"code": ..., "type": ..., "message": ...}}} (the shape
 * OpenAI clients read too) and, on a WebSocket, as an {@code error} frame. Messages never carry
 * stack traces or internal details.
 */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final transient @Nullable Decision decision;

  ApiError(int status, String code, String message) {
    this(status, code, message, null);
  }

  private ApiError(int status, String code, String message, @Nullable Decision decision) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.decision = decision;
  }

  static ApiError badRequest(String code, String message) {
    return new ApiError(400, code, message);
  }

  static ApiError notFound(String what) {
    return new ApiError(404, "not_found", what + " not found");
  }

  static ApiError rateLimited(Decision decision) {
    long seconds = Math.max(1, (decision.retryAfterNanos() + 999_999_999L) / 1_000_000_000L);
    return new ApiError(429, "rate_limited",
        "rate limit '" + decision.binding().name()
            + "' reached; retry in " + seconds + " s", decision);
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  /** The rate-limit decision behind a 429, whose headers go on the response. */
  @Nullable Decision decision() {
    return decision;
  }

  /** The OpenAI-style error type for this status. */
  String type() {
    if (status == 401) {
      return "authentication_error";
    }
    if (status == 404) {
      return "not_found_error";
    }
    if (status == 429) {
      return "rate_limit_error";
    }
    return status < 500 ? "invalid_request_error" : "server_error";
  }

  Map<String, Object> body() {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("type", type());
    error.put("message", getMessage());
    return Map.of("error", error);
  }

  Map<String, String> headers() {
    return decision == null ? Map.of() : RateLimitHeaders.of(decision);
  }
}
