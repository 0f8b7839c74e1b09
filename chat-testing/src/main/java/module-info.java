/**
 * Parley's testing artifact: the fakes for users' unit tests ({@code dev.parley.testing}) and the
 * contract test every {@code ChatModel} passes ({@code dev.parley.testing.contract}). JUnit is needed
 * only by the contract test (and Jackson only by its JSON rules), so each is a static (compile-time) requirement: code that uses just the
 * fakes runs without it.
 */
module dev.parley.testing {
  requires transitive dev.parley.core;
  requires static org.junit.jupiter.api;
  requires static com.fasterxml.jackson.databind;

  exports dev.parley.testing;
  exports dev.parley.testing.contract;

  opens dev.parley.testing.contract to org.junit.platform.commons;
}
