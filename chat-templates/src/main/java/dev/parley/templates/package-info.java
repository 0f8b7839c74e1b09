/**
 * Chat templates: {@link dev.parley.templates.ChatTemplate} parses the Jinja a model publishes and
 * renders it as Hugging Face's {@code apply_chat_template} does with Python's jinja2; {@link
 * dev.parley.templates.TemplateException} says what went wrong and where.
 */
@NullMarked
package dev.parley.templates;

import org.jspecify.annotations.NullMarked;
