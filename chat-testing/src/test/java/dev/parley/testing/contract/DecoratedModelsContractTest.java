package dev.parley.testing.contract;

import dev.parley.cache.ResponseCache;
import dev.parley.chat.ChatModel;
import dev.parley.resilience.CircuitBreaker;
import dev.parley.testing.FakeChatModel;
import java.time.Duration;
import org.junit.jupiter.api.Nested;

/** The decorators in chat-core must keep the contract of the model they wrap. */
class DecoratedModelsContractTest {

  private static FakeChatModel fake() {
    return FakeChatModel.builder()
        .responder(r -> FakeChatModelContractTest.LONG_REPLY)
        .tokenDelay(Duration.ofMillis(1))
        .build();
  }

  @Nested
  class BehindCircuitBreaker extends ChatModelContractTest {
    private final ChatModel model = CircuitBreaker.ofDefaults().decorate(fake(), Duration.ofSeconds(30));

    @Override
    protected ChatModel model() {
      return model;
    }
  }

  @Nested
  class BehindResponseCache extends ChatModelContractTest {
    private final ChatModel model = ResponseCache.builder().build().decorate(fake());

    @Override
    protected ChatModel model() {
      return model;
    }
  }
}
