package dev.parley.templates;

import dev.parley.templates.Node.Expr;
import dev.parley.templates.Node.FilterCall;
import dev.parley.templates.Node.Stmt;
import dev.parley.templates.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Parses tokens into statements with jinja2's grammar and operator precedence. */
final class Parser {
  private static final Set<String> COMPARE = Set.of("==", "!=", "<", "<=", ">", ">=");

  /** How deep statements and expressions may nest: deeper is refused, not a stack overflow. */
  static final int MAX_DEPTH = 200;

  private final List<Token> tokens;
  private int i;
  private int depth;

  private Parser(List<Token> tokens) {
    this.tokens = tokens;
  }

  static List<Stmt> parse(String source) {
    Parser p = new Parser(Lexer.tokenize(source));
    List<Stmt> body = p.body(Set.of());
    if (p.peek().kind() != Kind.END) {
      Token t = p.peek();
      throw new TemplateException("unexpected '" + p.peek(1).value() + "' tag on line " + t.line(), t.line());
    }
    return body;
  }

  // ---- statements ----

  /** Statements up to a block tag named in {@code ends} (left unread) or the end of the template. */
  private List<Stmt> body(Set<String> ends) {
    List<Stmt> out = new ArrayList<>();
    while (true) {
      Token t = peek();
      switch (t.kind()) {
        case END -> {
          if (!ends.isEmpty()) {
            throw new TemplateException("expected one of " + ends + " before the end of the template", t.line());
          }
          return out;
        }
        case TEXT -> {
          next();
          out.add(new Node.Text(t.value(), t.line()));
        }
        case VARIABLE_BEGIN -> {
          next();
          Expr e = tuple(true);
          expect(Kind.VARIABLE_END, "}}");
          out.add(new Node.Output(e, t.line()));
        }
        case BLOCK_BEGIN -> {
          Token name = peek(1);
          if (name.kind() == Kind.NAME && ends.contains(name.value())) {
            return out;
          }
          next();
          out.add(statement());
        }
        default -> throw error("unexpected " + t, t);
      }
    }
  }

