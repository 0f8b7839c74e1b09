package dev.parley.templates;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Python's {@code json.dumps} with the arguments Hugging Face's {@code tojson} filter passes:
 * {@code ensure_ascii}, {@code indent}, {@code separators} and {@code sort_keys}.
 */
final class PyJson {
  private final boolean ensureAscii;
  private final @Nullable String indent;
  private final String itemSeparator;
  private final String keySeparator;
  private final boolean sortKeys;
  private final int line;
  private final StringBuilder out = new StringBuilder();

  private PyJson(boolean ensureAscii, @Nullable String indent, @Nullable List<?> separators, boolean sortKeys, int line) {
    this.ensureAscii = ensureAscii;
    this.indent = indent;
    this.sortKeys = sortKeys;
    this.line = line;
    if (separators != null) {
      if (separators.size() != 2 || !(separators.get(0) instanceof String) || !(separators.get(1) instanceof String)) {
        throw new TemplateException("tojson separators must be two strings on line " + line, line);
      }
      this.itemSeparator = (String) separators.get(0);
      this.keySeparator = (String) separators.get(1);
    } else {
      this.itemSeparator = indent == null ? ", " : ",";
      this.keySeparator = ": ";
    }
  }

  static String dumps(Object value, boolean ensureAscii, @Nullable Object indent, @Nullable List<?> separators,
      boolean sortKeys, int line) {
    String ind = null;
    if (indent instanceof Long n) {
      ind = " ".repeat((int) Math.max(0, Math.min(n, 64)));
    } else if (indent instanceof String s) {
      ind = s;
    } else if (indent != null && !(indent instanceof Undefined)) {
      throw new TemplateException("tojson indent must be an integer or a string on line " + line, line);
    }
    PyJson j = new PyJson(ensureAscii, ind, separators, sortKeys, line);
    j.write(value, 0);
    return j.out.toString();
  }

  private void write(Object v, int depth) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (v instanceof Long l) {
      out.append(l);
    } else if (v instanceof Double d) {
      out.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : Py.floatRepr(d));
    } else if (v instanceof String || v instanceof Markup) {
      string(Py.str(v));
    } else if (v instanceof List<?> list) {
      if (list.isEmpty()) {
        out.append("[]");
        return;
      }
      out.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          out.append(itemSeparator);
        }
        newline(depth + 1);
        write(list.get(i), depth + 1);
      }
      newline(depth);
      out.append(']');
    } else if (v instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        out.append("{}");
        return;
      }
      List<? extends Map.Entry<?, ?>> entries = List.copyOf(map.entrySet());
      if (sortKeys) {
        entries = entries.stream().sorted((a, b) -> Py.compare(a.getKey(), b.getKey(), line)).toList();
      }
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : entries) {
        if (!first) {
          out.append(itemSeparator);
        }
        first = false;
        newline(depth + 1);
        string(key(e.getKey()));
        out.append(keySeparator);
        write(e.getValue(), depth + 1);
      }
      newline(depth);
      out.append('}');
    } else {
      throw new TemplateException("Object of type " + Py.typeName(v) + " is not JSON serializable on line " + line, line);
    }
  }

  private String key(Object k) {
    if (k instanceof String s) {
      return s;
    }
    if (k == null) {
      return "null";
    }
    if (k instanceof Boolean b) {
      return b ? "true" : "false";
    }
    if (k instanceof Long || k instanceof Double) {
      return Py.repr(k);
    }
    throw new TemplateException("keys must be str, int, float, bool or None, not " + Py.typeName(k) + " on line " + line,
        line);
  }

  private void newline(int depth) {
    if (indent != null) {
      out.append('\n').append(indent.repeat(depth));
    }
  }

  private void string(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || (ensureAscii && c > 0x7e)) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
