package dev.parley.openai;

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

/** Strict JSON reading: every mistake is an {@link OpenAiError} 400 that names the field. */
final class Json {
  /** Deeper requests are refused: OpenAI's own have a depth of 5. */
  static final int MAX_DEPTH = 32;

  // Strict: "{...} trailing text" is not a JSON object, and a field given twice is refused (a
  // gateway that reads the first would see another request than the server, which reads the last).
  static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
          .build())
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private Json() {}

  static ObjectNode object(@Nullable String text) {
    if (text == null || text.isBlank()) {
      throw OpenAiError.invalidRequest("invalid_json", null, "the body must be a JSON object, and it is empty");
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw OpenAiError.invalidRequest("invalid_json", null, describe(e));
    }
    if (node == null || !node.isObject()) {
      throw OpenAiError.invalidRequest("invalid_json", null, "the body must be a JSON object, was " + kind(node));
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

  static String requiredString(JsonNode object, String field, String where) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      throw missing(where);
    }
    if (!v.isTextual()) {
      throw invalid(where, "field '" + where + "' must be a string, was " + kind(v));
    }
    return v.asText();
  }

  static @Nullable String optionalString(JsonNode object, String field) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw invalid(field, "field '" + field + "' must be a string, was " + kind(v));
    }
    return v.asText();
  }

  static boolean optionalBoolean(JsonNode object, String field, String where, boolean otherwise) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      return otherwise;
    }
    if (!v.isBoolean()) {
      throw invalid(where, "field '" + where + "' must be true or false, was " + kind(v));
    }
    return v.asBoolean();
  }

  static @Nullable Double optionalNumber(JsonNode object, String field, double min, double max) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber()) {
      throw invalid(field, "field '" + field + "' must be a number, was " + kind(v));
    }
    double d = v.asDouble();
    if (!(d >= min && d <= max)) {
      throw invalid(field, "field '" + field + "' must be between " + min + " and " + max + ", was " + d);
    }
    return d;
  }

  static @Nullable Long optionalInteger(JsonNode object, String field, long min, long max) {
    JsonNode v = object.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber()) {
      throw invalid(field, "field '" + field + "' must be an integer, was " + kind(v));
    }
    if (!v.canConvertToLong()) {
      throw invalid(field, "field '" + field + "' must be between " + min + " and " + max + ", was " + v.asText());
    }
    long l = v.longValue();
    if (l < min || l > max) {
      throw invalid(field, "field '" + field + "' must be between " + min + " and " + max + ", was " + l);
    }
    return l;
  }

  static OpenAiError missing(String where) {
    return OpenAiError.invalidRequest("missing_field", where, "field '" + where + "' is required");
  }

  static OpenAiError invalid(String where, String message) {
    return OpenAiError.invalidRequest("invalid_field", where, message);
  }

  static String kind(@Nullable JsonNode v) {
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