  private Stmt statement() {
    enter();
    try {
      return statementAt(next());
    } finally {
      depth--;
    }
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      Token t = peek();
      throw error("the template nests deeper than " + MAX_DEPTH, t);
    }
  }

  private Stmt statementAt(Token t) {
    if (t.kind() != Kind.NAME) {
      throw error("expected a statement name, got " + t, t);
    }
    int line = t.line();
    switch (t.value()) {
      case "if":
        return ifStatement(line);
      case "for":
        return forStatement(line);
      case "set":
        return setStatement(line);
      case "macro":
        return macro(line);
      case "break":
        blockEnd();
        return new Node.Break(line);
      case "continue":
        blockEnd();
        return new Node.Continue(line);
      case "filter": {
        List<FilterCall> filters = filterChain(false);
        blockEnd();
        List<Stmt> body = body(Set.of("endfilter"));
        closeTag("endfilter");
        return new Node.FilterBlock(filters, body, line);
      }
      case "generation": {
        // Transformers' assistant-tracking block: renders its body unchanged.
        blockEnd();
        List<Stmt> body = body(Set.of("endgeneration"));
        closeTag("endgeneration");
        return new Node.FilterBlock(List.of(), body, line);
      }
      default:
        throw error("unsupported statement '" + t.value() + "'", t);
    }
  }

  private Stmt ifStatement(int line) {
    List<Expr> conditions = new ArrayList<>();
    List<List<Stmt>> bodies = new ArrayList<>();
    List<Stmt> orElse = List.of();
    conditions.add(tuple(true));
    blockEnd();
    while (true) {
      bodies.add(body(Set.of("elif", "else", "endif")));
      next(); // {%
      String tag = next().value();
      if (tag.equals("elif")) {
        conditions.add(tuple(true));
        blockEnd();
      } else if (tag.equals("else")) {
        blockEnd();
        orElse = body(Set.of("endif"));
        closeTag("endif");
        break;
      } else {
        blockEnd();
        break;
      }
    }
    return new Node.If(conditions, bodies, orElse, line);
  }

  private Stmt forStatement(int line) {
    List<String> targets = targets();
    Token in = next();
    if (!in.isName("in")) {
      throw error("expected 'in' in for loop, got " + in, in);
    }
    Expr iterable = tuple(false);
    Expr filter = null;
    if (peek().isName("if")) {
      next();
      filter = expression(true);
    }
    if (peek().isName("recursive")) {
      throw error("recursive loops are not supported", peek());
    }
    blockEnd();
    List<Stmt> body = body(Set.of("else", "endfor"));
    next();
    String tag = next().value();
    List<Stmt> orElse = List.of();
    blockEnd();
    if (tag.equals("else")) {
      orElse = body(Set.of("endfor"));
      closeTag("endfor");
    }
    return new Node.For(targets, iterable, filter, body, orElse, line);
  }

  private List<String> targets() {
    List<String> names = new ArrayList<>();
    boolean paren = peek().isOperator("(");
    if (paren) {
      next();
    }
    names.add(name());
    while (peek().isOperator(",")) {
      next();
      if (peek().kind() != Kind.NAME || peek().isName("in")) {
        break;
      }
      names.add(name());
    }
    if (paren) {
      expectOperator(")");
    }
    return names;
  }

  private Stmt setStatement(int line) {
    String first = name();
    if (peek().isOperator(".")) {
      next();
      String attribute = name();
      expectOperator("=");
      Expr value = tuple(true);
      blockEnd();
      return new Node.Set(List.of(first), attribute, value, line);
    }
    List<String> targets = new ArrayList<>(List.of(first));
    while (peek().isOperator(",")) {
      next();
      targets.add(name());
    }
    if (peek().isOperator("=")) {
      next();
      Expr value = tuple(true);
      blockEnd();
      return new Node.Set(targets, null, value, line);
    }
    if (targets.size() != 1) {
      throw error("a block set assigns one name", peek());
    }
    List<FilterCall> filters = peek().isOperator("|") ? filterChain(true) : List.of();
    blockEnd();
    List<Stmt> body = body(Set.of("endset"));
    closeTag("endset");
    return new Node.SetBlock(first, body, filters, line);
  }

  private Stmt macro(int line) {
    String name = name();
    expectOperator("(");
    List<String> params = new ArrayList<>();
    List<@Nullable Expr> defaults = new ArrayList<>();
    while (!peek().isOperator(")")) {
      if (!params.isEmpty()) {
        expectOperator(",");
        if (peek().isOperator(")")) {
          break;
        }
      }
      params.add(name());
      if (peek().isOperator("=")) {
        next();
        defaults.add(expression(true));
      } else {
        defaults.add(null);
      }
    }
    next();
    blockEnd();
    List<Stmt> body = body(Set.of("endmacro"));
    closeTag("endmacro");
    return new Node.Macro(name, params, defaults, body, line);
  }

  private void closeTag(String name) {
    expect(Kind.BLOCK_BEGIN, "{%");
    Token t = next();
    if (!t.isName(name)) {
      throw error("expected '" + name + "', got " + t, t);
    }
    // jinja2 allows the block's name after endmacro/endblock; nothing else may follow.
    if (peek().kind() == Kind.NAME && name.equals("endmacro")) {
      next();
    }
    blockEnd();
  }

  private void blockEnd() {
    expect(Kind.BLOCK_END, "%}");
  }

  // ---- expressions ----

  /** An expression, or a tuple of them where commas separate several ({@code a, b}). */
  private Expr tuple(boolean withConditional) {
    Expr first = expression(withConditional);
    if (!peek().isOperator(",")) {
      return first;
    }
    List<Expr> items = new ArrayList<>(List.of(first));
    while (peek().isOperator(",")) {
      next();
      if (endsTuple(peek())) {
        break;
      }
      items.add(expression(withConditional));
    }
    return new Node.TupleExpr(items);
  }

  private static boolean endsTuple(Token t) {
    return t.kind() == Kind.BLOCK_END || t.kind() == Kind.VARIABLE_END || t.isOperator(")") || t.isOperator("]")
        || t.isOperator("}") || t.isName("if") || t.isName("recursive");
  }

  private Expr expression(boolean withConditional) {
    enter();
    try {
      return expressionAt(withConditional);
    } finally {
      depth--;
    }
  }

  private Expr expressionAt(boolean withConditional) {
    if (!withConditional) {
      return or();
    }
    Expr e = or();
    while (peek().isName("if")) {
      next();
      Expr condition = or();
      Expr orElse = null;
      if (peek().isName("else")) {
        next();
        orElse = expression(true);
      }
      e = new Node.Conditional(condition, e, orElse);
    }
    return e;
  }

  private Expr or() {
    Expr e = and();
    while (peek().isName("or")) {
      next();
      e = new Node.Or(e, and());
    }
    return e;
  }

  private Expr and() {
    Expr e = not();
    while (peek().isName("and")) {
      next();
      e = new Node.And(e, not());
    }
    return e;
  }

  private Expr not() {
    if (peek().isName("not")) {
      next();
      enter();
      try {
        return new Node.Not(not());
      } finally {
        depth--;
      }
    }
    return compare();
  }

  private Expr compare() {
    int line = peek().line();
    Expr first = math1();
    List<String> ops = new ArrayList<>();
    List<Expr> rest = new ArrayList<>();
    while (true) {
      Token t = peek();
      if (t.kind() == Kind.OPERATOR && COMPARE.contains(t.value())) {
        next();
        ops.add(t.value());
      } else if (t.isName("in")) {
        next();
        ops.add("in");
      } else if (t.isName("not") && peek(1).isName("in")) {
        next();
        next();
        ops.add("not in");
      } else {
        break;
      }
      rest.add(math1());
    }
    return ops.isEmpty() ? first : new Node.Compare(first, ops, rest, line);
  }

  private Expr math1() {
    Expr e = concat();
    while (peek().isOperator("+") || peek().isOperator("-")) {
      Token op = next();
      e = new Node.Binary(op.value(), e, concat(), op.line());
    }
    return e;
  }

  private Expr concat() {
    Expr e = math2();
    while (peek().isOperator("~")) {
      Token op = next();
      e = new Node.Binary("~", e, math2(), op.line());
    }
    return e;
  }

  private Expr math2() {
    Expr e = pow();
    while (peek().isOperator("*") || peek().isOperator("/") || peek().isOperator("//") || peek().isOperator("%")) {
      Token op = next();
      e = new Node.Binary(op.value(), e, pow(), op.line());
    }
    return e;
  }

  private Expr pow() {
    Expr e = unary(true);
    while (peek().isOperator("**")) {
      Token op = next();
      e = new Node.Binary("**", e, unary(true), op.line());
    }
    return e;
  }

  private Expr unary(boolean withFilter) {
    Token t = peek();
    Expr e;
    if (t.isOperator("-") || t.isOperator("+")) {
      next();
      enter();
      try {
        e = new Node.Unary(t.value(), unary(false), t.line());
      } finally {
        depth--;
      }
    } else {
      e = primary();
    }
    e = postfix(e);
    return withFilter ? filterExpression(e) : e;
  }

  private Expr primary() {
    Token t = next();
    switch (t.kind()) {
      case NAME:
        return switch (t.value()) {
          case "true", "True" -> new Node.Literal(Boolean.TRUE);
          case "false", "False" -> new Node.Literal(Boolean.FALSE);
          case "none", "None" -> new Node.Literal(null);
          default -> new Node.Name(t.value(), t.line());
        };
      case STRING: {
        StringBuilder s = new StringBuilder(t.value());
        while (peek().kind() == Kind.STRING) {
          s.append(next().value());
        }
        return new Node.Literal(s.toString());
      }
      case INTEGER:
        try {
          return new Node.Literal(Long.parseLong(t.value()));
        } catch (NumberFormatException e) {
          throw error("integer " + t.value() + " is too large", t);
        }
      case FLOAT:
        return new Node.Literal(Double.parseDouble(t.value()));
      case OPERATOR:
        if (t.value().equals("(")) {
          if (peek().isOperator(")")) {
            next();
            return new Node.TupleExpr(List.of());
          }
          Expr e = expression(true);
          if (peek().isOperator(",")) {
            List<Expr> items = new ArrayList<>(List.of(e));
            while (peek().isOperator(",")) {
              next();
              if (peek().isOperator(")")) {
                break;
              }
              items.add(expression(true));
            }
            e = new Node.TupleExpr(items);
          }
          expectOperator(")");
          return e;
        }
        if (t.value().equals("[")) {
          List<Expr> items = new ArrayList<>();
          while (!peek().isOperator("]")) {
            if (!items.isEmpty()) {
              expectOperator(",");
              if (peek().isOperator("]")) {
                break;
              }
            }
            items.add(expression(true));
          }
          next();
          return new Node.ListExpr(items);
        }
        if (t.value().equals("{")) {
          List<Expr> keys = new ArrayList<>();
          List<Expr> values = new ArrayList<>();
          while (!peek().isOperator("}")) {
            if (!keys.isEmpty()) {
              expectOperator(",");
              if (peek().isOperator("}")) {
                break;
              }
            }
            keys.add(expression(true));
            expectOperator(":");
            values.add(expression(true));
          }
          next();
          return new Node.DictExpr(keys, values);
        }
        throw error("unexpected " + t, t);
      default:
        throw error("unexpected " + t, t);
    }
  }

  private Expr postfix(Expr e) {
    while (true) {
      Token t = peek();
      if (t.isOperator(".")) {
        next();
        Token n = next();
        if (n.kind() == Kind.NAME) {
          e = new Node.GetAttr(e, n.value(), n.line());
        } else if (n.kind() == Kind.INTEGER) {
          e = new Node.GetItem(e, new Node.Literal(Long.parseLong(n.value())), n.line());
        } else {
          throw error("expected a name after '.', got " + n, n);
        }
      } else if (t.isOperator("[")) {
        next();
        e = subscript(e, t.line());
      } else if (t.isOperator("(")) {
        e = call(e);
      } else {
        return e;
      }
    }
  }

  private Expr subscript(Expr target, int line) {
    Expr start = null;
    if (!peek().isOperator(":")) {
      start = expression(true);
      if (peek().isOperator("]")) {
        next();
        return new Node.GetItem(target, start, line);
      }
    }
    expectOperator(":");
    Expr stop = null;
    Expr step = null;
    if (!peek().isOperator("]") && !peek().isOperator(":")) {
      stop = expression(true);
    }
    if (peek().isOperator(":")) {
      next();
      if (!peek().isOperator("]")) {
        step = expression(true);
      }
    }
    expectOperator("]");
    return new Node.Slice(target, start, stop, step, line);
  }

  private Expr call(Expr target) {
    Token open = next();
    List<Expr> args = new ArrayList<>();
    List<String> kwNames = new ArrayList<>();
    List<Expr> kwValues = new ArrayList<>();
    arguments(args, kwNames, kwValues);
    return new Node.Call(target, args, kwNames, kwValues, open.line());
  }

  /** Arguments after an opening parenthesis, through the closing one. */
  private void arguments(List<Expr> args, List<String> kwNames, List<Expr> kwValues) {
    boolean first = true;
    while (!peek().isOperator(")")) {
      if (!first) {
        expectOperator(",");
        if (peek().isOperator(")")) {
          break;
        }
      }
      first = false;
      if (peek().kind() == Kind.NAME && peek(1).isOperator("=")) {
        kwNames.add(next().value());
        next();
        kwValues.add(expression(true));
      } else {
        if (!kwNames.isEmpty()) {
          throw error("a positional argument follows a keyword argument", peek());
        }
        args.add(expression(true));
      }
    }
    next();
  }

  private Expr filterExpression(Expr e) {
    while (true) {
      Token t = peek();
      if (t.isOperator("|")) {
        next();
        e = new Node.Filter(e, filterCall());
        continue;
      }
      if (t.isName("is")) {
        next();
        boolean negated = false;
        if (peek().isName("not")) {
          next();
          negated = true;
        }
        Token name = next();
        if (name.kind() != Kind.NAME) {
          throw error("expected a test name after 'is', got " + name, name);
        }
        String testName = dotted(name.value());
        List<Expr> args = new ArrayList<>();
        Token n = peek();
        if (n.isOperator("(")) {
          next();
          List<String> kwNames = new ArrayList<>();
          arguments(args, kwNames, new ArrayList<>());
          if (!kwNames.isEmpty()) {
            throw error("tests take no keyword arguments", n);
          }
        } else if ((n.kind() == Kind.NAME || n.kind() == Kind.STRING || n.kind() == Kind.INTEGER
            || n.kind() == Kind.FLOAT || n.isOperator("[") || n.isOperator("{"))
            && !(n.isName("else") || n.isName("or") || n.isName("and") || n.isName("if") || n.isName("in")
                || n.isName("not") || n.isName("is"))) {
          args.add(postfix(primary()));
        }
        e = new Node.Test(e, testName, args, negated, name.line());
        continue;
      }
      if (t.isOperator("(")) {
        e = call(e);
        continue;
      }
      return e;
    }
  }

  private List<FilterCall> filterChain(boolean leadingPipe) {
    List<FilterCall> out = new ArrayList<>();
    if (leadingPipe) {
      expectOperator("|");
    }
    out.add(filterCall());
    while (peek().isOperator("|")) {
      next();
      out.add(filterCall());
    }
    return out;
  }

  private FilterCall filterCall() {
    Token name = next();
    if (name.kind() != Kind.NAME) {
      throw error("expected a filter name after '|', got " + name, name);
    }
    String filterName = dotted(name.value());
    List<Expr> args = new ArrayList<>();
    List<String> kwNames = new ArrayList<>();
    List<Expr> kwValues = new ArrayList<>();
    if (peek().isOperator("(")) {
      next();
      arguments(args, kwNames, kwValues);
    }
    return new FilterCall(filterName, args, kwNames, kwValues, name.line());
  }

  private String dotted(String first) {
    StringBuilder s = new StringBuilder(first);
    while (peek().isOperator(".") && peek(1).kind() == Kind.NAME) {
      next();
      s.append('.').append(next().value());
    }
    return s.toString();
  }

  // ---- tokens ----

  private String name() {
    Token t = next();
    if (t.kind() != Kind.NAME) {
      throw error("expected a name, got " + t, t);
    }
    return t.value();
  }

  private void expect(Kind kind, String what) {
    Token t = next();
    if (t.kind() != kind) {
      throw error("expected '" + what + "', got " + t, t);
    }
  }

  private void expectOperator(String op) {
    Token t = next();
    if (!t.isOperator(op)) {
      throw error("expected '" + op + "', got " + t, t);
    }
  }

  private Token peek() {
    return tokens.get(i);
  }

  private Token peek(int ahead) {
    return tokens.get(Math.min(i + ahead, tokens.size() - 1));
  }

  private Token next() {
    Token t = tokens.get(i);
    if (i < tokens.size() - 1) {
      i++;
    }
    return t;
  }

  private static TemplateException error(String message, Token at) {
    return new TemplateException(message + " on line " + at.line(), at.line());
  }
}
