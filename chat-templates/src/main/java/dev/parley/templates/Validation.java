package dev.parley.templates;

import dev.parley.templates.Node.Expr;
import dev.parley.templates.Node.FilterCall;
import dev.parley.templates.Node.Stmt;
import java.util.List;

/**
 * Checks a parsed template as jinja2's compiler does: every filter and test it names must exist,
 * except inside an {@code if} or an inline {@code if}, where jinja2 leaves it to fail when reached.
 */
final class Validation {
  private Validation() {}

  static void check(List<Stmt> body) {
    check(body, false);
  }

  private static void check(List<Stmt> body, boolean soft) {
    for (Stmt s : body) {
      stmt(s, soft);
    }
  }

  private static void stmt(Stmt s, boolean soft) {
    if (s instanceof Node.Output o) {
      expr(o.value(), soft);
    } else if (s instanceof Node.If f) {
      f.conditions().forEach(x -> expr(x, true));
      f.bodies().forEach(x -> check(x, true));
      check(f.orElse(), true);
    } else if (s instanceof Node.For f) {
      expr(f.iterable(), soft);
      if (f.filter() != null) {
        expr(f.filter(), soft);
      }
      check(f.body(), soft);
      check(f.orElse(), soft);
    } else if (s instanceof Node.Set set) {
      expr(set.value(), soft);
    } else if (s instanceof Node.SetBlock b) {
      b.filters().forEach(x -> filter(x, soft));
      check(b.body(), soft);
    } else if (s instanceof Node.Macro m) {
      m.defaults().forEach(d -> {
        if (d != null) {
          expr(d, soft);
        }
      });
      check(m.body(), soft);
    } else if (s instanceof Node.FilterBlock b) {
      b.filters().forEach(x -> filter(x, soft));
      check(b.body(), soft);
    }
  }

  private static void filter(FilterCall f, boolean soft) {
    if (!soft && !Filters.NAMES.contains(f.name())) {
      throw new TemplateException("No filter named '" + f.name() + "' on line " + f.line(), f.line());
    }
    f.args().forEach(x -> expr(x, soft));
    f.kwValues().forEach(x -> expr(x, soft));
  }

  private static void expr(Expr e, boolean soft) {
    if (e instanceof Node.GetAttr g) {
      expr(g.target(), soft);
    } else if (e instanceof Node.GetItem g) {
      expr(g.target(), soft);
      expr(g.key(), soft);
    } else if (e instanceof Node.Slice s) {
      expr(s.target(), soft);
      for (Expr x : new Expr[] {s.start(), s.stop(), s.step()}) {
        if (x != null) {
          expr(x, soft);
        }
      }
    } else if (e instanceof Node.Call c) {
      expr(c.target(), soft);
      c.args().forEach(x -> expr(x, soft));
      c.kwValues().forEach(x -> expr(x, soft));
    } else if (e instanceof Node.Filter f) {
      expr(f.target(), soft);
      filter(f.filter(), soft);
    } else if (e instanceof Node.Test t) {
      if (!soft && !Tests.NAMES.contains(t.name())) {
        throw new TemplateException("No test named '" + t.name() + "' on line " + t.line(), t.line());
      }
      expr(t.target(), soft);
      t.args().forEach(x -> expr(x, soft));
    } else if (e instanceof Node.Unary u) {
      expr(u.operand(), soft);
    } else if (e instanceof Node.Binary b) {
      expr(b.left(), soft);
      expr(b.right(), soft);
    } else if (e instanceof Node.Compare c) {
      expr(c.first(), soft);
      c.rest().forEach(x -> expr(x, soft));
    } else if (e instanceof Node.And a) {
      expr(a.left(), soft);
      expr(a.right(), soft);
    } else if (e instanceof Node.Or o) {
      expr(o.left(), soft);
      expr(o.right(), soft);
    } else if (e instanceof Node.Not n) {
      expr(n.operand(), soft);
    } else if (e instanceof Node.Conditional c) {
      expr(c.condition(), true);
      expr(c.then(), true);
      if (c.orElse() != null) {
        expr(c.orElse(), true);
      }
    } else if (e instanceof Node.ListExpr l) {
      l.items().forEach(x -> expr(x, soft));
    } else if (e instanceof Node.TupleExpr t) {
      t.items().forEach(x -> expr(x, soft));
    } else if (e instanceof Node.DictExpr d) {
      d.keys().forEach(x -> expr(x, soft));
      d.values().forEach(x -> expr(x, soft));
    }
  }
}
