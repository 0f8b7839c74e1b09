package dev.parley.templates;

import java.util.List;
import java.util.Map;

/** Something a template can call: a macro, a global function, a bound method of a value. */
@FunctionalInterface
interface Callable {
  Object call(List<Object> args, Map<String, Object> kwargs, int line);
}
