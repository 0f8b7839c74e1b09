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
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Request bodies read strictly, as {@code /v1} reads them, for a service's other endpoints too: a
 * body is one JSON object, nested at most {@value #MAX_DEPTH} deep, with no field given twice and
 * nothing after it; whatever is wrong is described in words a client can act on (not the parser's,
 * which name its configuration), and thrown as the caller's own error.
 *
 * <pre>{@code
 * ObjectNode body = StrictJson.object(ctx.body(), message -> new BadRequest("invalid_json", message));
 * }</pre>
 */
public final class StrictJson {
  /** Deeper bodies are refused: OpenAI's own requests have a depth of 5. */
  public static final int MAX_DEPTH = 32;

  // Strict: "{...} trailing text" is not a JSON object, and a field given twice is refused (a
  // gateway that reads the first would see another request than the server, which reads the last).
  private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
          .build())
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private StrictJson() {}

  /**
   * {@code text} as a JSON object.
   *
   * @param error makes the exception thrown for a body that is empty, not JSON, or not an object,
   *     from a message that says which
   */
  public static ObjectNode object(@Nullable String text, Function<String, ? extends RuntimeException> error) {
    Objects.requireNonNull(error, "error must not be null");
    if (text == null || text.isBlank()) {
      throw error.apply("the body must be a JSON object, and it is empty");
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw error.apply(describe(e));
    }
    if (node == null || !node.isObject()) {
      throw error.apply("the body must be a JSON object, was " + kind(node));
    }
    return (ObjectNode) node;
  }

  /**
   * What is wrong with a body the parser refused, in the API's words: the parser's own message
   * names its configuration (features to enable, constraint classes), which a client cannot act on.
   */
  public static String describe(JsonProcessingException e) {
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

  /** What a JSON value is, in words for an error message: "a string", "an array", "null"... */
  public static String kind(@Nullable JsonNode v) {
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

  /** {@code value} as JSON text, written by the same mapper. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /** An empty JSON object to fill in. */
  public static ObjectNode newObject() {
    return MAPPER.createObjectNode();
  }
}
