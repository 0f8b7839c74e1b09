package dev.parley.openai;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A request refused or a reply that could not be delivered, as OpenAI reports it: an HTTP status and
 * the body {@code {"error": {"message", "type", "param", "code"}}} ({@link #toJson()}). Messages name
 * what was wrong and never carry internal details.
 */
public final class OpenAiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final @Nullable String param;

  /**
   * @param status the HTTP status, 400 to 599
   * @param code a stable machine-readable code, such as {@code invalid_field}
   * @param param the request field at fault, if any
   */
  public OpenAiError(int status, String code, @Nullable String param, String message) {
    super(Objects.requireNonNull(message, "message must not be null"), null, false, false);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("status must be 400 to 599, was " + status);
    }
    this.status = status;
    this.code = Objects.requireNonNull(code, "code must not be null");
    this.param = param;
  }

  /** A 400 for the field {@code param} (null when no single field is at fault). */
  public static OpenAiError invalidRequest(String code, @Nullable String param, String message) {
    return new OpenAiError(400, code, param, message);
  }

  /**
   * The 503 for a reply that was cancelled before it ended (the server is shutting down, or the
   * reply was stopped): OpenAI has no finish reason for a cut reply, and {@code "stop"} would tell
   * the client the reply is whole.
   */
  public static OpenAiError replyCancelled() {
    return new OpenAiError(503, "reply_cancelled", null,
        "the server stopped this reply before it ended; send the request again");
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public @Nullable String param() {
    return param;
  }

  /** OpenAI's error type for the status. */
  public String type() {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 429 -> "rate_limit_error";
      default -> status < 500 ? "invalid_request_error" : "server_error";
    };
  }

  /** The error body. */
  public String toJson() {
    return Json.write(body());
  }

  Map<String, Object> body() {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("message", getMessage());
    error.put("type", type());
    error.put("param", param);
    error.put("code", code);
    return Map.of("error", error);
  }
}
