package dev.parley.testing.contract;

import dev.parley.cache.ResponseCache;
import dev.parley.chat.ChatModel;
import dev.parley.resilience.CircuitBreaker;
import java.time.Duration;
import org.junit.jupiter.api.Nested;

/** The decorators in chat-core must keep the contract of the model they wrap, tool calls included. */
class DecoratedModelsContractTest {

  @Nested
  class BehindCircuitBreaker extends ChatModelContractTest {
    private final ChatModel model = CircuitBreaker.ofDefaults().decorate(FakeChatModelContractTest.fake(), Duration.ofSeconds(30));

    @Override
    protected ChatModel model() {
      return model;
    }

    @Override
    protected boolean supportsTools() {
      return true;
    }

    @Override
    protected boolean supportsResponseFormat() {
      return true;
    }
  }

  @Nested
  class BehindResponseCache extends ChatModelContractTest {
    private final ChatModel model = ResponseCache.builder().build().decorate(FakeChatModelContractTest.fake());

    @Override
    protected ChatModel model() {
      return model;
    }

    @Override
    protected boolean supportsTools() {
      return true;
    }

    @Override
    protected boolean supportsResponseFormat() {
      return true;
    }
  }
}
