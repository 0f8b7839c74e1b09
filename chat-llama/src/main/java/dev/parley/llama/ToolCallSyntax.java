package dev.parley.llama;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.chat.Message;
import dev.parley.chat.ResponseFormat;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolSpecification;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * How a model writes a tool call, found by rendering a probe call through its own chat template:
 * the text around each call, and where the tool's name and its arguments go. Two shapes cover the
 * families: the name inside a JSON object beside the arguments (Hermes and Qwen {@code
 * <tool_call>{"name": …, "arguments": …}</tool_call>}, Llama 3.x {@code {"name": …, "parameters":
 * …}}, Mistral {@code [TOOL_CALLS][{…}]}), or the name written before a JSON object of arguments
 * (DeepSeek's markers, gpt-oss's channels, functionary's {@code <function=…>}). A template that
 * writes calls in neither shape, or none at all, gets {@link #GENERIC}: the tools are described in a
 * system message and the reply is one JSON object, a call or an answer.
 *
 * <p>{@link #parse} reads calls back out of a reply; {@link #grammar} constrains a reply to calls.
 */
final class ToolCallSyntax {
  enum Shape {
    NAME_IN_JSON,
    NAME_BEFORE_ARGUMENTS
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom IDS = new SecureRandom();
  private static final String ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  private static final String PROBE_NAME = "parley_probe";
  private static final String PROBE_TEXT = "PARLEY_PROBE_TEXT";
  /** Characters that end a template's markers and lines. */
  private static final String BOUNDARY = ">\n]}";
  private static final ToolSpecification PROBE = new ToolSpecification(PROBE_NAME, "A probe.",
      "{\"type\":\"object\",\"properties\":{\"parley_key\":{\"type\":\"string\"}},\"required\":[\"parley_key\"]}");

  /** {@code {"tool_call": {"name": …, "arguments": {…}}}}, or {@code {"response": "…"}} for an answer. */
  static final ToolCallSyntax GENERIC = new ToolCallSyntax(Shape.NAME_IN_JSON, "", "", "", List.of("tool_call"), "name",
      "arguments", false, true);

  final Shape shape;
  /** Before each call (the JSON, or the name). */
  final String prefix;
  /** Between the name and the arguments ({@link Shape#NAME_BEFORE_ARGUMENTS}). */
  final String middle;
  /** After each call. */
  final String suffix;
  /** Keys from the call's JSON down to the object that holds the name and the arguments. */
  final List<String> path;
  final String nameKey;
  final String argumentsKey;
  /** The JSON is a list of calls. */
  final boolean inList;
  /** Parley's own format: the tools go in a system message, not to the template. */
  final boolean generic;

  private ToolCallSyntax(Shape shape, String prefix, String middle, String suffix, List<String> path, String nameKey,
      String argumentsKey, boolean inList, boolean generic) {
    this.shape = shape;
    this.prefix = prefix;
    this.middle = middle;
    this.suffix = suffix;
    this.path = path;
    this.nameKey = nameKey;
    this.argumentsKey = argumentsKey;
    this.inList = inList;
    this.generic = generic;
  }

  /** A reply read back: the text before the calls, and the calls (none if it holds no whole call). */
  record Parsed(String content, List<ToolCall> calls) {}

  // ---- finding the syntax ----

  /**
   * The syntax {@code render} (messages, tools) writes calls in, or null when it writes none this
   * class can read back (checked by reading back a second call it renders).
   */
  static @Nullable ToolCallSyntax derive(BiFunction<List<Message>, List<ToolSpecification>, String> render) {
    try {
      ToolCallSyntax syntax = fromRegion(callRegion(render, List.of(PROBE),
          new ToolCall("parleyid1", PROBE_NAME, "{\"parley_key\": \"parley_value\"}")));
      if (syntax == null) {
        return null;
      }
      // It must read back a call it did not see, whose arguments have more than one key.
      ToolCall check = new ToolCall("parleyid2", "get_weather", "{\"city\": \"Paris\", \"days\": 2}");
      String call = callRegion(render, List.of(new ToolSpecification("get_weather", "Weather.",
          "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"days\":{\"type\":\"integer\"}}}")), check);
      List<ToolCall> read = syntax.parse(call).calls();
      if (read.size() != 1 || !read.get(0).name().equals("get_weather")
          || !JSON.readTree(read.get(0).arguments()).equals(JSON.readTree(check.arguments()))) {
        return null;
      }
      return syntax;
    } catch (RuntimeException | IOException e) {
      return null;
    }
  }

  /** What the template writes for an assistant turn that is {@code call}, where it would write text otherwise. */
  private static String callRegion(BiFunction<List<Message>, List<ToolSpecification>, String> render,
      List<ToolSpecification> tools, ToolCall call) {
    Message user = Message.user("PARLEY_PROBE_USER");
    String withCall = render.apply(List.of(user, Message.assistant(List.of(call))), tools);
    String withText = render.apply(List.of(user, Message.assistant(PROBE_TEXT)), tools);
    int p = commonPrefix(withCall, withText);
    int end = withCall.length() - commonSuffix(withCall.substring(p), withText.substring(p));
    // Where the two differ inside a marker (<|START_ACTION|> and <|START_RESPONSE|>), the marker is
    // the call's: widen the region to whole markers.
    int open = Math.max(withCall.lastIndexOf('<', p - 1), withCall.lastIndexOf('[', p - 1));
    if (open >= 0 && p > 0 && withCall.substring(open, p).chars().noneMatch(c -> BOUNDARY.indexOf(c) >= 0)) {
      p = open;
    }
    int lastOpen = Math.max(withCall.lastIndexOf('<', end - 1), withCall.lastIndexOf('[', end - 1));
    int close = withCall.indexOf('>', end);
    if (lastOpen >= p && close >= 0 && withCall.substring(lastOpen, end).chars().noneMatch(c -> BOUNDARY.indexOf(c) >= 0)) {
      end = close + 1;
    }
    return withCall.substring(p, end);
  }

  private static @Nullable ToolCallSyntax fromRegion(String region) throws IOException {
    // The outermost JSON value that holds the probe's name: the name sits in the JSON.
    for (int i = 0; i < region.length(); i++) {
      char c = region.charAt(i);
      if (c != '{' && c != '[') {
        continue;
      }
      Value v = readValue(region, i);
      if (v == null) {
        continue;
      }
      JsonNode call = v.node;
      boolean list = call.isArray();
      if (list) {
        if (call.size() != 1) {
          continue;
        }
        call = call.get(0);
      }
      List<String> path = new ArrayList<>();
      ToolCallSyntax found = inObject(call, path, region.substring(0, i), region.substring(v.end), list);
      if (found != null) {
        return found;
      }
      if (region.substring(0, i).contains(PROBE_NAME) && call.equals(JSON.readTree("{\"parley_key\": \"parley_value\"}"))) {
        int at = region.lastIndexOf(PROBE_NAME, i);
        return new ToolCallSyntax(Shape.NAME_BEFORE_ARGUMENTS, region.substring(0, at),
            region.substring(at + PROBE_NAME.length(), i), region.substring(v.end), List.of(), "", "", false, false);
      }
    }
    return null;
  }

  private static @Nullable ToolCallSyntax inObject(JsonNode node, List<String> path, String prefix, String suffix, boolean list) {
    if (!node.isObject() || path.size() > 2) {
      return null;
    }
    String nameKey = null;
    String argumentsKey = null;
    for (var e : node.properties()) {
      if (e.getValue().isTextual() && e.getValue().asText().equals(PROBE_NAME)) {
        nameKey = e.getKey();
      } else if (e.getValue().isObject() && e.getValue().size() == 1 && "parley_value".equals(e.getValue().path("parley_key").asText(null))) {
        argumentsKey = e.getKey();
      }
    }
    if (nameKey != null && argumentsKey != null) {
      return new ToolCallSyntax(Shape.NAME_IN_JSON, prefix, "", suffix, List.copyOf(path), nameKey, argumentsKey, list, false);
    }
    for (var e : node.properties()) {
      if (e.getValue().isObject()) {
        path.add(e.getKey());
        ToolCallSyntax found = inObject(e.getValue(), path, prefix, suffix, list);
        path.remove(path.size() - 1);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  // ---- reading calls ----

  /** The calls in {@code reply} (a whole reply, or its part from where calls begin). */
  Parsed parse(String reply) {
    List<ToolCall> calls = new ArrayList<>();
    int start = findPrefix(reply, 0);
    if (start < 0) {
      return new Parsed(reply, List.of());
    }
    String content = reply.substring(0, start).strip();
    int at = start;
    while (at >= 0 && at < reply.length()) {
      int after = readCall(reply, at, calls);
      if (after < 0) {
        break;
      }
      at = findPrefix(reply, after);
      if (at < 0 || !reply.substring(after, at).isBlank()) {
        break;
      }
    }
    return calls.isEmpty() ? new Parsed(reply, List.of()) : new Parsed(content, calls);
  }

  /** Where the text that opens a call starts, from {@code from}; -1 if nowhere. */
  int findPrefix(String reply, int from) {
    String marker = prefix.strip();
    if (!marker.isEmpty()) {
      return reply.indexOf(marker, from);
    }
    int i = from;
    while (i < reply.length() && Character.isWhitespace(reply.charAt(i))) {
      i++;
    }
    if (i < reply.length() && (reply.charAt(i) == '{' || reply.charAt(i) == '[') && shape == Shape.NAME_IN_JSON) {
      return i;
    }
    return -1;
  }

  /** Reads the calls that start at {@code at}; returns where they end, or -1 if none is whole. */
  private int readCall(String reply, int at, List<ToolCall> calls) {
    int i = at + prefix.strip().length();
    if (shape == Shape.NAME_BEFORE_ARGUMENTS) {
      while (i < reply.length() && Character.isWhitespace(reply.charAt(i)) && !prefix.endsWith(" ")) {
        i++;
      }
      String marker = middle.strip();
      int end = marker.isEmpty() ? indexOfJson(reply, i) : reply.indexOf(marker, i);
      if (end < 0) {
        return -1;
      }
      String name = reply.substring(i, end).strip();
      Value args = readValue(reply, skipTo(reply, end + marker.length()));
      if (name.isEmpty() || args == null || !args.node.isObject()) {
        return -1;
      }
      calls.add(new ToolCall(newId(), name, args.node.toString()));
      return skipSuffix(reply, args.end);
    }
    Value v = readValue(reply, skipTo(reply, i));
    if (v == null) {
      return -1;
    }
    List<JsonNode> objects = new ArrayList<>();
    if (v.node.isArray()) {
      v.node.forEach(objects::add);
    } else {
      objects.add(v.node);
    }
    int before = calls.size();
    for (JsonNode o : objects) {
      for (String key : path) {
        o = o.path(key);
      }
      JsonNode name = o.get(nameKey);
      JsonNode args = o.get(argumentsKey);
      if (name == null || !name.isTextual() || name.asText().isBlank()) {
        continue;
      }
      String arguments = args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : args.toString();
      calls.add(new ToolCall(newId(), name.asText(), arguments));
    }
    return calls.size() > before ? skipSuffix(reply, v.end) : -1;
  }

  private int skipSuffix(String reply, int at) {
    String marker = suffix.strip();
    int i = skipTo(reply, at);
    return !marker.isEmpty() && reply.startsWith(marker, i) ? i + marker.length() : at;
  }

  private static int skipTo(String s, int at) {
    int i = at;
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int indexOfJson(String s, int from) {
    int i = s.indexOf('{', from);
    return i;
  }

  private record Value(JsonNode node, int end) {}

  /** The JSON value that starts at {@code at}, and where it ends; null if none. */
  private static @Nullable Value readValue(String s, int at) {
    if (at >= s.length() || (s.charAt(at) != '{' && s.charAt(at) != '[')) {
      return null;
    }
    try (JsonParser p = JSON.getFactory().createParser(s.substring(at))) {
      JsonNode node = JSON.readTree(p);
      if (node == null) {
        return null;
      }
      return new Value(node, at + (int) p.currentLocation().getCharOffset());
    } catch (IOException e) {
      return null;
    }
  }

  static String newId() {
    StringBuilder b = new StringBuilder(9);
    for (int i = 0; i < 9; i++) {
      b.append(ID_CHARS.charAt(IDS.nextInt(ID_CHARS.length())));
    }
    return b.toString();
  }

  // ---- constraining replies ----

  /**
   * A grammar whose every sentence is one call to one of {@code tools}, written in this syntax; with
   * {@code orAnswer} ({@link #GENERIC} only), an answer {@code {"response": "…"}} is allowed too.
   */
  String grammar(List<ToolSpecification> tools, boolean orAnswer) {
    return grammar(tools, orAnswer, prefix, null);
  }

  /**
   * A grammar whose every sentence is one call to one of {@code tools}, written in this syntax, or
   * an answer that is the JSON {@code answer} asks for (a JSON object, or one that fits a schema),
   * bare: a reply to an {@code auto} choice under a JSON response format.
   */
  String grammarOrJsonAnswer(List<ToolSpecification> tools, ResponseFormat answer) {
    return grammar(tools, false, prefix, answer);
  }

  /**
   * The grammar of one call as a lazy grammar sees it: from the call's opening marker on, which
   * {@link #trigger} finds (the text the model writes before the call is free).
   */
  String lazyGrammar(List<ToolSpecification> tools) {
    return grammar(tools, false, prefix.stripLeading(), null);
  }

  /**
   * The regular expression (ECMAScript) that llama.cpp searches the reply so far for, whose first
   * group starts where a call opens: the opening marker anywhere, or, for a syntax without one, a
   * JSON object the reply starts with. Searched, not matched whole: llama.cpp runs it at every token
   * over the whole reply so far, on the decode thread, and libstdc++'s matcher recurses; a pattern
   * that spans the reply ({@code ^[\s\S]*…$}) would recurse deeper as the reply grows, the marker
   * alone only as deep as the marker.
   */
  String trigger() {
    String marker = prefix.strip();
    if (marker.isEmpty()) {
      return "^\\s*(\\{)";
    }
    StringBuilder quoted = new StringBuilder();
    for (char c : marker.toCharArray()) {
      if ("\\^$.|?*+()[]{}/".indexOf(c) >= 0) {
        quoted.append('\\');
      }
      quoted.append(c);
    }
    return "(" + quoted + ")";
  }

  private String grammar(List<ToolSpecification> tools, boolean orAnswer, String opening, @Nullable ResponseFormat answer) {
    List<String> schemas = new ArrayList<>(tools.stream().map(ToolSpecification::parameters).toList());
    BiFunction<Integer, String, String> call = (i, args) -> {
      String name = JsonSchemaGrammar.quoted(JSON.valueToTree(tools.get(i).name()).toString());
      if (shape == Shape.NAME_BEFORE_ARGUMENTS) {
        return JsonSchemaGrammar.quoted(tools.get(i).name()) + (middle.isEmpty() ? "" : " " + JsonSchemaGrammar.quoted(middle))
            + " " + args;
      }
      String inner = "\"{\" ws " + JsonSchemaGrammar.quoted("\"" + nameKey + "\":") + " ws " + name + " ws \",\" ws "
          + JsonSchemaGrammar.quoted("\"" + argumentsKey + "\":") + " ws " + args + " ws \"}\"";
      for (int k = path.size() - 1; k >= 0; k--) {
        inner = "\"{\" ws " + JsonSchemaGrammar.quoted("\"" + path.get(k) + "\":") + " ws " + inner + " ws \"}\"";
      }
      return inList ? "\"[\" ws " + inner + " ws \"]\"" : inner;
    };
    String before = opening.isEmpty() ? "" : JsonSchemaGrammar.quoted(opening);
    String after = suffix.isEmpty() ? "" : JsonSchemaGrammar.quoted(suffix);
    String grammar;
    if (answer == null) {
      grammar = JsonSchemaGrammar.alternatives(schemas, i -> false, call, before, after);
    } else {
      // The answer is one more alternative, bare; the opening and closing text frame each call instead.
      int n = tools.size();
      schemas.add(answer.type() == ResponseFormat.Type.JSON_SCHEMA ? answer.schema() : "{\"type\": \"object\"}");
      grammar = JsonSchemaGrammar.alternatives(schemas, i -> i == n && answer.strict(),
          (i, args) -> i == n ? args : ((before + " " + call.apply(i, args) + " " + after).strip()), "", "");
    }
    if (orAnswer) {
      grammar = grammar.replaceFirst("root ::= ", "root ::= answer | ")
          + "answer ::= \"{\" ws \"\\\"response\\\":\" ws string ws \"}\"\n";
    }
    return grammar;
  }

  /** Parley's system message for {@link #GENERIC}: the tools, and how to call them. */
  static String describe(List<ToolSpecification> tools, boolean required, boolean jsonAnswer) {
    List<ObjectNode> list = new ArrayList<>();
    for (ToolSpecification t : tools) {
      ObjectNode o = JSON.createObjectNode();
      o.put("name", t.name());
      o.put("description", t.description());
      try {
        o.set("parameters", JSON.readTree(t.parameters()));
      } catch (IOException e) {
        o.put("parameters", t.parameters());
      }
      list.add(o);
    }
    return "You can call these tools:\n" + JSON.valueToTree(list) + "\nTo call a tool, reply with the JSON object "
        + "{\"tool_call\": {\"name\": <the tool's name>, \"arguments\": <its arguments>}}"
        + (required ? "." : jsonAnswer ? "; to answer without a tool, reply with your answer's JSON object."
            : "; to answer without a tool, reply with {\"response\": <your answer>}.");
  }

  private static int commonPrefix(String a, String b) {
    int n = Math.min(a.length(), b.length());
    int i = 0;
    while (i < n && a.charAt(i) == b.charAt(i)) {
      i++;
    }
    return i;
  }

  private static int commonSuffix(String a, String b) {
    int n = Math.min(a.length(), b.length());
    int i = 0;
    while (i < n && a.charAt(a.length() - 1 - i) == b.charAt(b.length() - 1 - i)) {
      i++;
    }
    return i;
  }

  @Override
  public String toString() {
    return generic ? "generic JSON" : shape + " " + JsonSchemaGrammar.quoted(prefix) + (shape == Shape.NAME_BEFORE_ARGUMENTS
        ? " name " + JsonSchemaGrammar.quoted(middle) : " " + path + "." + nameKey + "/" + argumentsKey) + " args "
        + JsonSchemaGrammar.quoted(suffix) + (inList ? " in a list" : "");
  }
}
