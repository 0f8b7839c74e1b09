package dev.parley.llama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Random JSON Schemas of what JsonSchemaGrammar covers, nested up to three levels: every keyword it
 * supports but additional properties, in combinations. Strings and arrays are bounded so that a reply under the schema's
 * grammar is short; {@code oneOf} alternatives are of distinct types, so that a value never fits two.
 */
final class SchemaGenerator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> NAMES = List.of("id", "name", "city", "age", "tags", "ok", "score", "when", "kind", "note",
      "a", "ab", "x-y", "value", "items", "nested", "i");
  private static final List<String> WORDS = List.of("red", "green", "blue", "yes", "no", "maybe", "Zürich", "a b", "q\"t", "");
  private final Random random;

  SchemaGenerator(long seed) {
    this.random = new Random(seed);
  }

  /** The next schema, as JSON text. */
  String next() {
    ObjectNode schema = random.nextInt(8) == 0 ? withDefs() : node(random.nextInt(4));
    return schema.toString();
  }

  private ObjectNode withDefs() {
    ObjectNode root = JSON.createObjectNode();
    root.putObject("$defs").set("part", node(1));
    root.put("type", "object");
    root.putObject("properties").putObject("p").put("$ref", "#/$defs/part");
    root.putArray("required").add("p");
    root.put("additionalProperties", false);
    return root;
  }

  private ObjectNode node(int depth) {
    int kinds = depth > 0 ? 17 : 12;
    return switch (random.nextInt(kinds)) {
      case 0 -> string();
      case 1 -> enumeration();
      case 2 -> constant();
      case 3 -> pattern();
      case 4 -> format();
      case 5 -> integer();
      case 6 -> number();
      case 7 -> type("boolean");
      case 8 -> type("null");
      case 9 -> nullableString();
      case 10 -> string();
      case 11 -> integer();
      case 12, 13 -> object(depth);
      case 14 -> array(depth);
      case 15 -> anyOf(depth);
      default -> oneOf();
    };
  }

  private static ObjectNode type(String type) {
    return JSON.createObjectNode().put("type", type);
  }

  private ObjectNode string() {
    ObjectNode s = type("string");
    int max = random.nextInt(9);
    s.put("maxLength", max);
    if (random.nextBoolean()) {
      s.put("minLength", random.nextInt(max + 1));
    }
    return s;
  }

  private ObjectNode nullableString() {
    ObjectNode s = JSON.createObjectNode();
    s.putArray("type").add("string").add("null");
    s.put("maxLength", 1 + random.nextInt(6));
    return s;
  }

  private ObjectNode enumeration() {
    ObjectNode s = JSON.createObjectNode();
    ArrayNode values = s.putArray("enum");
    Set<String> words = new LinkedHashSet<>();
    int n = 1 + random.nextInt(4);
    while (words.size() < n) {
      words.add(WORDS.get(random.nextInt(WORDS.size())));
    }
    words.forEach(values::add);
    if (random.nextBoolean()) {
      values.add(random.nextInt(200) - 100);
    }
    if (random.nextInt(4) == 0) {
      values.addNull();
    }
    return s;
  }

  private ObjectNode constant() {
    ObjectNode s = JSON.createObjectNode();
    switch (random.nextInt(3)) {
      case 0 -> s.put("const", WORDS.get(random.nextInt(WORDS.size())));
      case 1 -> s.put("const", random.nextInt(1000) - 500);
      default -> s.putObject("const").put("k", random.nextBoolean()).putArray("v").add(1).add("two");
    }
    return s;
  }

  private ObjectNode pattern() {
    StringBuilder p = new StringBuilder("^");
    int pieces = 1 + random.nextInt(3);
    for (int i = 0; i < pieces; i++) {
      switch (random.nextInt(6)) {
        case 0 -> p.append("[a-z]{1,").append(1 + random.nextInt(5)).append("}");
        case 1 -> p.append("\\d{").append(1 + random.nextInt(4)).append("}");
        case 2 -> p.append("-");
        case 3 -> p.append("(yes|no|n/a)");
        case 4 -> p.append("[A-F0-9]{2}");
        default -> p.append("\\.?[^ \"]{0,2}");
      }
    }
    return type("string").put("pattern", p.append("$").toString());
  }

  private ObjectNode format() {
    List<String> formats = List.of("date", "time", "date-time", "uuid", "email");
    return type("string").put("format", formats.get(random.nextInt(formats.size())));
  }

  private ObjectNode integer() {
    ObjectNode s = type("integer");
    int lo = random.nextInt(2001) - 1000;
    int hi = lo + random.nextInt(1500);
    switch (random.nextInt(5)) {
      case 0 -> { }
      case 1 -> s.put("minimum", lo);
      case 2 -> s.put("maximum", hi);
      case 3 -> s.put("minimum", lo).put("maximum", hi);
      default -> s.put("exclusiveMinimum", lo).put("exclusiveMaximum", hi + 2);
    }
    return s;
  }

  private ObjectNode number() {
    ObjectNode s = type("number");
    int lo = random.nextInt(41) - 20;
    int hi = lo + random.nextInt(30);
    switch (random.nextInt(5)) {
      case 0 -> { }
      case 1 -> s.put("minimum", lo);
      case 2 -> s.put("exclusiveMaximum", hi + 1);
      case 3 -> s.put("minimum", lo).put("maximum", hi);
      default -> s.put("exclusiveMinimum", lo).put("maximum", hi + 1);
    }
    return s;
  }

  private ObjectNode object(int depth) {
    ObjectNode s = type("object");
    ObjectNode properties = s.putObject("properties");
    List<String> names = new ArrayList<>(NAMES);
    Collections.shuffle(names, random);
    int n = random.nextInt(5);
    ArrayNode required = JSON.createArrayNode();
    for (int i = 0; i < n; i++) {
      properties.set(names.get(i), node(depth - 1));
      if (random.nextBoolean()) {
        required.add(names.get(i));
      }
    }
    if (!required.isEmpty()) {
      s.set("required", required);
    }
    // additionalProperties other than false lets a key of any length through, which a random model
    // writes until maxTokens; the curated cases of FfmJsonSchemaGrammarTest cover it.
    if (random.nextInt(6) != 0) {
      s.put("additionalProperties", false);
    }
    return s;
  }

  private ObjectNode array(int depth) {
    ObjectNode s = type("array");
    int min = random.nextInt(3);
    int max = min + random.nextInt(3);
    if (random.nextInt(4) == 0) {
      ArrayNode prefix = s.putArray("prefixItems");
      int n = 1 + random.nextInt(2);
      for (int i = 0; i < n; i++) {
        prefix.add(node(depth - 1));
      }
      if (random.nextBoolean()) {
        s.put("items", false);
        return s.put("minItems", Math.min(min, n));
      }
    }
    s.set("items", node(depth - 1));
    s.put("minItems", min);
    return s.put("maxItems", Math.max(1, max));
  }

  private ObjectNode anyOf(int depth) {
    ObjectNode s = JSON.createObjectNode();
    ArrayNode options = s.putArray("anyOf");
    int n = 2 + random.nextInt(2);
    for (int i = 0; i < n; i++) {
      options.add(node(depth - 1));
    }
    return s;
  }

  /** Alternatives of distinct types: a value fits at most one, as oneOf requires. */
  private ObjectNode oneOf() {
    ObjectNode s = JSON.createObjectNode();
    ArrayNode options = s.putArray("oneOf");
    List<Integer> kinds = new ArrayList<>(List.of(0, 1, 2, 3));
    Collections.shuffle(kinds, random);
    for (int kind : kinds.subList(0, 2 + random.nextInt(2))) {
      options.add(switch (kind) {
        case 0 -> string();
        case 1 -> integer();
        case 2 -> type("boolean");
        default -> type("null");
      });
    }
    return s;
  }
}
