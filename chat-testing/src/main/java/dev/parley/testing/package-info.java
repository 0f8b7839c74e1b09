/**
 * In-memory fakes for users' unit tests: {@link dev.parley.testing.FakeChatModel} and {@link
 * dev.parley.testing.FakeTokenizer}. They need no JUnit; the contract test every {@code ChatModel}
 * should pass is beside them in {@code dev.parley.testing.contract}.
 */
@NullMarked
package dev.parley.testing;

import org.jspecify.annotations.NullMarked;
