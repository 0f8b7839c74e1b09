package dev.parley.llama;

import dev.parley.chat.ChatModel;
import dev.parley.chat.GenerationOptions;
import dev.parley.testing.contract.ChatModelContractTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * The ChatModel contract on a small random-weight model of one of today's families, with that
 * family's real tokenizer, one model per family for the whole class.
 */
abstract class FamilyContract extends ChatModelContractTest {
  private static final Map<String, LlamaChatModel> MODELS = new HashMap<>();
  private static final Map<String, Path> FOLDERS = new HashMap<>();

  /** The architecture SyntheticModel writes for this class. */
  abstract String architecture();

  @Override
  protected ChatModel model() {
    synchronized (MODELS) {
      return MODELS.computeIfAbsent(architecture(), a -> {
        try {
          Path folder = Files.createTempDirectory("parley-" + a + "-");
          FOLDERS.put(a, folder);
          return LlamaChatModel.builder(ModelFamilies.write(a, folder)).contextSize(512).slots(4).threads(2).build();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
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
  static void close() throws IOException {
    synchronized (MODELS) {
      MODELS.values().forEach(LlamaChatModel::close);
      MODELS.clear();
      for (Path folder : FOLDERS.values()) {
        try (var files = Files.list(folder)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            Files.delete(f);
          }
        }
        Files.delete(folder);
      }
      FOLDERS.clear();
    }
  }
}
