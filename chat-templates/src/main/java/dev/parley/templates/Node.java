package dev.parley.templates;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** The parsed template: statements ({@link Stmt}) that hold expressions ({@link Expr}). */
sealed interface Node {

  sealed interface Stmt extends Node {
    int line();
  }

  record Text(String text, int line) implements Stmt {}

  record Output(Expr value, int line) implements Stmt {}

  /** {@code if}/{@code elif} branches in order, then the {@code else} body (maybe empty). */
  record If(List<Expr> conditions, List<List<Stmt>> bodies, List<Stmt> orElse, int line) implements Stmt {}

  record For(List<String> targets, Expr iterable, @Nullable Expr filter, List<Stmt> body, List<Stmt> orElse, int line)
      implements Stmt {}

  /** {@code set a = v}, {@code set a, b = v} or {@code set ns.attr = v}. */
  record Set(List<String> targets, @Nullable String attribute, Expr value, int line) implements Stmt {}

  /** {@code set name}…{@code endset}, optionally through filters. */
  record SetBlock(String target, List<Stmt> body, List<FilterCall> filters, int line) implements Stmt {}

  record Macro(String name, List<String> params, List<@Nullable Expr> defaults, List<Stmt> body, int line)
      implements Stmt {}

  record FilterBlock(List<FilterCall> filters, List<Stmt> body, int line) implements Stmt {}

  record Break(int line) implements Stmt {}

  record Continue(int line) implements Stmt {}

  sealed interface Expr extends Node {}

  record Literal(@Nullable Object value) implements Expr {}

  record Name(String name, int line) implements Expr {}

  record ListExpr(List<Expr> items) implements Expr {}

  record TupleExpr(List<Expr> items) implements Expr {}

  record DictExpr(List<Expr> keys, List<Expr> values) implements Expr {}

  record GetAttr(Expr target, String name, int line) implements Expr {}

  record GetItem(Expr target, Expr key, int line) implements Expr {}

  record Slice(Expr target, @Nullable Expr start, @Nullable Expr stop, @Nullable Expr step, int line) implements Expr {}

  record Call(Expr target, List<Expr> args, List<String> kwNames, List<Expr> kwValues, int line) implements Expr {}

  record FilterCall(String name, List<Expr> args, List<String> kwNames, List<Expr> kwValues, int line) {}

  record Filter(Expr target, FilterCall filter) implements Expr {}

  record Test(Expr target, String name, List<Expr> args, boolean negated, int line) implements Expr {}

  record Unary(String op, Expr operand, int line) implements Expr {}

  record Binary(String op, Expr left, Expr right, int line) implements Expr {}

  /** A chain {@code a < b <= c}: each operator between consecutive operands. */
  record Compare(Expr first, List<String> ops, List<Expr> rest, int line) implements Expr {}

  record And(Expr left, Expr right) implements Expr {}

  record Or(Expr left, Expr right) implements Expr {}

  record Not(Expr operand) implements Expr {}

  record Conditional(Expr condition, Expr then, @Nullable Expr orElse) implements Expr {}
}
