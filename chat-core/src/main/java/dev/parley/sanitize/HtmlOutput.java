package dev.parley.sanitize;

import dev.parley.core.internal.Checks;
import org.owasp.encoder.Encode;

/**
 * Escaping for rendering stored text into HTML. Apply it when writing a page, never to text before
 * it is stored or sent to the model: a user who writes {@code a < b} means {@code a < b}.
 *
 * <p>Delegates to the OWASP Java Encoder, whose contextual encoders are reviewed security code.
 */
public final class HtmlOutput {
  private HtmlOutput() {}

  /** Text safe to place between HTML tags: {@code <}, {@code >}, {@code &}, quotes escaped. */
  public static String escape(String text) {
    return Encode.forHtml(Checks.notNull(text, "text"));
  }

  /** Text safe inside a quoted HTML attribute value. */
  public static String escapeAttribute(String text) {
    return Encode.forHtmlAttribute(Checks.notNull(text, "text"));
  }
}
