package dev.parley.llama;

import dev.parley.chat.ChatModel;
import dev.parley.chat.GenerationOptions;
import dev.parley.testing.contract.ChatModelContractTest;
import org.junit.jupiter.api.AfterAll;

/** The llama model keeps the ChatModel contract, on the tiny real model. */
class LlamaChatModelContractTest extends ChatModelContractTest {
  private static LlamaChatModel model;

  @Override
  protected synchronized ChatModel model() {
    if (model == null) {
      model = TestModels.loadTiny(4);
    }
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

  @Override
  protected GenerationOptions.Builder options() {
    return TestModels.seeded();
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }
}
