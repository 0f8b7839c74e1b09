package dev.parley.chat;

import dev.parley.core.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * The shape the reply must take: free text, any JSON object, or JSON that satisfies a schema
 * (OpenAI's {@code response_format}). A model that honours a format constrains its sampling to it, so
 * a reply that ends by itself is valid; one cut at {@code maxTokens} may be incomplete.
 *
 * @param type which kind of format
 * @param name the schema's name, for {@link Type#JSON_SCHEMA}; null otherwise
 * @param schema the JSON Schema as JSON text, for {@link Type#JSON_SCHEMA}; null otherwise
 * @param strict for {@link Type#JSON_SCHEMA}: whether objects may have only the properties the schema
 *     lists (OpenAI's {@code strict}); false for the others
 */
public record ResponseFormat(Type type, @Nullable String name, @Nullable String schema, boolean strict) {
  /** Free text (the default). */
  public static final ResponseFormat TEXT = new ResponseFormat(Type.TEXT, null, null, false);
  /** Any JSON object. */
  public static final ResponseFormat JSON_OBJECT = new ResponseFormat(Type.JSON_OBJECT, null, null, false);

  /** The kinds of format. */
  public enum Type {
    TEXT,
    JSON_OBJECT,
    JSON_SCHEMA
  }

  public ResponseFormat {
    Checks.notNull(type, "type");
    if (type == Type.JSON_SCHEMA) {
      Checks.notBlank(name, "name");
      Checks.notBlank(schema, "schema");
    } else if (name != null || schema != null || strict) {
      throw new IllegalArgumentException("only a JSON_SCHEMA format has a name, a schema or strict, this is " + type);
    }
  }

  /** JSON that satisfies {@code schema} (JSON text). */
  public static ResponseFormat jsonSchema(String name, String schema, boolean strict) {
    return new ResponseFormat(Type.JSON_SCHEMA, name, schema, strict);
  }

  /** Whether the reply must be JSON. */
  public boolean isJson() {
    return type != Type.TEXT;
  }
}
