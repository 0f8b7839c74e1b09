package dev.parley.templates;

/**
 * A name or key that is not there, as jinja2's default {@code Undefined}: it prints as nothing, is
 * false, iterates as empty and is {@code defined}-tested; reading an attribute of it, calling it or
 * doing arithmetic with it is an error.
 */
final class Undefined {
  final String hint;

  Undefined(String hint) {
    this.hint = hint;
  }

  TemplateException error(int line) {
    return new TemplateException(hint + " is undefined", line);
  }

  @Override
  public String toString() {
    return "";
  }
}
