package dev.parley.benchmarks;

import dev.parley.llama.SyntheticModel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Model files for benchmarks: the tiny model from shared/models, and generated random-weight
 * models of realistic shapes (135M llama, Qwen3-0.6B-like).
 */
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
    Path file = syntheticFolder().resolve("parley-135m-q8_0.gguf");
    if (!Files.isRegularFile(file)) {
      SyntheticModel.builder(tiny()).build().write(file);
    }
    return file;
  }

  /**
   * A random-weight qwen3 model shaped like Qwen3-0.6B (28 layers, width 1024, feed-forward 3072,
   * 16 query and 8 KV heads, Q/K norms, Q8_0) with Qwen's real 151,936-token vocabulary from
   * {@code shared/vocab}: about 0.5B parameters, as its attention projections are as wide as the
   * model (Qwen3-0.6B's are twice that). Written once beside {@link #synthetic135m()}.
   */
  public static synchronized Path qwen3Like06b() {
    Path file = syntheticFolder().resolve("parley-qwen3-0.6b-like-q8_0.gguf");
    if (!Files.isRegularFile(file)) {
      Path vocab = tiny().getParent().getParent().resolve("vocab").resolve("ggml-vocab-qwen2.gguf");
      if (!Files.isRegularFile(vocab)) {
        throw new IllegalStateException("no Qwen vocabulary at " + vocab + " (shared/vocab beside the models)");
      }
      SyntheticModel.builder(vocab).architecture("qwen3").layers(28).width(1024).feedForward(3072).heads(16, 8)
          .context(4096).build().write(file);
    }
    return file;
  }

  private static Path syntheticFolder() {
    String cache = System.getenv("PARLEY_CACHE_DIR");
    Path base = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "parley");
    return base.resolve("synthetic");
  }

  /** Bytes of weights one decode step of the synthetic 135M-shape model reads. */
  public static long synthetic135mBytesPerToken() {
    return SyntheticModel.builder(tiny()).build().bytesReadPerToken();
  }

  /** The model a benchmark parameter names. */
  public static Path named(String name) {
    return switch (name) {
      case "synthetic-135m" -> synthetic135m();
      case "qwen3-0.6b-like" -> qwen3Like06b();
      case "tiny" -> tiny();
      default -> throw new IllegalArgumentException("unknown model " + name);
    };
  }
}
