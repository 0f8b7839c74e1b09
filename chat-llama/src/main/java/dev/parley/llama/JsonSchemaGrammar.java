package dev.parley.llama;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.InvalidRequestException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a JSON Schema into a GBNF grammar (llama.cpp's grammar format) whose every sentence is a JSON
 * document that satisfies the schema, so that sampling under the grammar can only write valid JSON.
 *
 * <p>Covered: {@code type} (one or a list), objects with {@code properties}, {@code required} and
 * {@code additionalProperties}; {@code enum} and {@code const}; arrays with {@code items}, {@code
 * prefixItems}, {@code minItems} and {@code maxItems}; strings with {@code minLength}, {@code maxLength},
 * {@code pattern} (a regular expression's common subset, matched whole) and the formats {@code date},
 * {@code time}, {@code date-time}, {@code uuid} and {@code email}; integers with {@code minimum},
 * {@code maximum} and their exclusive forms; numbers with whole-number bounds; {@code anyOf} and {@code
 * oneOf} (as alternatives: a document that fits two alternatives of a {@code oneOf} is not excluded);
 * {@code $ref} into {@code $defs} or {@code definitions}, recursion included. Annotations ({@code title},
 * {@code description}, {@code default}, {@code examples}, {@code $schema}, {@code $id}, {@code $comment})
 * are ignored. Any other keyword is refused with an {@link InvalidRequestException} that names it and
 * where it is, never silently dropped: a grammar that ignored {@code uniqueItems} would let the model
 * write what the schema forbids.
 *
 * <p>The grammar is a subset of the schema where JSON allows choices that do not change the value:
 * properties come in the order the schema lists them, required ones first; whitespace is at most one
 * space where JSON allows it; properties that the schema does not list are written only when {@code
 * additionalProperties} allows them explicitly; a date is never February 29th, an email's top-level domain
 * is one of a few common ones, an exponent has at most two digits. Every sentence is still valid, and each is short enough
 * for a small model to finish. Repetition counts above {@value #MAX_REPEAT} and schemas nested deeper
 * than {@value #MAX_DEPTH} are refused, so a hostile schema cannot make a huge grammar.
 */
final class JsonSchemaGrammar {
  /** The largest {@code maxLength}, {@code maxItems} or {@code {n,m}} a grammar spells out. */
  static final int MAX_REPEAT = 1000;
  /** The deepest nesting of schemas. */
  static final int MAX_DEPTH = 64;
  /** The most grammar text one schema may produce, in characters. */
  static final int MAX_GRAMMAR_CHARS = 1 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> ANNOTATIONS =
      Set.of("title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly", "writeOnly");

  private static final String PRIMITIVES = String.join("\n",
      "ws ::= \" \"?",
      "char ::= [^\"\\\\\\x7F\\x00-\\x1F] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})",
      "string ::= \"\\\"\" char* \"\\\"\"",
      "int ::= \"-\"? ([0-9] | [1-9] [0-9]{0,15})",
      "number ::= int (\".\" [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?",
      "boolean ::= \"true\" | \"false\"",
      "null ::= \"null\"",
      "value ::= object | array | string | number | boolean | null",
      "object ::= \"{\" ws (string ws \":\" ws value (ws \",\" ws string ws \":\" ws value)*)? ws \"}\"",
      "array ::= \"[\" ws (value (ws \",\" ws value)*)? ws \"]\"",
      "digit2 ::= [0-9]{2}",
      "date ::= [0-9]{4} \"-\" ((\"0\" [13578] | \"1\" [02]) \"-\" (\"0\" [1-9] | [12] [0-9] | \"3\" [01]) | (\"0\" [469] | \"11\") \"-\" (\"0\" [1-9] | [12] [0-9] | \"30\") | \"02-\" (\"0\" [1-9] | \"1\" [0-9] | \"2\" [0-8]))",
      "time ::= ([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] (\".\" [0-9]{1,6})? (\"Z\" | [+-] ([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9])",
      "uuid ::= [0-9a-f]{8} \"-\" [0-9a-f]{4} \"-\" [0-9a-f]{4} \"-\" [0-9a-f]{4} \"-\" [0-9a-f]{12}",
      "email ::= [a-z0-9]{1,16} (\".\" [a-z0-9]{1,16}){0,2} \"@\" [a-z0-9]{1,16} (\".\" [a-z0-9]{1,16}){0,2} \".\" (\"com\" | \"org\" | \"net\" | \"io\" | \"dev\" | \"de\" | \"fr\" | \"uk\")",
      "");

  private final JsonNode document;
  private final Map<String, String> rules;
  private final Map<String, String> refRules = new HashMap<>();
  private final Map<String, Integer> names;
  private final boolean strict;
  private int chars;

  private JsonSchemaGrammar(JsonNode document, boolean strict) {
    this(document, strict, new LinkedHashMap<>(), new HashMap<>());
  }

  /** A converter that adds its rules to ones already made for other schemas of the same grammar. */
  private JsonSchemaGrammar(JsonNode document, boolean strict, Map<String, String> rules, Map<String, Integer> names) {
    this.document = document;
    this.strict = strict;
    this.rules = rules;
    this.names = names;
  }

  /**
   * One grammar for several schemas: {@code root ::= before (w0 | w1 | ...) after}, where {@code wi}
   * is {@code wrap} applied to schema i's index and its expression. Tool calls use it: each tool's
   * arguments schema, wrapped in the text that names the tool.
   *
   * @param before GBNF written before the alternatives (a literal, or empty)
   * @param after GBNF written after them
   * @throws InvalidRequestException if a schema is not JSON or uses what this converter cannot honour,
   *     naming its index
   */
  static String alternatives(List<String> schemas, java.util.function.IntPredicate strict,
      java.util.function.BiFunction<Integer, String, String> wrap, String before, String after) {
    Map<String, String> rules = new LinkedHashMap<>();
    Map<String, Integer> names = new HashMap<>();
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < schemas.size(); i++) {
      JsonNode node;
      try {
        node = JSON.readTree(schemas.get(i));
      } catch (JsonProcessingException e) {
        throw new InvalidRequestException("schema " + i + " is not valid JSON: " + e.getOriginalMessage());
      }
      if (node == null || !(node.isObject() || node.isBoolean())) {
        throw new InvalidRequestException("schema " + i + " must be a JSON object or a boolean");
      }
      JsonSchemaGrammar g = new JsonSchemaGrammar(node, strict.test(i), rules, names);
      bodies.add(wrap.apply(i, g.visit(node, "#", 0)));
    }
    StringBuilder out = new StringBuilder("root ::= ").append(before.isEmpty() ? "" : before + " ")
        .append(group(bodies)).append(after.isEmpty() ? "" : " " + after).append('\n');
    rules.forEach((name, rule) -> out.append(name).append(" ::= ").append(rule).append('\n'));
    return out.append(PRIMITIVES).toString();
  }

  /**
   * The grammar of {@code schema} (JSON text), rooted at {@code root}.
   *
   * @param strict true to refuse properties the schema does not list even where {@code
   *     additionalProperties} allows them (OpenAI's {@code strict})
   * @throws InvalidRequestException if {@code schema} is not JSON, or uses what this converter cannot honour
   */
  static String fromSchema(String schema, boolean strict) {
    JsonNode node;
    try {
      node = JSON.readTree(schema);
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException("the JSON Schema is not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !(node.isObject() || node.isBoolean())) {
      throw new InvalidRequestException("a JSON Schema is an object or a boolean, was " + (node == null ? "empty" : node.getNodeType()));
    }
    JsonSchemaGrammar g = new JsonSchemaGrammar(node, strict);
    String body = g.visit(node, "#", 0);
    StringBuilder out = new StringBuilder("root ::= ").append(body).append('\n');
    g.rules.forEach((name, rule) -> out.append(name).append(" ::= ").append(rule).append('\n'));
    return out.append(PRIMITIVES).toString();
  }

  /** The grammar of any JSON object (OpenAI's {@code json_object}). */
  static String anyObject() {
    return "root ::= object\n" + PRIMITIVES;
  }

  private static InvalidRequestException refuse(String where, String why) {
    return new InvalidRequestException("JSON Schema " + where + ": " + why);
  }

  /** A grammar expression for the schema at {@code where}. */
  private String visit(JsonNode schema, String where, int depth) {
    if (depth > MAX_DEPTH) {
      throw refuse(where, "nested deeper than " + MAX_DEPTH);
    }
    if (schema.isBoolean()) {
      if (!schema.booleanValue()) {
        throw refuse(where, "is false, which no value satisfies");
      }
      return "value";
    }
    if (!schema.isObject()) {
      throw refuse(where, "must be an object or a boolean, was " + schema.getNodeType());
    }
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!ANNOTATIONS.contains(key) && !KNOWN.contains(key) && !key.equals("$defs") && !key.equals("definitions")) {
        throw refuse(where, "keyword \"" + key + "\" is not supported");
      }
    }
    if (schema.has("$ref")) {
      return ref(schema.get("$ref"), where, depth);
    }
    if (schema.has("const")) {
      return literal(schema.get("const"));
    }
    if (schema.has("enum")) {
      JsonNode values = schema.get("enum");
      if (!values.isArray() || values.isEmpty()) {
        throw refuse(where + "/enum", "must be a non-empty array");
      }
      List<String> alternatives = new ArrayList<>();
      values.forEach(v -> alternatives.add(literal(v)));
      return group(alternatives);
    }
    for (String key : List.of("anyOf", "oneOf")) {
      if (schema.has(key)) {
        JsonNode options = schema.get(key);
        if (!options.isArray() || options.isEmpty()) {
          throw refuse(where + "/" + key, "must be a non-empty array");
        }
        if (schema.has("type") || schema.has("properties")) {
          throw refuse(where, key + " beside type or properties is not supported; put them in each alternative");
        }
        List<String> alternatives = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
          alternatives.add(rule(where + "/" + key + "/" + i, visit(options.get(i), where + "/" + key + "/" + i, depth + 1)));
        }
        return group(alternatives);
      }
    }
    JsonNode type = schema.get("type");
    if (type == null) {
      if (schema.has("properties") || schema.has("additionalProperties") || schema.has("required")) {
        return object(schema, where, depth);
      }
      if (schema.has("items") || schema.has("prefixItems")) {
        return array(schema, where, depth);
      }
      return "value";
    }
    if (type.isArray()) {
      List<String> alternatives = new ArrayList<>();
      for (JsonNode t : type) {
        alternatives.add(typed(t.asText(), schema, where, depth));
      }
      if (alternatives.isEmpty()) {
        throw refuse(where + "/type", "must not be an empty list");
      }
      return group(alternatives);
    }
    return typed(type.asText(), schema, where, depth);
  }

  private static final Set<String> KNOWN = Set.of(
      "type", "properties", "required", "additionalProperties", "enum", "const", "items", "prefixItems", "minItems",
      "maxItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
      "exclusiveMaximum", "anyOf", "oneOf", "$ref");

  private String typed(String type, JsonNode schema, String where, int depth) {
    return switch (type) {
      case "object" -> object(schema, where, depth);
      case "array" -> array(schema, where, depth);
      case "string" -> string(schema, where);
      case "integer" -> integer(schema, where);
      case "number" -> number(schema, where);
      case "boolean" -> "boolean";
      case "null" -> "null";
      default -> throw refuse(where + "/type", "unknown type \"" + type + "\"");
    };
  }

  private String ref(JsonNode ref, String where, int depth) {
    String target = ref.asText();
    String name = refRules.get(target);
    if (name != null) {
      return name;
    }
    JsonNode node;
    if (target.startsWith("#/$defs/") || target.startsWith("#/definitions/")) {
      String[] parts = target.substring(2).split("/", 2);
      node = document.path(parts[0]).get(parts[1].replace("~1", "/").replace("~0", "~"));
    } else if (target.equals("#")) {
      node = document;
    } else {
      throw refuse(where + "/$ref", "only references into $defs or definitions of the same schema are supported, was \"" + target + "\"");
    }
    if (node == null) {
      throw refuse(where + "/$ref", "\"" + target + "\" names nothing in the schema");
    }
    name = newName("ref-" + target.substring(target.lastIndexOf('/') + 1));
    refRules.put(target, name);
    rules.put(name, ""); // reserve the name first, so that a recursive reference finds it
    rules.put(name, visit(node, target, depth + 1));
    return name;
  }

  private String object(JsonNode schema, String where, int depth) {
    JsonNode properties = schema.path("properties");
    if (!properties.isMissingNode() && !properties.isObject()) {
      throw refuse(where + "/properties", "must be an object");
    }
    Set<String> required = new java.util.LinkedHashSet<>();
    for (JsonNode r : schema.path("required")) {
      if (!r.isTextual()) {
        throw refuse(where + "/required", "must list property names");
      }
      required.add(r.asText());
    }
    Map<String, String> propertyRules = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = properties.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      String at = where + "/properties/" + p.getKey();
      propertyRules.put(p.getKey(), literal(JSON.getNodeFactory().textNode(p.getKey())) + " ws \":\" ws "
          + rule(at, visit(p.getValue(), at, depth + 1)));
    }
    for (String r : required) {
      if (!propertyRules.containsKey(r)) {
        if (!properties.isMissingNode() || schema.path("additionalProperties").isBoolean()) {
          throw refuse(where + "/required", "\"" + r + "\" is required but not among the properties");
        }
      }
    }
    JsonNode additional = schema.get("additionalProperties");
    String extra = null;
    if (!strict && additional != null && !(additional.isBoolean() && !additional.booleanValue())) {
      String value = additional.isBoolean() ? "value" : rule(where + "/additionalProperties", visit(additional, where + "/additionalProperties", depth + 1));
      extra = rule(where + "-extra", notAmong(propertyRules.keySet()) + " ws \":\" ws " + value);
    } else if (properties.isMissingNode() && additional == null) {
      extra = rule(where + "-extra", "string ws \":\" ws value");
    }
    List<String> firsts = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    for (Map.Entry<String, String> p : propertyRules.entrySet()) {
      (required.contains(p.getKey()) ? firsts : rest).add(p.getValue());
    }
    // required in order, each after a comma but the first; then the optional ones in order, each maybe.
    StringBuilder body = new StringBuilder("\"{\" ws ");
    boolean anyBefore = false;
    for (String f : firsts) {
      body.append(anyBefore ? "\",\" ws " : "").append(f).append(" ws ");
      anyBefore = true;
    }
    List<String> optional = new ArrayList<>(rest);
    if (extra != null) {
      optional.add(extra + " (ws \",\" ws " + extra + ")*");
    }
    if (!optional.isEmpty()) {
      body.append(optionalTail(optional, anyBefore, where)).append(' ');
    }
    return body.append("\"}\"").toString();
  }

  /**
   * The optional members after the required ones: any subset of {@code optional}, in order, commas
   * between. When nothing came before, the first member present needs no comma.
   */
  private String optionalTail(List<String> optional, boolean anyBefore, String where) {
    if (anyBefore) {
      StringBuilder b = new StringBuilder();
      for (String o : optional) {
        b.append("(\",\" ws ").append(o).append(" ws)? ");
      }
      return b.toString().trim();
    }
    // (o1 tail(2..) | o2 tail(3..) | ...)? where tail(k..) has commas
    List<String> alternatives = new ArrayList<>();
    for (int i = 0; i < optional.size(); i++) {
      StringBuilder b = new StringBuilder(optional.get(i)).append(" ws");
      for (int j = i + 1; j < optional.size(); j++) {
        b.append(" (\",\" ws ").append(optional.get(j)).append(" ws)?");
      }
      alternatives.add(b.toString());
    }
    return rule(where + "-optional", String.join(" | ", alternatives)) + "?";
  }

  /** A JSON string that is none of {@code excluded}. */
  private String notAmong(Set<String> excluded) {
    if (excluded.isEmpty()) {
      return "string";
    }
    // A trie of the excluded names, as code points; a key leaves it at some point or ends where no name ends.
    TreeMap<Integer, Object> trie = new TreeMap<>();
    for (String name : excluded) {
      TreeMap<Integer, Object> node = trie;
      for (int cp : name.codePoints().toArray()) {
        @SuppressWarnings("unchecked")
        TreeMap<Integer, Object> next = (TreeMap<Integer, Object>) node.computeIfAbsent(cp, k -> new TreeMap<Integer, Object>());
        node = next;
      }
      node.put(-1, Boolean.TRUE); // a name ends here
    }
    return "\"\\\"\" " + rule("key-not-listed", trieRule(trie));
  }

  @SuppressWarnings("unchecked")
  private String trieRule(TreeMap<Integer, Object> node) {
    List<String> alternatives = new ArrayList<>();
    StringBuilder others = new StringBuilder("[^\"\\\\\\x7F\\x00-\\x1F");
    for (Map.Entry<Integer, Object> e : node.entrySet()) {
      if (e.getKey() < 0) {
        continue;
      }
      int cp = e.getKey();
      others.append(classChar(cp));
      alternatives.add(quoted(new String(Character.toChars(cp))) + " " + rule("key-not-listed", trieRule((TreeMap<Integer, Object>) e.getValue())));
    }
    alternatives.add(others.append("] char* \"\\\"\"").toString());
    alternatives.add("\"\\\\\" ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4}) char* \"\\\"\"");
    if (!node.containsKey(-1)) {
      alternatives.add("\"\\\"\"");
    }
    return String.join(" | ", alternatives);
  }

  private String array(JsonNode schema, String where, int depth) {
    int min = count(schema, "minItems", where, 0);
    int max = count(schema, "maxItems", where, -1);
    if (max >= 0 && max < min) {
      throw refuse(where, "maxItems " + max + " is below minItems " + min);
    }
    List<String> prefix = new ArrayList<>();
    JsonNode prefixItems = schema.get("prefixItems");
    if (prefixItems != null) {
      if (!prefixItems.isArray()) {
        throw refuse(where + "/prefixItems", "must be an array");
      }
      for (int i = 0; i < prefixItems.size(); i++) {
        prefix.add(rule(where + "/prefixItems/" + i, visit(prefixItems.get(i), where + "/prefixItems/" + i, depth + 1)));
      }
    }
    JsonNode items = schema.get("items");
    String item; // the schema of items after the prefix, null when there may be none
    if (items == null) {
      item = "value";
    } else if (items.isBoolean() && !items.booleanValue()) {
      item = null;
    } else {
      item = rule(where + "/items", visit(items, where + "/items", depth + 1));
    }
    if (!prefix.isEmpty()) {
      // A tuple: prefix item i may be there only when every one before it is; the first min are
      // required. Items of the items schema may follow once every prefix item is there.
      int n = prefix.size();
      if (min > n && item == null) {
        throw refuse(where, "minItems " + min + " needs more items than prefixItems allows");
      }
      int total = max >= 0 ? Math.min(max, n) : n;
      if (total == 0) {
        return "\"[\" ws \"]\"";
      }
      String next = total == n && item != null && max != n
          ? "(ws \",\" ws " + item + ")" + repeat(Math.max(0, min - n), max < 0 ? -1 : max - n, where)
          : "";
      for (int i = total - 1; i >= 1; i--) {
        String sequence = prefix.get(i) + (next.isEmpty() ? "" : " " + next);
        next = i < min ? "ws \",\" ws " + sequence : "(ws \",\" ws " + sequence + ")?";
      }
      String first = prefix.get(0) + (next.isEmpty() ? "" : " " + next);
      return "\"[\" ws " + (min > 0 ? first : "(" + first + ")?") + " ws \"]\"";
    }
    if (item == null) {
      if (min > 0) {
        throw refuse(where, "minItems " + min + " but items is false");
      }
      return "\"[\" ws \"]\"";
    }
    if (max == 0) {
      return "\"[\" ws \"]\"";
    }
    String repeated = "(ws \",\" ws " + item + ")" + repeat(Math.max(0, min - 1), max < 0 ? -1 : max - 1, where);
    String list = item + " " + repeated;
    return "\"[\" ws " + (min == 0 ? "(" + list + ")?" : list) + " ws \"]\"";
  }

  private static String repeat(int min, int max, String where) {
    if (max > MAX_REPEAT || min > MAX_REPEAT) {
      throw refuse(where, "a repetition of more than " + MAX_REPEAT + " (" + (max > MAX_REPEAT ? max : min) + ") is not supported");
    }
    if (max < 0) {
      return min == 0 ? "*" : min == 1 ? "+" : "{" + min + ",}";
    }
    if (min == 0 && max == 1) {
      return "?";
    }
    return min == max ? "{" + min + "}" : "{" + min + "," + max + "}";
  }

  private static int count(JsonNode schema, String key, String where, int absent) {
    JsonNode n = schema.get(key);
    if (n == null) {
      return absent;
    }
    if (!n.canConvertToInt() || !n.isIntegralNumber() && n.asDouble() != Math.rint(n.asDouble()) || n.asInt() < 0) {
      throw refuse(where + "/" + key, "must be a whole number >= 0, was " + n);
    }
    return n.asInt();
  }

  private String string(JsonNode schema, String where) {
    int min = count(schema, "minLength", where, 0);
    int max = count(schema, "maxLength", where, -1);
    if (max >= 0 && max < min) {
      throw refuse(where, "maxLength " + max + " is below minLength " + min);
    }
    JsonNode format = schema.get("format");
    JsonNode pattern = schema.get("pattern");
    boolean bounded = schema.has("minLength") || schema.has("maxLength");
    if (format != null && pattern != null) {
      throw refuse(where, "format and pattern together are not supported");
    }
    if ((format != null || pattern != null) && bounded) {
      throw refuse(where, (format != null ? "format" : "pattern") + " with minLength or maxLength is not supported");
    }
    if (pattern != null) {
      return "\"\\\"\" " + rule(where + "-pattern", new RegexGrammar(pattern.asText(), where + "/pattern").translate()) + " \"\\\"\"";
    }
    if (format != null) {
      String f = format.asText();
      return switch (f) {
        case "date" -> "\"\\\"\" date \"\\\"\"";
        case "time" -> "\"\\\"\" time \"\\\"\"";
        case "date-time" -> "\"\\\"\" date \"T\" time \"\\\"\"";
        case "uuid" -> "\"\\\"\" uuid \"\\\"\"";
        case "email" -> "\"\\\"\" email \"\\\"\"";
        default -> throw refuse(where + "/format", "format \"" + f + "\" is not supported (date, time, date-time, uuid, email are)");
      };
    }
    if (!bounded) {
      return "string";
    }
    return "\"\\\"\" char" + repeat(min, max, where) + " \"\\\"\"";
  }

  private String integer(JsonNode schema, String where) {
    BigInteger lo = bound(schema, "minimum", where, true, false);
    BigInteger hi = bound(schema, "maximum", where, false, false);
    BigInteger xlo = bound(schema, "exclusiveMinimum", where, true, true);
    BigInteger xhi = bound(schema, "exclusiveMaximum", where, false, true);
    if (xlo != null && (lo == null || xlo.compareTo(lo) > 0)) {
      lo = xlo;
    }
    if (xhi != null && (hi == null || xhi.compareTo(hi) < 0)) {
      hi = xhi;
    }
    if (lo == null && hi == null) {
      return "int";
    }
    if (lo != null && hi != null && lo.compareTo(hi) > 0) {
      throw refuse(where, "no integer lies between its bounds " + lo + " and " + hi);
    }
    return rule(where + "-range", IntegerRanges.between(lo, hi));
  }

  private String number(JsonNode schema, String where) {
    boolean any = false;
    for (String key : List.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")) {
      if (schema.has(key)) {
        any = true;
        JsonNode n = schema.get(key);
        if (!n.isNumber() || n.decimalValue().stripTrailingZeros().scale() > 0) {
          throw refuse(where + "/" + key, "a number's bound must be a whole number here, was " + n);
        }
      }
    }
    if (!any) {
      return "number";
    }
    // x in [lo, hi] with whole bounds: a whole part in range, and a fraction only where it stays inside.
    BigInteger lo = bound(schema, "minimum", where, true, false);
    BigInteger hi = bound(schema, "maximum", where, false, false);
    boolean loOpen = false;
    boolean hiOpen = false;
    if (schema.has("exclusiveMinimum")) {
      BigInteger x = schema.get("exclusiveMinimum").bigIntegerValue();
      if (lo == null || x.compareTo(lo) >= 0) {
        lo = x;
        loOpen = true;
      }
    }
    if (schema.has("exclusiveMaximum")) {
      BigInteger x = schema.get("exclusiveMaximum").bigIntegerValue();
      if (hi == null || x.compareTo(hi) <= 0) {
        hi = x;
        hiOpen = true;
      }
    }
    if (lo != null && hi != null && (lo.compareTo(hi) > 0 || lo.equals(hi) && (loOpen || hiOpen))) {
      throw refuse(where, "no number lies between its bounds " + lo + " and " + hi);
    }
    // Non-negative and negative halves, each as a magnitude m.f with m's range and the edge cases.
    List<String> alternatives = new ArrayList<>();
    String nonZeroFraction = "\".\" [0-9]{0,15} [1-9]";
    String zeroFraction = "(\".\" \"0\"{1,16})?";
    // whole numbers strictly inside or on closed bounds
    BigInteger wholeLo = lo == null ? null : loOpen ? lo.add(BigInteger.ONE) : lo;
    BigInteger wholeHi = hi == null ? null : hiOpen ? hi.subtract(BigInteger.ONE) : hi;
    if (wholeLo == null || wholeHi == null || wholeLo.compareTo(wholeHi) <= 0) {
      alternatives.add(rule(where + "-whole", IntegerRanges.between(wholeLo, wholeHi)) + " " + zeroFraction);
    }
    // x = w + f, 0 < f < 1: w in [lo, hi - 1] for positive-side... written per sign
    BigInteger fLo = lo; // w >= lo (w + f > lo holds for any f > 0 even when lo is open)
    BigInteger fHi = hi == null ? null : hi.subtract(BigInteger.ONE); // w + f < hi needs w <= hi - 1
    // non-negative w: value w.f
    BigInteger pLo = fLo == null ? BigInteger.ZERO : fLo.max(BigInteger.ZERO);
    if (fHi == null || pLo.compareTo(fHi) <= 0) {
      alternatives.add(rule(where + "-frac", IntegerRanges.between(pLo, fHi)) + " " + nonZeroFraction);
    }
    // negative: -(m.f) with m >= 0: value -m - f in (lo, hi) needs -m-1 >= lo, i.e. m <= -lo - 1, and -m - f < hi: m >= -hi
    BigInteger mHi = lo == null ? null : lo.negate().subtract(BigInteger.ONE);
    BigInteger mLo = hi == null ? BigInteger.ZERO : hi.negate().max(BigInteger.ZERO);
    if (mHi == null || (mHi.signum() >= 0 && mLo.compareTo(mHi) <= 0)) {
      alternatives.add("\"-\" " + rule(where + "-negfrac", IntegerRanges.between(mLo, mHi)) + " " + nonZeroFraction);
    }
    if (alternatives.isEmpty()) {
      throw refuse(where, "no number lies between its bounds");
    }
    return group(alternatives);
  }

  private static BigInteger bound(JsonNode schema, String key, String where, boolean lower, boolean exclusive) {
    JsonNode n = schema.get(key);
    if (n == null) {
      return null;
    }
    if (!n.isNumber()) {
      throw refuse(where + "/" + key, "must be a number, was " + n);
    }
    BigDecimal d = n.decimalValue();
    if (d.abs().compareTo(BigDecimal.TEN.pow(18)) > 0) {
      throw refuse(where + "/" + key, "bounds beyond 10^18 are not supported, was " + n);
    }
    // The integers x with x >= d (lower) or x <= d (upper); exclusive moves past a whole bound.
    BigDecimal rounded = lower ? d.setScale(0, java.math.RoundingMode.CEILING) : d.setScale(0, java.math.RoundingMode.FLOOR);
    BigInteger b = rounded.toBigIntegerExact();
    if (exclusive && rounded.compareTo(d) == 0) {
      b = lower ? b.add(BigInteger.ONE) : b.subtract(BigInteger.ONE);
    }
    return b;
  }

  /** {@code value} written as compact JSON, as a grammar literal. */
  private String literal(JsonNode value) {
    try {
      return quoted(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed JSON value can be written back", e);
    }
  }

  /** {@code text} as a quoted GBNF literal. */
  static String quoted(String text) {
    StringBuilder b = new StringBuilder("\"");
    text.codePoints().forEach(cp -> {
      switch (cp) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (cp < 0x20 || cp == 0x7F) {
            b.append(String.format("\\x%02X", cp));
          } else {
            b.appendCodePoint(cp);
          }
        }
      }
    });
    return b.append('"').toString();
  }

  /** {@code cp} escaped for use inside a GBNF character class. */
  static String classChar(int cp) {
    return switch (cp) {
      case '\\' -> "\\\\";
      case ']' -> "\\]";
      case '[' -> "\\[";
      case '^' -> "\\^";
      case '-' -> "\\-";
      case '"' -> "\\\"";
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      default -> cp < 0x20 || cp == 0x7F ? String.format("\\x%02X", cp) : new String(Character.toChars(cp));
    };
  }

  private static String group(List<String> alternatives) {
    return alternatives.size() == 1 ? alternatives.get(0) : "(" + String.join(" | ", alternatives) + ")";
  }

  /** A named rule for {@code body} (or the body itself when it is already a name), counting the grammar's size. */
  private String rule(String hint, String body) {
    if (body.matches("[a-z0-9-]+")) {
      return body;
    }
    String name = newName(hint);
    chars += name.length() + body.length() + 6;
    if (chars > MAX_GRAMMAR_CHARS) {
      throw new InvalidRequestException("JSON Schema: its grammar would exceed " + MAX_GRAMMAR_CHARS + " characters");
    }
    rules.put(name, body);
    return name;
  }

  private String newName(String hint) {
    String base = hint.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    if (base.isEmpty() || base.length() > 48) {
      base = "r" + (base.isEmpty() ? "" : "-" + base.substring(base.length() - 40).replaceAll("^-+", ""));
    }
    base = "s-" + base;
    int n = names.merge(base, 1, Integer::sum);
    return n == 1 ? base : base + "-" + n;
  }
}
