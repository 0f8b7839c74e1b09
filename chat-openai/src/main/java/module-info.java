/**
 * OpenAI's chat-completions wire format, read and written without a web framework: {@code
 * dev.parley.openai}'s {@code ChatCompletions} and its values.
 */
module dev.parley.openai {
  requires transitive dev.parley.core;
  requires com.fasterxml.jackson.databind;

  exports dev.parley.openai;
}
