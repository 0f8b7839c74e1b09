/**
 * Parley's models in Spring AI: {@code dev.parley.springai}'s {@code ParleySpringChatModel} and {@code
 * ParleyChatOptions}. Spring AI's jars declare no module names, so they are required by the ones
 * their jars' names give them.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.parley.springai {
  requires transitive dev.parley.core;
  requires transitive spring.ai.model;
  requires transitive spring.ai.commons;
  requires transitive reactor.core;
  requires transitive org.reactivestreams; // Flux, in stream()'s signature, is a Publisher
  requires transitive micrometer.observation;

  exports dev.parley.springai;
}
