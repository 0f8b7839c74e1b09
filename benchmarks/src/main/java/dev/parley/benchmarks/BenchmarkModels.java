package dev.parley.benchmarks;

import dev.parley.llama.SyntheticModel;
import java.nio.file.Files;
import java.nio.file.Path;

/** Model files for benchmarks: the tiny model from shared/models and a generated 135M-shape model. */
public final class BenchmarkModels {
  private BenchmarkModels() {}

  /** {@code $PARLEY_MODELS_DIR}, else {@code ../shared/models} from the working directory. */
  public static Path tiny() {
    String dir = System.getenv("PARLEY_MODELS_DIR");
    Path base = dir != null && !dir.isBlank() ? Path.of(dir) : Path.of("..", "shared", "models");
    Path model = base.resolve("llama-2-tiny-random.gguf").toAbsolutePath().normalize();
    if (!Files.isRegularFile(model)) {
      throw new IllegalStateException("no tiny model at " + model + "; set PARLEY_MODELS_DIR");
    }
    return model;
  }

  /**
   * The random-weight 135M-shape model (30 layers, width 576, Q8_0), written once into {@code
   * $PARLEY_CACHE_DIR/synthetic} (default {@code ~/.cache/parley/synthetic}).
   */
  public static synchronized Path synthetic135m() {
    String cache = System.getenv("PARLEY_CACHE_DIR");
    Path base = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "parley");
    Path file = base.resolve("synthetic").resolve("parley-135m-q8_0.gguf");
    if (!Files.isRegularFile(file)) {
      SyntheticModel.builder(tiny()).build().write(file);
    }
    return file;
  }

  /** Bytes of weights one decode step of the synthetic 135M-shape model reads. */
  public static long synthetic135mBytesPerToken() {
    return SyntheticModel.builder(tiny()).build().bytesReadPerToken();
  }

  /** The model a benchmark parameter names. */
  public static Path named(String name) {
    return switch (name) {
      case "synthetic-135m" -> synthetic135m();
      case "tiny" -> tiny();
      default -> throw new IllegalArgumentException("unknown model " + name);
    };
  }
}
