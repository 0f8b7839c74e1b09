package dev.parley.templates;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Attribute and item access as jinja2's sandbox does it ({@code a.b} tries the attribute, then the
 * item; {@code a['b']} the other way round), and the methods of str, dict and list that chat
 * templates call. Methods that would change a value are refused, as in jinja2's immutable sandbox.
 */
final class Methods {
  private static final Set<String> STR = Set.of("capitalize", "casefold", "center", "count", "encode", "endswith",
      "expandtabs", "find", "format", "format_map", "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit",
      "isidentifier", "islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower",
      "lstrip", "maketrans", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust",
      "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "translate",
      "upper", "zfill");
  private static final Set<String> DICT = Set.of("clear", "copy", "fromkeys", "get", "items", "keys", "pop",
      "popitem", "setdefault", "update", "values");
  private static final Set<String> LIST = Set.of("append", "clear", "copy", "count", "extend", "index", "insert",
      "pop", "remove", "reverse", "sort");
  private static final Set<String> MUTATING = Set.of("append", "clear", "extend", "insert", "pop", "popitem",
      "remove", "reverse", "setdefault", "sort", "update");

  private Methods() {}

  static Object getattr(Object value, String name, int line) {
    Object target = Py.plain(value);
    if (target instanceof Undefined u) {
      throw u.error(line);
    }
    if (target instanceof Namespace ns) {
      Object v = ns.attributes.get(name);
      return v != null || ns.attributes.containsKey(name) ? v : new Undefined("namespace attribute '" + name + "'");
    }
    if (target instanceof Loop loop) {
      return loop.attribute(name, line);
    }
    if (target instanceof String s && STR.contains(name)) {
      return bound(s, name);
    }
    if (target instanceof Map<?, ?> m) {
      if (DICT.contains(name)) {
        return bound(m, name);
      }
      return item(m, name);
    }
    if (target instanceof List<?> l && LIST.contains(name) && !(target instanceof Tuple && !name.equals("count")
        && !name.equals("index"))) {
      return bound(l, name);
    }
    return new Undefined("'" + Py.typeName(target) + " object' has no attribute '" + name + "'");
  }

