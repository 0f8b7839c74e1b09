/**
 * In-memory fakes for users' unit tests: {@link dev.parley.testing.FakeChatModel} and {@link
 * dev.parley.testing.FakeTokenizer}. The contract test every {@code ChatModel} should pass is in the
 * {@code chat-testing} artifact.
 */
@NullMarked
package dev.parley.testing;

import org.jspecify.annotations.NullMarked;
