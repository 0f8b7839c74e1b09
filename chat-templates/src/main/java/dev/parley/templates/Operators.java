package dev.parley.templates;

import java.util.ArrayList;
import java.util.List;

/** Python's arithmetic, concatenation and comparison operators on template values. */
final class Operators {
  private static final int MAX_REPEAT = 1 << 20;

  private Operators() {}

  static boolean compare(String op, Object x, Object y, int line) {
    Object a = x instanceof Markup ? Py.plain(x) : x;
    Object b = y instanceof Markup ? Py.plain(y) : y;
    return switch (op) {
      case "==" -> Py.eq(a, b);
      case "!=" -> !Py.eq(a, b);
      case "<" -> Py.compare(a, b, line) < 0;
      case "<=" -> Py.compare(a, b, line) <= 0;
      case ">" -> Py.compare(a, b, line) > 0;
      case ">=" -> Py.compare(a, b, line) >= 0;
      case "in" -> Py.contains(b, a, line);
      case "not in" -> !Py.contains(b, a, line);
      default -> throw new IllegalStateException(op);
    };
  }

  static Object unary(String op, Object value, int line) {
    Object v = Py.plain(value);
    if (v instanceof Undefined u) {
      throw u.error(line);
    }
    Object n = Py.numeric(v);
    if (n instanceof Long l) {
      return op.equals("-") ? Math.negateExact(l) : l;
    }
    if (n instanceof Double d) {
      return op.equals("-") ? -d : d;
    }
    throw typeError("bad operand type for unary " + op + ": '" + Py.typeName(v) + "'", line);
  }

  static Object binary(String op, Object a, Object b, int line) {
    if (op.equals("~")) {
      return Py.str(a) + Py.str(b);
    }
    if (op.equals("+") && (a instanceof Markup || b instanceof Markup) && isText(a) && isText(b)) {
      return new Markup(Markup.escaped(a).text() + Markup.escaped(b).text());
    }
    a = Py.plain(a);
    b = Py.plain(b);
    if (a instanceof Undefined u) {
      throw u.error(line);
    }
    if (b instanceof Undefined u) {
      throw u.error(line);
    }
    try {
      if (Py.isNumber(a) && Py.isNumber(b)) {
        return arithmetic(op, Py.numeric(a), Py.numeric(b), line);
      }
    } catch (ArithmeticException e) {
      throw typeError(e.getMessage(), line);
    }
    switch (op) {
      case "+":
        if (a instanceof String s && b instanceof String t) {
          return s + t;
        }
        if (a instanceof List<?> l && b instanceof List<?> m && (a instanceof Tuple == b instanceof Tuple)) {
          List<Object> out = new ArrayList<>(l);
          out.addAll(m);
          return a instanceof Tuple ? new Tuple(out) : out;
        }
        if (a instanceof String && !(b instanceof String)) {
          throw typeError("can only concatenate str (not \"" + Py.typeName(b) + "\") to str", line);
        }
        break;
      case "*":
        if (a instanceof String s && b instanceof Long n) {
          if (n > 0 && (double) n * s.length() > MAX_REPEAT) {
            throw typeError("'" + Py.typeName(a) + "' * " + n + " is longer than " + MAX_REPEAT + " characters", line);
          }
          return s.repeat((int) Math.max(0, n));
        }
        if (a instanceof Long n && b instanceof String s) {
          return binary(op, s, n, line);
        }
        if (a instanceof List<?> l && b instanceof Long n) {
          if (n > 0 && (double) n * l.size() > MAX_REPEAT) {
            throw typeError("'" + Py.typeName(a) + "' * " + n + " is longer than " + MAX_REPEAT + " items", line);
          }
          List<Object> out = new ArrayList<>();
          for (long i = 0; i < n; i++) {
            out.addAll(l);
          }
          return a instanceof Tuple ? new Tuple(out) : out;
        }
        break;
      case "%":
        if (a instanceof String s) {
          return Methods.printf(s, b instanceof Tuple t ? t : List.of(b), line);
        }
        break;
      default:
        break;
    }
    throw typeError("unsupported operand type(s) for " + op + ": '" + Py.typeName(a) + "' and '" + Py.typeName(b) + "'",
        line);
  }

  private static boolean isText(Object v) {
    return v instanceof String || v instanceof Markup;
  }

  private static Object arithmetic(String op, Object x, Object y, int line) {
    if (x instanceof Long a && y instanceof Long b) {
      switch (op) {
        case "+":
          return Math.addExact(a, b);
        case "-":
          return Math.subtractExact(a, b);
        case "*":
          return Math.multiplyExact(a, b);
        case "/":
          if (b == 0) {
            throw typeError("division by zero", line);
          }
          return (double) a / b;
        case "//":
          if (b == 0) {
            throw typeError("integer division or modulo by zero", line);
          }
          return Math.floorDiv(a, b);
        case "%":
          if (b == 0) {
            throw typeError("integer division or modulo by zero", line);
          }
          return Math.floorMod(a, b);
        case "**":
          if (b < 0) {
            return Math.pow(a, b);
          }
          long r = 1;
          for (long i = 0; i < b; i++) {
            r = Math.multiplyExact(r, a);
          }
          return r;
        default:
          throw new IllegalStateException(op);
      }
    }
    double a = ((Number) x).doubleValue();
    double b = ((Number) y).doubleValue();
    switch (op) {
      case "+":
        return a + b;
      case "-":
        return a - b;
      case "*":
        return a * b;
      case "/":
        if (b == 0) {
          throw typeError("float division by zero", line);
        }
        return a / b;
      case "//":
        if (b == 0) {
          throw typeError("float floor division by zero", line);
        }
        return Math.floor(a / b);
      case "%":
        if (b == 0) {
          throw typeError("float modulo", line);
        }
        double m = a % b;
        return (m != 0 && (m < 0) != (b < 0)) ? m + b : m;
      case "**":
        return Math.pow(a, b);
      default:
        throw new IllegalStateException(op);
    }
  }

  static TemplateException typeError(String message, int line) {
    return new TemplateException(message + " on line " + line, line);
  }
}
