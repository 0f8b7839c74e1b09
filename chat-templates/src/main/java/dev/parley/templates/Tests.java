package dev.parley.templates;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** jinja2's tests ({@code x is defined}, {@code x is string}, ...), with jinja2's results. */
final class Tests {
  static final Set<String> NAMES = Set.of("defined", "undefined", "none", "string", "mapping", "iterable", "sequence",
      "number", "integer", "float", "boolean", "true", "false", "callable", "odd", "even", "divisibleby", "eq",
      "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in",
      "lower", "upper", "sameas", "escaped");

  private Tests() {}

  static boolean apply(String name, Object value, List<Object> args, int line) {
    if (name.equals("iterable") && value instanceof Generator) {
      return true;
    }
    Object v = value instanceof Generator ? value : Py.plain(value);
    switch (name) {
      case "defined":
        return !(v instanceof Undefined);
      case "undefined":
        return v instanceof Undefined;
      case "none":
        return v == null;
      case "string":
        return v instanceof String;
      case "mapping":
        return v instanceof Map;
      case "iterable":
        return v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
      case "sequence":
        return !(v instanceof Generator) && v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
      case "number":
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
      case "integer":
        return v instanceof Long;
      case "float":
        return v instanceof Double;
      case "boolean":
        return v instanceof Boolean;
      case "true":
        return Boolean.TRUE.equals(v);
      case "false":
        return Boolean.FALSE.equals(v);
      case "callable":
        return v instanceof Callable;
      case "odd":
      case "even": {
        Object n = Py.numeric(v);
        if (!(n instanceof Long l)) {
          throw new TemplateException("test '" + name + "' needs an integer, got " + Py.typeName(v) + " on line " + line, line);
        }
        return (Math.floorMod(l, 2) == 1) == name.equals("odd");
      }
      case "divisibleby": {
        Object n = Py.numeric(v);
        Object d = Py.numeric(arg(args, name, line));
        if (n instanceof Long a && d instanceof Long b && b != 0) {
          return a % b == 0;
        }
        throw new TemplateException("test 'divisibleby' needs integers on line " + line, line);
      }
      case "eq":
      case "equalto":
      case "==":
        return Py.eq(v, arg(args, name, line));
      case "ne":
      case "!=":
        return !Py.eq(v, arg(args, name, line));
      case "lt":
      case "lessthan":
      case "<":
        return Py.compare(v, arg(args, name, line), line) < 0;
      case "le":
      case "<=":
        return Py.compare(v, arg(args, name, line), line) <= 0;
      case "gt":
      case "greaterthan":
      case ">":
        return Py.compare(v, arg(args, name, line), line) > 0;
      case "ge":
      case ">=":
        return Py.compare(v, arg(args, name, line), line) >= 0;
      case "in":
        return Py.contains(arg(args, name, line), v, line);
      case "lower":
        return Py.str(v).equals(Py.str(v).toLowerCase(java.util.Locale.ROOT));
      case "upper":
        return Py.str(v).equals(Py.str(v).toUpperCase(java.util.Locale.ROOT));
      case "sameas": {
        Object o = arg(args, name, line);
        return v == o || (v instanceof Boolean && v.equals(o)) || (v == null && o == null);
      }
      case "escaped":
        return false;
      default:
        throw new TemplateException("No test named '" + name + "' on line " + line, line);
    }
  }

  private static Object arg(List<Object> args, String name, int line) {
    if (args.isEmpty()) {
      throw new TemplateException("test '" + name + "' needs an argument on line " + line, line);
    }
    return args.get(0);
  }
}
