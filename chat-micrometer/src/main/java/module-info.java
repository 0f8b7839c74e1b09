/**
 * Micrometer meters for Parley's pipeline, model pool, response cache, circuit breaker and rate
 * limiters. The model pool's meters need {@code chat-llama}, the pipeline's {@code chat-pipeline}:
 * each is required only where its meters are used.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // Micrometer and chat-llama are automatic modules
module dev.parley.micrometer {
  requires transitive dev.parley.core;
  requires transitive dev.parley.ratelimit;
  requires transitive micrometer.core;
  requires static transitive dev.parley.pipeline;
  requires static transitive dev.parley.llama;

  exports dev.parley.micrometer;
}
