package dev.parley.templates;

/**
 * A template that cannot be parsed or rendered: a syntax error, a name or attribute that is not
 * there, an operation on values of the wrong types, a limit reached, or the template's own {@code
 * raise_exception(...)} ({@link #raisedByTemplate()}), which chat templates use to refuse a
 * conversation they cannot format (for example roles that do not alternate).
 */
public class TemplateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int line;
  private final boolean raisedByTemplate;

  TemplateException(String message, int line) {
    this(message, line, false);
  }

  TemplateException(String message, int line, boolean raisedByTemplate) {
    super(message);
    this.line = line;
    this.raisedByTemplate = raisedByTemplate;
  }

  /** The template line where it happened, 1-based, or 0 when not known. */
  public int line() {
    return line;
  }

  /** Whether the template itself refused, with {@code raise_exception(message)}. */
  public boolean raisedByTemplate() {
    return raisedByTemplate;
  }
}
