package dev.parley.llama;

import dev.parley.chat.ChatModel;
import dev.parley.chat.GenerationOptions;
import dev.parley.testing.contract.ChatModelContractTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;

/**
 * A Qwen3-architecture model (per-head Q/K norms, Qwen's real tokenizer) keeps the ChatModel
 * contract on the FFM engine: a family llama.cpp b4916 cannot load. Runs on the JDK 22+ only.
 */
class FfmQwen3ContractTest extends ChatModelContractTest {
  private static LlamaChatModel model;
  private static Path folder;

  @Override
  protected synchronized ChatModel model() {
    if (model == null) {
      try {
        folder = Files.createTempDirectory("parley-qwen3-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      model = LlamaChatModel.builder(ModelFamilies.write("qwen3", folder)).contextSize(512).slots(4).threads(2).build();
    }
    return model;
  }

  @Override
  protected GenerationOptions.Builder options() {
    return TestModels.seeded();
  }

  @AfterAll
  static void close() throws IOException {
    if (model != null) {
      model.close();
    }
    if (folder != null) {
      try (var files = Files.list(folder)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.delete(f);
        }
      }
      Files.delete(folder);
    }
  }
}
