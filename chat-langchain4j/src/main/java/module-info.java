/**
 * Parley's models in LangChain4j: {@code dev.parley.langchain4j}'s {@code ParleyChatModel}, {@code
 * ParleyStreamingChatModel}, {@code ParleyChatMemoryStore} and {@code ParleyChatRequestParameters}.
 * langchain4j-core's jar declares no module name, so it is required by the one its file name gives
 * it.
 */
@SuppressWarnings("requires-transitive-automatic")
module dev.parley.langchain4j {
  requires transitive dev.parley.core;
  requires transitive langchain4j.core;
  requires com.fasterxml.jackson.databind;

  exports dev.parley.langchain4j;
}
