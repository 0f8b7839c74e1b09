/**
 * Parley's core: the chat model SPI, conversation memory, input sanitizing, response caching and a
 * circuit breaker. Depends on no other Parley module and on nothing native. {@code
 * dev.parley.core.internal} is exported only to {@code dev.parley.testing}, whose fakes check their
 * arguments and schedule their delays as core does, and to {@code dev.parley.llama}: the engines and
 * the fakes apply stop sequences with one {@code StopSequenceMatcher}.
 */
// dev.parley.testing and dev.parley.llama are built after this module, so javac cannot see them here.
@SuppressWarnings("module")
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
  exports dev.parley.core.internal to dev.parley.testing, dev.parley.llama;
}
