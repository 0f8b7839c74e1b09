/** The ChatModel contract test suite and the stream recorder it uses. */
module dev.parley.testing.contract {
  requires transitive dev.parley.core;
  requires transitive org.junit.jupiter.api;

  exports dev.parley.testing.contract;

  opens dev.parley.testing.contract to org.junit.platform.commons;
}
