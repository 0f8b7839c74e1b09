package dev.parley.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/** Strict JSON reading: every mistake is an {@link OpenAiError} 400 that names the field. */
final class Json {
  private Json() {}

  static ObjectNode object(@Nullable String text) {
    return StrictJson.object(text, message -> OpenAiError.invalidRequest("invalid_json", null, message));
  }

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
    return StrictJson.kind(v);
  }

  static String write(Object value) {
    return StrictJson.write(value);
  }

}
