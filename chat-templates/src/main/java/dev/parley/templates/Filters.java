package dev.parley.templates;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** jinja2's built-in filters that chat templates use, and Hugging Face's {@code tojson}, with their results. */
final class Filters {
  static final Set<String> NAMES = Set.of("abs", "attr", "capitalize", "center", "count", "d", "default", "dictsort",
      "e", "escape", "first", "float", "format", "indent", "int", "items", "join", "last", "length", "list", "lower",
      "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr",
      "sort", "string", "sum", "title", "tojson", "trim", "unique", "upper", "wordcount");

  private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)");
  private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

  private Filters() {}

  static Object apply(String name, Object value, List<Object> args, Map<String, Object> kwargs, int line) {
    if (name.equals("safe")) {
      return value instanceof Markup ? value : new Markup(Py.str(value));
    }
    if (name.equals("escape") || name.equals("e")) {
      return Markup.escaped(value);
    }
    if (name.equals("tojson") && value instanceof Generator) {
      throw error("Object of type generator is not JSON serializable", line);
    }
    if ((name.equals("length") || name.equals("count")) && value instanceof Generator) {
      throw error("object of type 'generator' has no len()", line);
    }
    Object v = Py.plain(value);
    switch (name) {
      case "length":
      case "count":
        return Py.length(v, line);
      case "string":
        return Py.str(v);
      case "trim": {
        Object chars = Methods.optional(args, kwargs, 0, "chars", null);
        return StrMethods.strip(Py.str(v), chars == null ? null : Py.str(chars), true, true);
      }
      case "upper":
        return Py.str(v).toUpperCase(Locale.ROOT);
      case "lower":
        return Py.str(v).toLowerCase(Locale.ROOT);
      case "capitalize":
        return StrMethods.call(Py.str(v), "capitalize", List.of(), Map.of(), line);
      case "title":
        return title(Py.str(v));
      case "default":
      case "d": {
        Object fallback = Methods.optional(args, kwargs, 0, "default_value", "");
        boolean bool = Py.truthy(Methods.optional(args, kwargs, 1, "boolean", false));
        return v instanceof Undefined || (bool && !Py.truthy(v)) ? fallback : v;
      }
      case "join": {
        String sep = Py.str(Methods.optional(args, kwargs, 0, "d", ""));
        Object attribute = Methods.optional(args, kwargs, 1, "attribute", null);
        StringBuilder b = new StringBuilder();
        List<Object> items = Py.iterate(v, line);
        for (int i = 0; i < items.size(); i++) {
          Object item = attribute == null ? items.get(i) : attribute(items.get(i), attribute, line);
          b.append(i > 0 ? sep : "").append(Py.str(item));
        }
        return b.toString();
      }
      case "tojson": {
        boolean ensureAscii = Py.truthy(Methods.optional(args, kwargs, 0, "ensure_ascii", false));
        Object indent = Methods.optional(args, kwargs, 1, "indent", null);
        Object separators = Methods.optional(args, kwargs, 2, "separators", null);
        boolean sortKeys = Py.truthy(Methods.optional(args, kwargs, 3, "sort_keys", false));
        return PyJson.dumps(v, ensureAscii, indent, separators instanceof List<?> l ? l : null, sortKeys, line);
      }
      case "items": {
        if (v instanceof Undefined) {
          return List.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
          throw error("Can only get item pairs from a mapping.", line);
        }
        List<Object> out = new ArrayList<>();
        m.forEach((k, val) -> out.add(Tuple.of(k, val)));
        return new Generator(out);
      }
      case "list":
        return Py.iterate(v, line);
      case "replace": {
        Object count = Methods.optional(args, kwargs, 2, "count", null);
        return StrMethods.replace(Py.str(v), Py.str(Methods.arg(args, kwargs, 0, "old", line)),
            Py.str(Methods.arg(args, kwargs, 1, "new", line)), count instanceof Long c ? c : -1);
      }
      case "first": {
        List<Object> items = Py.iterate(v, line);
        return items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.get(0);
      }
      case "last": {
        List<Object> items = Py.iterate(v, line);
        return items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.get(items.size() - 1);
      }
      case "reverse": {
        if (v instanceof String s) {
          return new StringBuilder(s).reverse().toString();
        }
        List<Object> items = Py.iterate(v, line);
        java.util.Collections.reverse(items);
        return new Generator(items);
      }
      case "dictsort":
        return dictsort(v, args, kwargs, line);
      case "sort":
        return sort(v, args, kwargs, line);
      case "unique": {
        boolean caseSensitive = Py.truthy(Methods.optional(args, kwargs, 0, "case_sensitive", false));
        Object attribute = Methods.optional(args, kwargs, 1, "attribute", null);
        List<Object> out = new ArrayList<>();
        List<Object> seen = new ArrayList<>();
        for (Object item : Py.iterate(v, line)) {
          Object key = sortKey(attribute == null ? item : attribute(item, attribute, line), caseSensitive);
          if (seen.stream().noneMatch(s -> Py.eq(s, key))) {
            seen.add(key);
            out.add(item);
          }
        }
        return new Generator(out);
      }
      case "min":
      case "max": {
        boolean caseSensitive = Py.truthy(Methods.optional(args, kwargs, 0, "case_sensitive", false));
        Object attribute = Methods.optional(args, kwargs, 1, "attribute", null);
        List<Object> items = Py.iterate(v, line);
        if (items.isEmpty()) {
          return new Undefined("No aggregated item, sequence was empty.");
        }
        Object best = items.get(0);
        for (Object item : items.subList(1, items.size())) {
          Object a = sortKey(attribute == null ? item : attribute(item, attribute, line), caseSensitive);
          Object b = sortKey(attribute == null ? best : attribute(best, attribute, line), caseSensitive);
          int c = Py.compare(a, b, line);
          if (name.equals("min") ? c < 0 : c > 0) {
            best = item;
          }
        }
        return best;
      }
      case "select":
      case "reject":
      case "selectattr":
      case "rejectattr":
        return select(name, v, args, line);
      case "map":
        return map(v, args, kwargs, line);
      case "indent":
        return indent(Py.str(v), args, kwargs);
      case "int":
        return toInt(v, Methods.optional(args, kwargs, 0, "default", 0L));
      case "float":
        return toFloat(v, Methods.optional(args, kwargs, 0, "default", 0.0));
      case "abs": {
        Object n = Py.numeric(v);
        if (n instanceof Long l) {
          return Math.abs(l);
        }
        if (n instanceof Double d) {
          return Math.abs(d);
        }
        throw error("bad operand type for abs(): '" + Py.typeName(v) + "'", line);
      }
      case "round": {
        Object n = Py.numeric(v);
        long precision = (Long) Py.numeric(Methods.optional(args, kwargs, 0, "precision", 0L));
        String method = Py.str(Methods.optional(args, kwargs, 1, "method", "common"));
        double d = ((Number) n).doubleValue();
        RoundingMode mode = switch (method) {
          case "common" -> RoundingMode.HALF_UP;
          case "ceil" -> RoundingMode.CEILING;
          case "floor" -> RoundingMode.FLOOR;
          default -> throw error("method must be common, ceil or floor", line);
        };
        return new BigDecimal(Double.toString(d)).setScale((int) precision, mode).doubleValue();
      }
      case "sum": {
        Object attribute = Methods.optional(args, kwargs, 0, "attribute", null);
        Object total = Methods.optional(args, kwargs, 1, "start", 0L);
        for (Object item : Py.iterate(v, line)) {
          total = Operators.binary("+", total, attribute == null ? item : attribute(item, attribute, line), line);
        }
        return total;
      }
      case "center":
        return StrMethods.call(Py.str(v), "center", List.of(Methods.optional(args, kwargs, 0, "width", 80L)), Map.of(),
            line);
      case "wordcount": {
        Matcher m = WORD.matcher(Py.str(v));
        long n = 0;
        while (m.find()) {
          n++;
        }
        return n;
      }
      case "format":
        return Methods.printf(Py.str(v), kwargs.isEmpty() ? args : List.of(kwargs), line);
      case "attr":
        return Methods.getattr(v, Py.str(Methods.arg(args, kwargs, 0, "name", line)), line);
      default:
        throw error("No filter named '" + name + "'", line);
    }
  }

  /** jinja2's attribute getter: a dotted path, each part looked up as an item. */
  private static Object attribute(Object item, Object attribute, int line) {
    Object v = item;
    for (String part : Py.str(attribute).split("\\.")) {
      Object key = part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? (Object) Long.parseLong(part) : part;
      v = Methods.getitem(v, key, line);
    }
    return v;
  }

  private static Object sortKey(Object v, boolean caseSensitive) {
    return !caseSensitive && v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
  }

  private static Object dictsort(Object v, List<Object> args, Map<String, Object> kwargs, int line) {
    if (!(v instanceof Map<?, ?> m)) {
      throw error("You can only sort by either 'key' or 'value' of a dict", line);
    }
    boolean caseSensitive = Py.truthy(Methods.optional(args, kwargs, 0, "case_sensitive", false));
    String by = Py.str(Methods.optional(args, kwargs, 1, "by", "key"));
    boolean reverse = Py.truthy(Methods.optional(args, kwargs, 2, "reverse", false));
    int index = by.equals("value") ? 1 : 0;
    List<Object> items = new ArrayList<>();
    m.forEach((k, val) -> items.add(Tuple.of(k, val)));
    Comparator<Object> c = (a, b) -> Py.compare(sortKey(((Tuple) a).get(index), caseSensitive),
        sortKey(((Tuple) b).get(index), caseSensitive), line);
    items.sort(reverse ? c.reversed() : c);
    return items;
  }

  private static Object sort(Object v, List<Object> args, Map<String, Object> kwargs, int line) {
    boolean reverse = Py.truthy(Methods.optional(args, kwargs, 0, "reverse", false));
    boolean caseSensitive = Py.truthy(Methods.optional(args, kwargs, 1, "case_sensitive", false));
    Object attribute = Methods.optional(args, kwargs, 2, "attribute", null);
    List<Object> items = Py.iterate(v, line);
    Function<Object, Object> key = item -> sortKey(attribute == null ? item : attribute(item, attribute, line), caseSensitive);
    Comparator<Object> c = (a, b) -> Py.compare(key.apply(a), key.apply(b), line);
    items.sort(reverse ? c.reversed() : c);
    return items;
  }

  private static Object select(String name, Object v, List<Object> args, int line) {
    boolean byAttribute = name.endsWith("attr");
    boolean keep = name.startsWith("select");
    int at = 0;
    Object attribute = null;
    if (byAttribute) {
      if (args.isEmpty()) {
        throw error("Missing parameter for attribute name", line);
      }
      attribute = args.get(at++);
    }
    String test = at < args.size() ? Py.str(args.get(at++)) : null;
    List<Object> testArgs = args.subList(Math.min(at, args.size()), args.size());
    List<Object> out = new ArrayList<>();
    if (!Py.truthy(v)) {
      return new Generator(out);
    }
    for (Object item : Py.iterate(v, line)) {
      Object value = attribute == null ? item : attribute(item, attribute, line);
      boolean passes = test == null ? Py.truthy(value) : Tests.apply(test, value, testArgs, line);
      if (passes == keep) {
        out.add(item);
      }
    }
    return new Generator(out);
  }

  private static Object map(Object v, List<Object> args, Map<String, Object> kwargs, int line) {
    List<Object> out = new ArrayList<>();
    if (!Py.truthy(v)) {
      return new Generator(out);
    }
    if (kwargs.containsKey("attribute")) {
      Object attribute = kwargs.get("attribute");
      boolean hasDefault = kwargs.containsKey("default");
      for (Object item : Py.iterate(v, line)) {
        Object value = attribute(item, attribute, line);
        out.add(value instanceof Undefined && hasDefault ? kwargs.get("default") : value);
      }
      return new Generator(out);
    }
    if (args.isEmpty()) {
      throw error("map requires a filter argument", line);
    }
    String filter = Py.str(args.get(0));
    List<Object> rest = args.subList(1, args.size());
    for (Object item : Py.iterate(v, line)) {
      out.add(apply(filter, item, rest, new LinkedHashMap<>(kwargs), line));
    }
    return new Generator(out);
  }

  private static String indent(String s, List<Object> args, Map<String, Object> kwargs) {
    Object width = Methods.optional(args, kwargs, 0, "width", 4L);
    boolean first = Py.truthy(Methods.optional(args, kwargs, 1, "first", false));
    boolean blank = Py.truthy(Methods.optional(args, kwargs, 2, "blank", false));
    String indention = width instanceof String w ? w : " ".repeat((int) Math.max(0, Math.min((Long) Py.numeric(width), 1024)));
    @SuppressWarnings("unchecked")
    List<Object> lines = (List<Object>) StrMethods.call(s + "\n", "splitlines", List.of(), Map.of(), 0);
    StringBuilder rv = new StringBuilder();
    if (blank) {
      for (int i = 0; i < lines.size(); i++) {
        rv.append(i > 0 ? "\n" + indention : "").append(lines.get(i));
      }
    } else {
      rv.append(lines.isEmpty() ? "" : lines.get(0));
      for (int i = 1; i < lines.size(); i++) {
        String l = (String) lines.get(i);
        rv.append('\n').append(l.isEmpty() ? l : indention + l);
      }
    }
    return first ? indention + rv : rv.toString();
  }

  private static Object toInt(Object v, Object fallback) {
    Object n = Py.numeric(v);
    if (n instanceof Long) {
      return n;
    }
    if (n instanceof Double d) {
      return Double.isFinite(d) ? (long) d.doubleValue() : fallback;
    }
    if (v instanceof String s) {
      String t = s.strip().replace("_", "");
      try {
        return Long.parseLong(t);
      } catch (NumberFormatException e) {
        try {
          return (long) Double.parseDouble(t);
        } catch (NumberFormatException f) {
          return fallback;
        }
      }
    }
    return fallback;
  }

  private static Object toFloat(Object v, Object fallback) {
    Object n = Py.numeric(v);
    if (n instanceof Number num) {
      return num.doubleValue();
    }
    if (v instanceof String s) {
      try {
        return Double.parseDouble(s.strip());
      } catch (NumberFormatException e) {
        return fallback;
      }
    }
    return fallback;
  }

  private static String title(String s) {
    StringBuilder out = new StringBuilder();
    Matcher m = WORD_BEGINNING.matcher(s);
    int last = 0;
    List<String> parts = new ArrayList<>();
    while (m.find()) {
      parts.add(s.substring(last, m.start()));
      parts.add(m.group());
      last = m.end();
    }
    parts.add(s.substring(last));
    for (String item : parts) {
      if (!item.isEmpty()) {
        out.append(item.substring(0, 1).toUpperCase(Locale.ROOT)).append(item.substring(1).toLowerCase(Locale.ROOT));
      }
    }
    return out.toString();
  }

  private static TemplateException error(String message, int line) {
    return new TemplateException(message + " on line " + line, line);
  }
}
