package dev.parley.examples.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/** Reads request bodies and frames as JSON objects; every mistake becomes a 400 that names it. */
final class JsonBodies {
  // Strict: "{...} trailing text" is not a JSON object.
  static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private JsonBodies() {}

  /** {@code text} as a JSON object; an empty body counts as {@code {}} when {@code emptyIsObject}. */
  static ObjectNode object(@Nullable String text, boolean emptyIsObject) {
    if (text == null || text.isBlank()) {
      if (emptyIsObject) {
        return MAPPER.createObjectNode();
      }
      throw ApiError.badRequest("invalid_json", "the body must be a JSON object, and it is empty");
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest("invalid_json", "the body is not valid JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()));
    }
    if (node == null || !node.isObject()) {
      throw ApiError.badRequest("invalid_json", "the body must be a JSON object, was " + kind(node));
    }
    return (ObjectNode) node;
  }

  static String requiredString(JsonNode object, String field) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      throw ApiError.badRequest("missing_field", "field '" + field + "' is required");
    }
    if (!v.isTextual()) {
      throw ApiError.badRequest("invalid_field", "field '" + field + "' must be a string, was " + kind(v));
    }
    return v.asText();
  }

  static @Nullable String optionalString(JsonNode object, String field) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiError.badRequest("invalid_field", "field '" + field + "' must be a string, was " + kind(v));
    }
    return v.asText();
  }

  static @Nullable Long optionalInteger(JsonNode object, String field, long min, long max) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber()) {
      throw ApiError.badRequest("invalid_field", "field '" + field + "' must be an integer, was " + kind(v));
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

  private static String kind(@Nullable JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return "null";
    }
    if (v.isTextual()) {
      return "a string";
    }
    if (v.isNumber()) {
      return "a number";
    }
    if (v.isBoolean()) {
      return "a boolean";
    }
    if (v.isArray()) {
      return "an array";
    }
    return "an object";
  }

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
