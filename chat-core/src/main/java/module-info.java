/**
 * Parley's core: the chat model SPI, conversation memory, input sanitizing, response caching, a
 * circuit breaker, and model fakes for tests. Depends on no other Parley module and on nothing
 * native. {@code dev.parley.core.internal} is not exported.
 */
module dev.parley.core {
  requires transitive org.jspecify;
  requires com.github.benmanes.caffeine;
  requires dev.failsafe.core;
  requires org.slf4j;

  exports dev.parley.chat;
  exports dev.parley.memory;
  exports dev.parley.sanitize;
  exports dev.parley.cache;
  exports dev.parley.resilience;
  exports dev.parley.testing;
}
