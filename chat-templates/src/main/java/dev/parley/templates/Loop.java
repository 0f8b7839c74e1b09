package dev.parley.templates;

import java.util.List;

/** The {@code loop} variable of a {@code for} loop. */
final class Loop {
  private final List<Object> items;
  int index0;

  Loop(List<Object> items) {
    this.items = items;
  }

  Object attribute(String name, int line) {
    int n = items.size();
    return switch (name) {
      case "index0" -> (long) index0;
      case "index" -> (long) index0 + 1;
      case "revindex" -> (long) (n - index0);
      case "revindex0" -> (long) (n - index0 - 1);
      case "first" -> index0 == 0;
      case "last" -> index0 == n - 1;
      case "length" -> (long) n;
      case "depth" -> 1L;
      case "depth0" -> 0L;
      case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
      case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : new Undefined("there is no next item");
      case "cycle" -> (Callable) (args, kwargs, l) -> {
        if (args.isEmpty()) {
          throw new TemplateException("no items for cycling given on line " + l, l);
        }
        return args.get(index0 % args.size());
      };
      default -> new Undefined("loop." + name);
    };
  }

  @Override
  public String toString() {
    return "<LoopContext " + (index0 + 1) + "/" + items.size() + ">";
  }
}
