package dev.parley.examples.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/** Reads request bodies and frames as JSON objects; every mistake becomes a 400 that names it. */
final class JsonBodies {
  /** Deeper bodies and frames are refused, as on {@code /v1}. */
  static final int MAX_DEPTH = 32;

  // Strict: "{...} trailing text" is not a JSON object, and a field given twice is refused (a
  // gateway that reads the first would see another request than the server, which reads the last).
  static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
          .build())
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

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
      throw ApiError.badRequest("invalid_json", describe(e));
    }
    if (node == null || !node.isObject()) {
      throw ApiError.badRequest("invalid_json", "the body must be a JSON object, was " + kind(node));
    }
    return (ObjectNode) node;
  }

  /**
   * What is wrong with a body the parser refused, in the API's words: the parser's own message
   * names its configuration (features to enable, constraint classes), which a client cannot act on.
   */
  static String describe(JsonProcessingException e) {
    String where = e.getLocation() == null || e.getLocation().getLineNr() < 0 ? ""
        : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    if (e instanceof StreamConstraintsException) {
      return "the body nests deeper than " + MAX_DEPTH + " levels or has a value over the size limits" + where;
    }
    String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    java.util.regex.Matcher duplicate = DUPLICATE.matcher(original);
    if (duplicate.find()) {
      return "field '" + duplicate.group(1) + "' appears more than once" + where;
    }
    String first = original.lines().findFirst().orElse("");
    int hint = first.indexOf(": enable ");
    if (hint < 0) {
      hint = first.indexOf(" (enable ");
    }
    if (hint >= 0) {
      first = first.substring(0, hint);
    }
    if (first.isBlank() || first.contains("Feature") || first.contains("Constraints") || first.contains("`")) {
      return "the body is not valid JSON" + where;
    }
    return "the body is not valid JSON: " + first + where;
  }

  private static final java.util.regex.Pattern DUPLICATE = java.util.regex.Pattern.compile("^Duplicate field '(.*)'");

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
