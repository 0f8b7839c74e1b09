package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
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

  /**
   * Ids of the threads llama.cpp started: native threads keep the process's name ("java"), while
   * the JVM names each of its own.
   */
  static Set<String> nativeThreads() throws IOException {
    return threadsNamed("java");
  }

  /**
   * Ids of the threads the FFM engine's decode loops and their OpenMP workers run on: the workers
   * inherit the name of the loop thread that started them.
   */
  static Set<String> decodeThreads() throws IOException {
    return threadsNamed("parley-decode-");
  }

  /** Ids of this process's threads whose Linux name starts with {@code prefix} ("java": exactly). */
  private static Set<String> threadsNamed(String prefix) throws IOException {
    Set<String> ids = new HashSet<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          String comm = Files.readString(t.resolve("comm")).trim();
          if (prefix.equals("java") ? comm.equals("java") : comm.startsWith(prefix)) {
            ids.add(t.getFileName().toString());
          }
        } catch (NoSuchFileException gone) {
          // the thread ended while listing
        }
      }
    }
    return ids;
  }

  /** The tiny model with small, fast settings and {@code slots} parallel slots. */
  static LlamaChatModel loadTiny(int slots) {
    return LlamaChatModel.builder(tiny()).contextSize(512).slots(slots).threads(1).build();
  }
}
