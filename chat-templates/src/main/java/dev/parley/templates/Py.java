package dev.parley.templates;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Python's semantics for the values a template sees: {@code str}, {@code Long} (int), {@code Double}
 * (float), {@code Boolean}, {@code null} (None), {@link List} (list), {@link Tuple}, {@link Map}
 * (dict, in insertion order), {@link Undefined}, {@link Namespace} and {@link Callable}.
 */
final class Py {
  private Py() {}

  /** A value with jinja2's Markup and iterators made plain: text as a String, an iterator as a list. */
  static Object plain(Object v) {
    if (v instanceof Markup m) {
      return m.text();
    }
    if (v instanceof Generator g) {
      return g.items;
    }
    return v;
  }

  static boolean truthy(Object v) {
    if (v instanceof Generator) {
      return true;
    }
    if (v instanceof Markup m) {
      return !m.text().isEmpty();
    }
    if (v == null || v instanceof Undefined) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Long l) {
      return l != 0;
    }
    if (v instanceof Double d) {
      return d != 0.0;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof Collection<?> c) {
      return !c.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    return true;
  }

  static String typeName(Object v) {
    if (v == null) {
      return "NoneType";
    }
    if (v instanceof Generator) {
      return "generator";
    }
    if (v instanceof String || v instanceof Markup) {
      return "str";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    if (v instanceof Long) {
      return "int";
    }
    if (v instanceof Double) {
      return "float";
    }
    if (v instanceof Tuple) {
      return "tuple";
    }
    if (v instanceof List) {
      return "list";
    }
    if (v instanceof Map) {
      return "dict";
    }
    if (v instanceof Undefined) {
      return "Undefined";
    }
    if (v instanceof Namespace) {
      return "Namespace";
    }
    return "function";
  }

  /** Python's {@code str(v)}; an undefined value prints as nothing. */
  static String str(Object v) {
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Markup m) {
      return m.text();
    }
    if (v instanceof Undefined) {
      return "";
    }
    return repr(v);
  }

