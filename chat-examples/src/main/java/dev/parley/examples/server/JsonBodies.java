package dev.parley.examples.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.openai.StrictJson;
import org.jspecify.annotations.Nullable;

/**
 * Reads request bodies and frames as JSON objects, as strictly as {@code /v1} ({@link StrictJson}: at
 * most {@value StrictJson#MAX_DEPTH} deep); every mistake becomes a 400 that names it.
 */
final class JsonBodies {
  private JsonBodies() {}

  /** {@code text} as a JSON object; an empty body counts as {@code {}} when {@code emptyIsObject}. */
  static ObjectNode object(@Nullable String text, boolean emptyIsObject) {
    if (emptyIsObject && (text == null || text.isBlank())) {
      return StrictJson.newObject();
    }
    return StrictJson.object(text, message -> ApiError.badRequest("invalid_json", message));
  }

  static String requiredString(JsonNode object, String field) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      throw ApiError.badRequest("missing_field", "field '" + field + "' is required");
    }
    if (!v.isTextual()) {
      throw ApiError.badRequest("invalid_field", "field '" + field + "' must be a string, was " + StrictJson.kind(v));
    }
    return v.asText();
  }

  static @Nullable String optionalString(JsonNode object, String field) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiError.badRequest("invalid_field", "field '" + field + "' must be a string, was " + StrictJson.kind(v));
    }
    return v.asText();
  }

  static @Nullable Long optionalInteger(JsonNode object, String field, long min, long max) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber()) {
      throw ApiError.badRequest("invalid_field", "field '" + field + "' must be an integer, was " + StrictJson.kind(v));
    }
    if (!v.canConvertToLong()) {
      throw ApiError.badRequest("invalid_field", "field '" + field + "' must be between " + min + " and " + max
          + ", was " + v.asText());
    }
    long l = v.longValue();
    if (l < min || l > max) {
      throw ApiError.badRequest("invalid_field", "field '" + field + "' must be between " + min + " and " + max + ", was " + l);
    }
    return l;
  }

  static String write(Object value) {
    return StrictJson.write(value);
  }

}
