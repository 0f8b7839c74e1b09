package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the test models: the folder named by {@code PARLEY_MODELS_DIR}, by default {@code
 * shared/models} beside the checkout. Under {@code CI=true} a missing model fails the test.
 */
public final class TestModels {
  static final String TINY = "llama-2-tiny-random.gguf";

  private TestModels() {}

  public static Path dir() {
    String configured = System.getenv("PARLEY_MODELS_DIR");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    // Tests run in the module folder: the checkout is one level up, shared/ beside it.
    return Path.of("..", "..", "shared", "models").toAbsolutePath().normalize();
  }

  public static Path tiny() {
    Path model = dir().resolve(TINY);
    if (!Files.isRegularFile(model)) {
      String message = "test model " + model + " is missing; set PARLEY_MODELS_DIR to the folder holding " + TINY;
      if ("true".equals(System.getenv("CI"))) {
        fail(message);
      }
      Assumptions.abort(message);
    }
    return model;
  }

  /** The tiny model with small, fast settings and {@code slots} parallel slots. */
  static LlamaChatModel loadTiny(int slots) {
    return LlamaChatModel.builder(tiny()).contextSize(512).slots(slots).threads(1).build();
  }
}
