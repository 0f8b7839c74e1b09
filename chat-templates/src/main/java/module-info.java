/**
 * Chat templates rendered as Python's jinja2 renders them for Hugging Face's transformers. Exports
 * only {@code dev.parley.templates}'s public types: {@code ChatTemplate} and {@code TemplateException}.
 */
module dev.parley.templates {
  requires static org.jspecify;

  exports dev.parley.templates;
}
