package dev.parley.templates;

import dev.parley.templates.Node.Expr;
import dev.parley.templates.Node.FilterCall;
import dev.parley.templates.Node.Stmt;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Runs parsed statements against a context, with jinja2's scoping: a {@code for} loop's body and a
 * macro's body get a scope of their own per iteration or call, {@code if} does not. Counts work and
 * output as it goes and stops at the template's limits.
 */
final class Interpreter {
  private enum Flow {
    NORMAL,
    BREAK,
    CONTINUE
  }

  private static final int MAX_CALL_DEPTH = 64;

  /** Names and their values, looked up through the enclosing scopes. */
  static final class Scope {
    final Map<String, Object> vars = new HashMap<>();
    final @Nullable Scope parent;

    Scope(@Nullable Scope parent) {
      this.parent = parent;
    }

    @Nullable Scope find(String name) {
      for (Scope s = this; s != null; s = s.parent) {
        if (s.vars.containsKey(name)) {
          return s;
        }
      }
      return null;
    }
  }

  private final ChatTemplate.Limits limits;
  private final long deadline;
  private long steps;
  private int depth;

  Interpreter(ChatTemplate.Limits limits) {
    this.limits = limits;
    this.deadline = System.nanoTime() + limits.timeout().toNanos();
  }

  String render(List<Stmt> body, Scope scope) {
    StringBuilder out = new StringBuilder();
    exec(body, scope, out);
    return out.toString();
  }

  // ---- statements ----

  private Flow exec(List<Stmt> body, Scope scope, StringBuilder out) {
    for (Stmt s : body) {
      Flow f = exec(s, scope, out);
      if (f != Flow.NORMAL) {
        return f;
      }
    }
    return Flow.NORMAL;
  }

  private Flow exec(Stmt s, Scope scope, StringBuilder out) {
    step(s.line());
    if (s instanceof Node.Text t) {
      append(out, t.text(), t.line());
    } else if (s instanceof Node.Output o) {
      append(out, Py.str(eval(o.value(), scope)), o.line());
    } else if (s instanceof Node.If f) {
      for (int i = 0; i < f.conditions().size(); i++) {
        if (Py.truthy(eval(f.conditions().get(i), scope))) {
          return exec(f.bodies().get(i), scope, out);
        }
      }
      return exec(f.orElse(), scope, out);
    } else if (s instanceof Node.For f) {
      forLoop(f, scope, out);
    } else if (s instanceof Node.Set set) {
      assign(set, scope);
    } else if (s instanceof Node.SetBlock b) {
      StringBuilder captured = new StringBuilder();
      exec(b.body(), scope, captured);
      Object value = captured.toString();
      for (FilterCall f : b.filters()) {
        value = filter(value, f, scope);
      }
      scope.vars.put(b.target(), value);
    } else if (s instanceof Node.Macro m) {
      scope.vars.put(m.name(), macro(m, scope));
    } else if (s instanceof Node.FilterBlock b) {
      StringBuilder captured = new StringBuilder();
      Flow flow = exec(b.body(), scope, captured);
      Object value = captured.toString();
      for (FilterCall f : b.filters()) {
        value = filter(value, f, scope);
      }
      append(out, Py.str(value), b.line());
      return flow;
    } else if (s instanceof Node.Break) {
      return Flow.BREAK;
    } else if (s instanceof Node.Continue) {
      return Flow.CONTINUE;
    }
    return Flow.NORMAL;
  }

  private void forLoop(Node.For f, Scope scope, StringBuilder out) {
    List<Object> items = Py.iterate(eval(f.iterable(), scope), f.line());
    if (f.filter() != null) {
      List<Object> kept = new ArrayList<>();
      for (Object item : items) {
        Scope probe = new Scope(scope);
        bind(f.targets(), item, probe, f.line());
        if (Py.truthy(eval(f.filter(), probe))) {
          kept.add(item);
        }
      }
      items = kept;
    }
    if (items.isEmpty()) {
      exec(f.orElse(), scope, out);
      return;
    }
    Loop loop = new Loop(items);
    for (int i = 0; i < items.size(); i++) {
      step(f.line());
      loop.index0 = i;
      Scope inner = new Scope(scope);
      inner.vars.put("loop", loop);
      bind(f.targets(), items.get(i), inner, f.line());
      if (exec(f.body(), inner, out) == Flow.BREAK) {
        break;
      }
    }
  }

