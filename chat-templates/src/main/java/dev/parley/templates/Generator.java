package dev.parley.templates;

import java.util.List;

/**
 * What jinja2's {@code map}, {@code select}, {@code reject}, {@code selectattr}, {@code rejectattr},
 * {@code unique}, {@code reverse} and {@code items} filters return in Python: an iterator, not a list.
 * It is always true, has no length and is not JSON; {@code |list} makes a list of it.
 */
final class Generator {
  final List<Object> items;

  Generator(List<Object> items) {
    this.items = items;
  }

  @Override
  public String toString() {
    return "<generator object>";
  }
}
