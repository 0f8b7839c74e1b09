package dev.parley.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ResponseFormat;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolCallDelta;
import dev.parley.chat.ToolChoice;
import dev.parley.chat.ToolSpecification;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * OpenAI's tool and response-format fields, read into Parley's SPI and written back: {@code tools},
 * {@code tool_choice}, {@code response_format}, an assistant message's {@code tool_calls} and the
 * stream's tool-call deltas. Every mistake is a 400 naming the field.
 */
final class ToolsJson {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private ToolsJson() {}

  /** {@code tools}: an array of {@code {"type": "function", "function": {name, description, parameters}}}. */
  static List<ToolSpecification> tools(JsonNode v) {
    if (!v.isArray()) {
      throw Json.invalid("tools", "field 'tools' must be an array, was " + Json.kind(v));
    }
    List<ToolSpecification> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      String where = "tools[" + i + "]";
      JsonNode tool = v.get(i);
      if (!tool.isObject()) {
        throw Json.invalid(where, "field '" + where + "' must be an object, was " + Json.kind(tool));
      }
      String type = Json.requiredString(tool, "type", where + ".type");
      if (!type.equals("function")) {
        throw Json.invalid(where + ".type", "field '" + where + ".type' must be \"function\", was \"" + type + "\"");
      }
      JsonNode function = tool.get("function");
      if (function == null || !function.isObject()) {
        throw Json.invalid(where + ".function", "field '" + where + ".function' must be an object, was " + Json.kind(function));
      }
      String name = name(Json.requiredString(function, "name", where + ".function.name"), where + ".function.name");
      JsonNode description = function.get("description");
      if (description != null && !description.isNull() && !description.isTextual()) {
        throw Json.invalid(where + ".function.description", "field '" + where + ".function.description' must be a string");
      }
      JsonNode parameters = function.get("parameters");
      String schema = ToolSpecification.NO_PARAMETERS;
      if (parameters != null && !parameters.isNull()) {
        if (!parameters.isObject()) {
          throw Json.invalid(where + ".function.parameters", "field '" + where + ".function.parameters' must be a JSON Schema "
              + "object, was " + Json.kind(parameters));
        }
        schema = parameters.toString();
      }
      out.add(new ToolSpecification(name, description == null || description.isNull() ? "" : description.asText(), schema));
    }
    return out;
  }

  private static String name(String name, String where) {
    if (!NAME.matcher(name).matches()) {
      throw Json.invalid(where, "field '" + where + "' must be 1 to 64 letters, digits, '_' or '-', was \"" + name + "\"");
    }
    return name;
  }

  /** {@code tool_choice}: "none", "auto", "required", or {@code {"type": "function", "function": {"name": ...}}}. */
  static ToolChoice toolChoice(JsonNode v) {
    if (v.isTextual()) {
      return switch (v.asText()) {
        case "none" -> ToolChoice.NONE;
        case "auto" -> ToolChoice.AUTO;
        case "required" -> ToolChoice.REQUIRED;
        default -> throw Json.invalid("tool_choice", "field 'tool_choice' must be \"none\", \"auto\", \"required\" or a "
            + "named function, was \"" + v.asText() + "\"");
      };
    }
    if (v.isObject() && "function".equals(v.path("type").asText()) && v.path("function").isObject()) {
      return ToolChoice.tool(name(Json.requiredString(v.get("function"), "name", "tool_choice.function.name"),
          "tool_choice.function.name"));
    }
    throw Json.invalid("tool_choice", "field 'tool_choice' must be a string or {\"type\": \"function\", \"function\": "
        + "{\"name\": ...}}, was " + Json.kind(v));
  }

  /** {@code response_format}: text, json_object, or json_schema with a name, a schema and strict. */
  static ResponseFormat responseFormat(JsonNode v) {
    if (!v.isObject()) {
      throw Json.invalid("response_format", "field 'response_format' must be an object, was " + Json.kind(v));
    }
    String type = Json.requiredString(v, "type", "response_format.type");
    switch (type) {
      case "text":
        return ResponseFormat.TEXT;
      case "json_object":
        return ResponseFormat.JSON_OBJECT;
      case "json_schema":
        JsonNode spec = v.get("json_schema");
        if (spec == null || !spec.isObject()) {
          throw Json.invalid("response_format.json_schema", "field 'response_format.json_schema' must be an object, was "
              + Json.kind(spec));
        }
        String name = name(Json.requiredString(spec, "name", "response_format.json_schema.name"), "response_format.json_schema.name");
        JsonNode schema = spec.get("schema");
        boolean strict = Json.optionalBoolean(spec, "strict", "response_format.json_schema.strict", false);
        if (schema == null || schema.isNull()) {
          return ResponseFormat.JSON_OBJECT; // OpenAI's schema is optional: any JSON object
        }
        if (!schema.isObject()) {
          throw Json.invalid("response_format.json_schema.schema", "field 'response_format.json_schema.schema' must be a "
              + "JSON Schema object, was " + Json.kind(schema));
        }
        return ResponseFormat.jsonSchema(name, schema.toString(), strict);
      default:
        throw Json.invalid("response_format.type", "field 'response_format.type' must be \"text\", \"json_object\" or "
            + "\"json_schema\", was \"" + type + "\"");
    }
  }

  /** An assistant message's {@code tool_calls}. */
  static List<ToolCall> toolCalls(JsonNode v, String where) {
    if (!v.isArray()) {
      throw Json.invalid(where, "field '" + where + "' must be an array, was " + Json.kind(v));
    }
    List<ToolCall> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      String at = where + "[" + i + "]";
      JsonNode call = v.get(i);
      if (!call.isObject() || !call.path("function").isObject()) {
        throw Json.invalid(at, "field '" + at + "' must be {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\"}}");
      }
      String id = Json.requiredString(call, "id", at + ".id");
      if (id.isBlank()) {
        throw Json.invalid(at + ".id", "field '" + at + ".id' must not be blank");
      }
      String name = name(Json.requiredString(call.get("function"), "name", at + ".function.name"), at + ".function.name");
      String arguments = Json.requiredString(call.get("function"), "arguments", at + ".function.arguments");
      out.add(new ToolCall(id, name, arguments));
    }
    return out;
  }

  /** Tool calls as a message's {@code tool_calls}. */
  static List<Object> write(List<ToolCall> calls) {
    List<Object> out = new ArrayList<>();
    for (ToolCall c : calls) {
      Map<String, Object> function = new LinkedHashMap<>();
      function.put("name", c.name());
      function.put("arguments", c.arguments());
      Map<String, Object> call = new LinkedHashMap<>();
      call.put("id", c.id());
      call.put("type", "function");
      call.put("function", function);
      out.add(call);
    }
    return out;
  }

  /** A streamed delta's {@code tool_calls}: the call's index, and on its first delta its id, type and name. */
  static List<Object> write(ToolCallDelta delta) {
    Map<String, Object> function = new LinkedHashMap<>();
    if (delta.name() != null) {
      function.put("name", delta.name());
    }
    function.put("arguments", delta.arguments());
    Map<String, Object> call = new LinkedHashMap<>();
    call.put("index", delta.index());
    if (delta.id() != null) {
      call.put("id", delta.id());
      call.put("type", "function");
    }
    call.put("function", function);
    return List.of(call);
  }
}
