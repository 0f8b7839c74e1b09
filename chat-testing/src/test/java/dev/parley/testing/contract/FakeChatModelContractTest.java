package dev.parley.testing.contract;

import dev.parley.chat.ChatModel;
import dev.parley.testing.FakeChatModel;
import dev.parley.testing.ScriptedReply;
import java.time.Duration;

class FakeChatModelContractTest extends ChatModelContractTest {
  static final String LONG_REPLY =
      "Once upon a time a keeper lived alone in a tall white lighthouse on a rock far out at sea "
          + "and every night he climbed the stairs to light the lamp for the passing ships";

  /**
   * A fake that tells the story, answers JSON when asked for it, and calls {@code get_weather} when a
   * call is required (a named {@code get_time} it makes by itself).
   */
  static FakeChatModel fake() {
    return FakeChatModel.builder()
        .script(
            r -> {
              if (r.options().responseFormat().isJson()) {
                return ScriptedReply.text("{\"answer\":\"a lighthouse\",\"confident\":true}");
              }
              if (r.options().toolChoice().mode() == dev.parley.chat.ToolChoice.Mode.REQUIRED) {
                return ScriptedReply.toolCalls(new dev.parley.chat.ToolCall("call_w", "get_weather", "{\"city\":\"Oslo\"}"));
              }
              return ScriptedReply.text(LONG_REPLY);
            })
        .tokenDelay(Duration.ofMillis(1))
        .build();
  }

  private final FakeChatModel model = fake();

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
