package dev.parley.templates;

/** One token of a template: text between tags, a tag's opening or closing, or a piece of an expression. */
record Token(Kind kind, String value, int line) {

  enum Kind {
    TEXT,
    VARIABLE_BEGIN,
    VARIABLE_END,
    BLOCK_BEGIN,
    BLOCK_END,
    NAME,
    STRING,
    INTEGER,
    FLOAT,
    OPERATOR,
    END
  }

  boolean is(Kind k, String v) {
    return kind == k && value.equals(v);
  }

  boolean isOperator(String v) {
    return is(Kind.OPERATOR, v);
  }

  boolean isName(String v) {
    return is(Kind.NAME, v);
  }

  @Override
  public String toString() {
    return kind == Kind.END ? "end of template" : kind.name().toLowerCase(java.util.Locale.ROOT) + " '" + value + "'";
  }
}
