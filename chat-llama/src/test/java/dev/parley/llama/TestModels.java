package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.fail;

import dev.parley.chat.GenerationOptions;
import java.io.IOException;
import java.nio.file.Files;
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

  /**
   * A seed under which the tiny model answers the contract suite's prompt with at least 16 tokens
   * before it picks its end-of-generation token. Its weights are random, so unseeded sampling ends a
   * reply early now and then (a 4-token reply came back with 3 in one CI run in many).
   */
  static final long SEED = 42;

  private TestModels() {}

  /** Options with {@link #SEED} pinned, for the contract suite. */
  static GenerationOptions.Builder seeded() {
    return GenerationOptions.builder().seed(SEED);
  }

  public static Path dir() {
    String configured = System.getenv("PARLEY_MODELS_DIR");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    // Tests run in the module folder: the checkout is one level up, shared/ beside it.
    return Path.of("..", "..", "shared", "models").toAbsolutePath().normalize();
  }

  /**
   * A vocabulary-only GGUF of {@code family} ({@code qwen2}, {@code llama-spm}, ...): {@code
   * shared/vocab} beside the models folder. Under {@code CI=true} a missing one fails the test.
   */
  static Path vocab(String family) {
    Path file = dir().toAbsolutePath().getParent().resolve("vocab").resolve("ggml-vocab-" + family + ".gguf");
    if (!Files.isRegularFile(file)) {
      String message = "vocabulary " + file + " is missing (shared/vocab beside " + dir() + ")";
      if ("true".equals(System.getenv("CI"))) {
        fail(message);
      }
      Assumptions.abort(message);
    }
    return file;
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
        } catch (IOException gone) {
          // the thread ended while listing: its folder is gone (ENOENT) or still listed while its
          // files can no longer be read (ESRCH, "No such process")
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