  /** Python's {@code repr(v)}. */
  static String repr(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof String s) {
      return reprString(s);
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof Long l) {
      return l.toString();
    }
    if (v instanceof Double d) {
      return floatRepr(d);
    }
    if (v instanceof Tuple t) {
      StringBuilder s = new StringBuilder("(");
      for (int i = 0; i < t.size(); i++) {
        s.append(i > 0 ? ", " : "").append(repr(t.get(i)));
      }
      return s.append(t.size() == 1 ? ",)" : ")").toString();
    }
    if (v instanceof List<?> list) {
      StringBuilder s = new StringBuilder("[");
      for (int i = 0; i < list.size(); i++) {
        s.append(i > 0 ? ", " : "").append(repr(list.get(i)));
      }
      return s.append(']').toString();
    }
    if (v instanceof Map<?, ?> map) {
      StringBuilder s = new StringBuilder("{");
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        s.append(first ? "" : ", ").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
        first = false;
      }
      return s.append('}').toString();
    }
    if (v instanceof Undefined) {
      return "Undefined";
    }
    return v.toString();
  }

  private static String reprString(String s) {
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder b = new StringBuilder().append(quote);
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      if (c == quote || c == '\\') {
        b.append('\\').appendCodePoint(c);
      } else if (c == '\n') {
        b.append("\\n");
      } else if (c == '\r') {
        b.append("\\r");
      } else if (c == '\t') {
        b.append("\\t");
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", c));
      } else if (!printable(c)) {
        b.append(c <= 0xff ? String.format("\\x%02x", c) : c <= 0xffff ? String.format("\\u%04x", c)
            : String.format("\\U%08x", c));
      } else {
        b.appendCodePoint(c);
      }
    }
    return b.append(quote).toString();
  }

  private static boolean printable(int c) {
    if (c == ' ') {
      return true;
    }
    int type = Character.getType(c);
    return !(type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
        || type == Character.PRIVATE_USE || type == Character.UNASSIGNED || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR || type == Character.SPACE_SEPARATOR);
  }

  /** Python's {@code repr(float)}: the shortest digits that round-trip, scientific outside 1e-4 to 1e16. */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0.0" : "0.0";
    }
    BigDecimal b = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String digits = b.unscaledValue().toString();
    int exponent = digits.length() - b.scale() - 1; // of the first digit
    StringBuilder s = new StringBuilder(d < 0 ? "-" : "");
    if (exponent < -4 || exponent >= 16) {
      s.append(digits.charAt(0));
      if (digits.length() > 1) {
        s.append('.').append(digits, 1, digits.length());
      }
      s.append('e').append(exponent < 0 ? '-' : '+');
      int e = Math.abs(exponent);
      s.append(e < 10 ? "0" : "").append(e);
    } else if (exponent < 0) {
      s.append("0.").append("0".repeat(-exponent - 1)).append(digits);
    } else if (digits.length() <= exponent + 1) {
      s.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
    } else {
      s.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
    }
    return s.toString();
  }

  static boolean isNumber(Object v) {
    return v instanceof Long || v instanceof Double || v instanceof Boolean;
  }

  /** A number as Python sees it in arithmetic: booleans are 0 and 1. */
  static Object numeric(Object v) {
    return v instanceof Boolean b ? (b ? 1L : 0L) : v;
  }

  static boolean eq(Object x, Object y) {
    Object a = x instanceof Markup ? plain(x) : x;
    Object b = y instanceof Markup ? plain(y) : y;
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    if (isNumber(a) && isNumber(b)) {
      Object p = numeric(a);
      Object q = numeric(b);
      if (p instanceof Long l && q instanceof Long m) {
        return l.longValue() == m.longValue();
      }
      return ((Number) p).doubleValue() == ((Number) q).doubleValue();
    }
    if (a instanceof Undefined && b instanceof Undefined) {
      return true;
    }
    if (a instanceof Tuple != b instanceof Tuple) {
      return false;
    }
    if (a instanceof List<?> l && b instanceof List<?> m) {
      if (l.size() != m.size()) {
        return false;
      }
      for (int i = 0; i < l.size(); i++) {
        if (!eq(l.get(i), m.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> l && b instanceof Map<?, ?> m) {
      if (l.size() != m.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : l.entrySet()) {
        if (!m.containsKey(e.getKey()) || !eq(e.getValue(), m.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    return Objects.equals(a, b);
  }

  /** Python's ordering: numbers with numbers, strings with strings, sequences item by item. */
  static int compare(Object x, Object y, int line) {
    Object a = plain(x);
    Object b = plain(y);
    if (a instanceof Undefined u) {
      throw u.error(line);
    }
    if (b instanceof Undefined u) {
      throw u.error(line);
    }
    if (isNumber(a) && isNumber(b)) {
      Object p = numeric(a);
      Object q = numeric(b);
      if (p instanceof Long l && q instanceof Long m) {
        return Long.compare(l, m);
      }
      return Double.compare(((Number) p).doubleValue(), ((Number) q).doubleValue());
    }
    if (a instanceof String s && b instanceof String t) {
      return compareCodePoints(s, t);
    }
    if (a instanceof List<?> l && b instanceof List<?> m && (a instanceof Tuple == b instanceof Tuple)) {
      for (int i = 0; i < Math.min(l.size(), m.size()); i++) {
        if (!eq(l.get(i), m.get(i))) {
          return compare(l.get(i), m.get(i), line);
        }
      }
      return Integer.compare(l.size(), m.size());
    }
    throw new TemplateException("'<' not supported between instances of '" + typeName(a) + "' and '" + typeName(b)
        + "' on line " + line, line);
  }

  static int compareCodePoints(String s, String t) {
    int i = 0;
    int j = 0;
    while (i < s.length() && j < t.length()) {
      int a = s.codePointAt(i);
      int b = t.codePointAt(j);
      if (a != b) {
        return Integer.compare(a, b);
      }
      i += Character.charCount(a);
      j += Character.charCount(b);
    }
    return Integer.compare(s.length() - i, t.length() - j);
  }

  /** What a {@code for} loop visits: items of a list, characters of a string, keys of a dict. */
  static List<Object> iterate(Object value, int line) {
    Object v = plain(value);
    if (v instanceof Undefined) {
      return List.of();
    }
    if (v instanceof List<?> l) {
      return new ArrayList<>(l);
    }
    if (v instanceof Map<?, ?> m) {
      return new ArrayList<>(m.keySet());
    }
    if (v instanceof String s) {
      List<Object> out = new ArrayList<>();
      s.codePoints().forEach(c -> out.add(new String(Character.toChars(c))));
      return out;
    }
    throw new TemplateException("'" + typeName(v) + "' object is not iterable on line " + line, line);
  }

  static long length(Object value, int line) {
    Object v = value instanceof Markup ? plain(value) : value;
    if (v instanceof String s) {
      return s.codePointCount(0, s.length());
    }
    if (v instanceof Collection<?> c) {
      return c.size();
    }
    if (v instanceof Map<?, ?> m) {
      return m.size();
    }
    if (v instanceof Undefined) {
      return 0;
    }
    throw new TemplateException("object of type '" + typeName(v) + "' has no len() on line " + line, line);
  }

  static boolean contains(Object c, Object i, int line) {
    Object container = plain(c);
    Object item = i instanceof Markup ? plain(i) : i;
    if (container instanceof String s) {
      if (!(item instanceof String t)) {
        throw new TemplateException("'in <string>' requires string as left operand, not " + typeName(item)
            + " on line " + line, line);
      }
      return s.contains(t);
    }
    if (container instanceof List<?> l) {
      for (Object o : l) {
        if (eq(o, item)) {
          return true;
        }
      }
      return false;
    }
    if (container instanceof Map<?, ?> m) {
      for (Object k : m.keySet()) {
        if (eq(k, item)) {
          return true;
        }
      }
      return false;
    }
    if (container instanceof Undefined) {
      return false;
    }
    throw new TemplateException("argument of type '" + typeName(container) + "' is not iterable on line " + line, line);
  }

  /** Python's {@code str.isspace()} for one character. */
  static boolean isSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u001c' || c == '\u001d' || c == '\u001e'
        || c == '\u001f' || c == '\u0085';
  }

  static Iterator<Object> iterator(Object v, int line) {
    return iterate(v, line).iterator();
  }
}