  private void assign(Node.Set set, Scope scope) {
    Object value = eval(set.value(), scope);
    if (set.attribute() != null) {
      Object target = lookup(set.targets().get(0), scope, set.line());
      if (!(target instanceof Namespace ns)) {
        throw new TemplateException("cannot assign attribute on non-namespace object on line " + set.line(), set.line());
      }
      ns.attributes.put(set.attribute(), value);
      return;
    }
    bind(set.targets(), value, scope, set.line());
  }

  private static void bind(List<String> targets, Object value, Scope scope, int line) {
    if (targets.size() == 1) {
      scope.vars.put(targets.get(0), value);
      return;
    }
    List<Object> items = Py.iterate(value, line);
    if (items.size() != targets.size()) {
      throw new TemplateException((items.size() < targets.size() ? "not enough" : "too many") + " values to unpack "
          + "(expected " + targets.size() + ", got " + items.size() + ") on line " + line, line);
    }
    for (int i = 0; i < targets.size(); i++) {
      scope.vars.put(targets.get(i), items.get(i));
    }
  }

  private Callable macro(Node.Macro m, Scope closure) {
    return (args, kwargs, line) -> {
      if (++depth > MAX_CALL_DEPTH) {
        depth = 0;
        throw new TemplateException("macro calls nest deeper than " + MAX_CALL_DEPTH + " on line " + line, line);
      }
      try {
        Scope scope = new Scope(closure);
        Map<String, Object> extra = new LinkedHashMap<>(kwargs);
        List<Object> varargs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
          if (i < m.params().size()) {
            scope.vars.put(m.params().get(i), args.get(i));
          } else {
            varargs.add(args.get(i));
          }
        }
        for (int i = 0; i < m.params().size(); i++) {
          String p = m.params().get(i);
          if (extra.containsKey(p)) {
            scope.vars.put(p, extra.remove(p));
          } else if (!scope.vars.containsKey(p)) {
            Expr d = m.defaults().get(i);
            scope.vars.put(p, d == null ? new Undefined("parameter '" + p + "' of macro '" + m.name() + "'") : eval(d, scope));
          }
        }
        scope.vars.put("varargs", new Tuple(varargs));
        scope.vars.put("kwargs", extra);
        StringBuilder out = new StringBuilder();
        exec(m.body(), scope, out);
        return out.toString();
      } finally {
        depth--;
      }
    };
  }

  // ---- expressions ----

  Object eval(Expr e, Scope scope) {
    if (e instanceof Node.Literal l) {
      return l.value();
    }
    if (e instanceof Node.Name n) {
      return lookup(n.name(), scope, n.line());
    }
    if (e instanceof Node.GetAttr g) {
      return Methods.getattr(eval(g.target(), scope), g.name(), g.line());
    }
    if (e instanceof Node.GetItem g) {
      return Methods.getitem(eval(g.target(), scope), eval(g.key(), scope), g.line());
    }
    if (e instanceof Node.Slice s) {
      return slice(s, scope);
    }
    if (e instanceof Node.Call c) {
      Object target = eval(c.target(), scope);
      List<Object> args = new ArrayList<>();
      for (Expr a : c.args()) {
        args.add(eval(a, scope));
      }
      Map<String, Object> kwargs = new LinkedHashMap<>();
      for (int i = 0; i < c.kwNames().size(); i++) {
        kwargs.put(c.kwNames().get(i), eval(c.kwValues().get(i), scope));
      }
      if (target instanceof Callable f) {
        return f.call(args, kwargs, c.line());
      }
      if (target instanceof Undefined u) {
        throw u.error(c.line());
      }
      throw new TemplateException("'" + Py.typeName(target) + "' object is not callable on line " + c.line(), c.line());
    }
    if (e instanceof Node.Filter f) {
      return filter(eval(f.target(), scope), f.filter(), scope);
    }
    if (e instanceof Node.Test t) {
      Object value = eval(t.target(), scope);
      List<Object> args = new ArrayList<>();
      for (Expr a : t.args()) {
        args.add(eval(a, scope));
      }
      return Tests.apply(t.name(), value, args, t.line()) != t.negated();
    }
    if (e instanceof Node.And a) {
      Object left = eval(a.left(), scope);
      return Py.truthy(left) ? eval(a.right(), scope) : left;
    }
    if (e instanceof Node.Or o) {
      Object left = eval(o.left(), scope);
      return Py.truthy(left) ? left : eval(o.right(), scope);
    }
    if (e instanceof Node.Not n) {
      return !Py.truthy(eval(n.operand(), scope));
    }
    if (e instanceof Node.Conditional c) {
      if (Py.truthy(eval(c.condition(), scope))) {
        return eval(c.then(), scope);
      }
      return c.orElse() == null ? new Undefined("the else branch of an inline if") : eval(c.orElse(), scope);
    }
    if (e instanceof Node.Compare c) {
      Object left = eval(c.first(), scope);
      for (int i = 0; i < c.ops().size(); i++) {
        Object right = eval(c.rest().get(i), scope);
        if (!Operators.compare(c.ops().get(i), left, right, c.line())) {
          return false;
        }
        left = right;
      }
      return true;
    }
    if (e instanceof Node.Binary b) {
      return Operators.binary(b.op(), eval(b.left(), scope), eval(b.right(), scope), b.line());
    }
    if (e instanceof Node.Unary u) {
      return Operators.unary(u.op(), eval(u.operand(), scope), u.line());
    }
    if (e instanceof Node.ListExpr l) {
      List<Object> out = new ArrayList<>();
      for (Expr item : l.items()) {
        out.add(eval(item, scope));
      }
      return out;
    }
    if (e instanceof Node.TupleExpr t) {
      List<Object> out = new ArrayList<>();
      for (Expr item : t.items()) {
        out.add(eval(item, scope));
      }
      return new Tuple(out);
    }
    if (e instanceof Node.DictExpr d) {
      Map<Object, Object> out = new LinkedHashMap<>();
      for (int i = 0; i < d.keys().size(); i++) {
        out.put(eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
      }
      return out;
    }
    throw new IllegalStateException("unknown expression " + e);
  }

  Object filter(Object value, FilterCall f, Scope scope) {
    List<Object> args = new ArrayList<>();
    for (Expr a : f.args()) {
      args.add(eval(a, scope));
    }
    Map<String, Object> kwargs = new LinkedHashMap<>();
    for (int i = 0; i < f.kwNames().size(); i++) {
      kwargs.put(f.kwNames().get(i), eval(f.kwValues().get(i), scope));
    }
    return Filters.apply(f.name(), value, args, kwargs, f.line());
  }

  private Object slice(Node.Slice s, Scope scope) {
    Object target = eval(s.target(), scope);
    if (target instanceof Undefined u) {
      throw u.error(s.line());
    }
    Long start = index(s.start(), scope, s.line());
    Long stop = index(s.stop(), scope, s.line());
    Long step = index(s.step(), scope, s.line());
    return Methods.slice(target, start, stop, step, s.line());
  }

  private @Nullable Long index(@Nullable Expr e, Scope scope, int line) {
    if (e == null) {
      return null;
    }
    Object v = eval(e, scope);
    if (v == null) {
      return null;
    }
    if (v instanceof Long l) {
      return l;
    }
    if (v instanceof Boolean b) {
      return b ? 1L : 0L;
    }
    throw new TemplateException("slice indices must be integers or None, not " + Py.typeName(v) + " on line " + line, line);
  }

  private static Object lookup(String name, Scope scope, int line) {
    Scope s = scope.find(name);
    return s == null ? new Undefined("'" + name + "'") : s.vars.get(name);
  }

  private void step(int line) {
    steps++;
    if (steps > limits.maxSteps()) {
      throw new TemplateException("the template ran more than " + limits.maxSteps() + " steps (line " + line + ")", line);
    }
    if ((steps & 1023) == 0 && System.nanoTime() - deadline > 0) {
      throw new TemplateException("the template ran longer than " + limits.timeout() + " (line " + line + ")", line);
    }
  }

  private void append(StringBuilder out, String text, int line) {
    if (out.length() + (long) text.length() > limits.maxOutputChars()) {
      throw new TemplateException("the template's output passed " + limits.maxOutputChars() + " characters (line "
          + line + ")", line);
    }
    out.append(text);
  }
}
