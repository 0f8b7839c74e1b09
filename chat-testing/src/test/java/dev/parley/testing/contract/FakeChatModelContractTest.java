package dev.parley.testing.contract;

import dev.parley.chat.ChatModel;
import dev.parley.testing.FakeChatModel;
import java.time.Duration;

class FakeChatModelContractTest extends ChatModelContractTest {
  static final String LONG_REPLY =
      "Once upon a time a keeper lived alone in a tall white lighthouse on a rock far out at sea "
          + "and every night he climbed the stairs to light the lamp for the passing ships";

  private final FakeChatModel model =
      FakeChatModel.builder().responder(r -> LONG_REPLY).tokenDelay(Duration.ofMillis(1)).build();

  @Override
  protected ChatModel model() {
    return model;
  }
}
