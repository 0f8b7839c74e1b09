package dev.parley.templates;

import java.util.LinkedHashMap;
import java.util.Map;

/** jinja2's {@code namespace()}: the one value a template may change, attribute by attribute. */
final class Namespace {
  final Map<String, Object> attributes = new LinkedHashMap<>();

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("<Namespace {");
    boolean first = true;
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      s.append(first ? "" : ", ").append(Py.repr(e.getKey())).append(": ").append(Py.repr(e.getValue()));
      first = false;
    }
    return s.append("}>").toString();
  }
}
