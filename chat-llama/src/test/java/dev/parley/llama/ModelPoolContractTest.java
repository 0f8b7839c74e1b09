package dev.parley.llama;

import dev.parley.chat.ChatModel;
import dev.parley.chat.GenerationOptions;
import dev.parley.testing.contract.ChatModelContractTest;
import org.junit.jupiter.api.AfterAll;

/** ModelPool keeps the ChatModel contract. */
class ModelPoolContractTest extends ChatModelContractTest {
  private static ModelPool pool;

  @Override
  protected synchronized ChatModel model() {
    if (pool == null) {
      pool = ModelPool.builder(LlamaChatModel.builder(TestModels.tiny()).contextSize(512).threads(1)).slots(2).build();
    }
    return pool;
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
    if (pool != null) {
      pool.close();
    }
  }
}
