package dev.parley.templates;

/**
 * jinja2's {@code Markup}, what the {@code safe} and {@code escape} filters return: text that prints as
 * it is, and that escapes HTML in a plain string added to it with {@code +} (so {@code "a"|safe + '"'}
 * is {@code a&#34;}, as in Python).
 */
record Markup(String text) {
  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace("\"", "&#34;");
  }

  static Markup escaped(Object v) {
    return v instanceof Markup m ? m : new Markup(escape(Py.str(v)));
  }

  @Override
  public String toString() {
    return text;
  }
}