  static Object getitem(Object value, Object k, int line) {
    Object target = Py.plain(value);
    Object key = Py.plain(k);
    if (target instanceof Undefined u) {
      throw u.error(line);
    }
    if (target instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (Py.eq(e.getKey(), key) && (e.getKey() instanceof String == key instanceof String)) {
          return e.getValue();
        }
      }
      return key instanceof String s ? getattr(target, s, line) : new Undefined("key " + Py.repr(key));
    }
    if ((target instanceof List<?> || target instanceof String) && (key instanceof Long || key instanceof Boolean)) {
      long i = (Long) Py.numeric(key);
      if (target instanceof String s) {
        int n = s.codePointCount(0, s.length());
        long at = i < 0 ? i + n : i;
        if (at < 0 || at >= n) {
          return new Undefined("string index out of range");
        }
        int offset = s.offsetByCodePoints(0, (int) at);
        return new String(Character.toChars(s.codePointAt(offset)));
      }
      List<?> l = (List<?>) target;
      long at = i < 0 ? i + l.size() : i;
      return at < 0 || at >= l.size() ? new Undefined("list index out of range") : l.get((int) at);
    }
    if (key instanceof String s) {
      return getattr(target, s, line);
    }
    return new Undefined("item " + Py.repr(key) + " of " + Py.typeName(target));
  }

  private static Object item(Map<?, ?> m, String name) {
    Object v = m.get(name);
    return v != null || m.containsKey(name) ? v : new Undefined("'dict object' has no attribute '" + name + "'");
  }

  static Object slice(Object value, @Nullable Long start, @Nullable Long stop, @Nullable Long step, int line) {
    Object target = Py.plain(value);
    List<Object> items;
    if (target instanceof String s) {
      items = Py.iterate(s, line);
    } else if (target instanceof List<?> l) {
      items = new ArrayList<>(l);
    } else {
      throw new TemplateException("'" + Py.typeName(target) + "' object is not subscriptable on line " + line, line);
    }
    int n = items.size();
    long st = step == null ? 1 : step;
    if (st == 0) {
      throw new TemplateException("slice step cannot be zero on line " + line, line);
    }
    long lo;
    long hi;
    if (st > 0) {
      lo = start == null ? 0 : clamp(start < 0 ? start + n : start, 0, n);
      hi = stop == null ? n : clamp(stop < 0 ? stop + n : stop, 0, n);
    } else {
      lo = start == null ? n - 1 : clamp(start < 0 ? start + n : start, -1, n - 1);
      hi = stop == null ? -1 : clamp(stop < 0 ? stop + n : stop, -1, n - 1);
    }
    List<Object> out = new ArrayList<>();
    for (long i = lo; st > 0 ? i < hi : i > hi; i += st) {
      out.add(items.get((int) i));
    }
    if (target instanceof String) {
      StringBuilder b = new StringBuilder();
      out.forEach(b::append);
      return b.toString();
    }
    return target instanceof Tuple ? new Tuple(out) : out;
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  private static Callable bound(Object self, String name) {
    return (args, kwargs, line) -> call(self, name, args, kwargs, line);
  }

  private static Object call(Object self, String name, List<Object> args, Map<String, Object> kwargs, int line) {
    if (MUTATING.contains(name) && !(self instanceof String)) {
      throw new TemplateException("access to attribute '" + name + "' of '" + Py.typeName(self)
          + "' object is unsafe on line " + line, line);
    }
    if (self instanceof String s) {
      return StrMethods.call(s, name, args, kwargs, line);
    }
    if (self instanceof Map<?, ?> m) {
      switch (name) {
        case "get": {
          Object key = arg(args, kwargs, 0, "key", line);
          Object fallback = args.size() > 1 ? args.get(1) : kwargs.getOrDefault("default", null);
          for (Map.Entry<?, ?> e : m.entrySet()) {
            if (Py.eq(e.getKey(), key)) {
              return e.getValue();
            }
          }
          return fallback;
        }
        case "items": {
          List<Object> out = new ArrayList<>();
          m.forEach((k, v) -> out.add(Tuple.of(k, v)));
          return out;
        }
        case "keys":
          return new ArrayList<Object>(m.keySet());
        case "values":
          return new ArrayList<Object>(m.values());
        case "copy":
          return new java.util.LinkedHashMap<Object, Object>(m);
        default:
          break;
      }
    }
    if (self instanceof List<?> l) {
      switch (name) {
        case "count":
          return l.stream().filter(o -> Py.eq(o, arg(args, kwargs, 0, "value", line))).count();
        case "index": {
          Object v = arg(args, kwargs, 0, "value", line);
          for (int i = 0; i < l.size(); i++) {
            if (Py.eq(l.get(i), v)) {
              return (long) i;
            }
          }
          throw new TemplateException(Py.repr(v) + " is not in list on line " + line, line);
        }
        case "copy":
          return new ArrayList<Object>(l);
        default:
          break;
      }
    }
    throw new TemplateException("method " + Py.typeName(self) + "." + name + "() is not supported on line " + line, line);
  }

  static Object arg(List<Object> args, Map<String, Object> kwargs, int index, String name, int line) {
    if (index < args.size()) {
      return args.get(index);
    }
    if (kwargs.containsKey(name)) {
      return kwargs.get(name);
    }
    throw new TemplateException("missing argument '" + name + "' on line " + line, line);
  }

  static @Nullable Object optional(List<Object> args, Map<String, Object> kwargs, int index, String name,
      @Nullable Object fallback) {
    if (index < args.size()) {
      return args.get(index);
    }
    return kwargs.containsKey(name) ? kwargs.get(name) : fallback;
  }

  /** Python's {@code format % args} for the conversions templates use: s, r, d, i, f, %. */
  static String printf(String format, List<?> args, int line) {
    StringBuilder out = new StringBuilder();
    int next = 0;
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%') {
        out.append(c);
        continue;
      }
      if (++i >= format.length()) {
        throw new TemplateException("incomplete format on line " + line, line);
      }
      int specStart = i;
      while (i < format.length() && "-+ #0123456789.".indexOf(format.charAt(i)) >= 0) {
        i++;
      }
      String spec = format.substring(specStart, i);
      char conv = format.charAt(i);
      if (conv == '%') {
        out.append('%');
        continue;
      }
      if (next >= args.size()) {
        throw new TemplateException("not enough arguments for format string on line " + line, line);
      }
      Object a = args.get(next++);
      switch (conv) {
        case 's' -> out.append(String.format(Locale.ROOT, "%" + spec + "s", Py.str(a)));
        case 'r' -> out.append(String.format(Locale.ROOT, "%" + spec + "s", Py.repr(a)));
        case 'd', 'i' -> out.append(String.format(Locale.ROOT, "%" + spec + "d", ((Number) Py.numeric(a)).longValue()));
        case 'f' -> out.append(String.format(Locale.ROOT, "%" + (spec.contains(".") ? spec : spec + ".6") + "f",
            ((Number) Py.numeric(a)).doubleValue()));
        default -> throw new TemplateException("unsupported format character '" + conv + "' on line " + line, line);
      }
    }
    if (next < args.size()) {
      throw new TemplateException("not all arguments converted during string formatting on line " + line, line);
    }
    return out.toString();
  }
}
