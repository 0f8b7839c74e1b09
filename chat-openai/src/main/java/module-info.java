/**
 * OpenAI's chat-completions wire format, read and written without a web framework: {@code
 * dev.parley.openai}'s {@code ChatCompletions} and its values.
 */
module dev.parley.openai {
  requires transitive dev.parley.core;
  requires transitive com.fasterxml.jackson.databind; // StrictJson reads bodies into Jackson's ObjectNode

  exports dev.parley.openai;
}
