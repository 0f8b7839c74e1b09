package dev.parley.llama;

import java.nio.file.Path;

/** Small random-weight models of each architecture SyntheticModel writes, with their family's real tokenizer. */
final class ModelFamilies {
  private ModelFamilies() {}

  /** The vocabulary of {@code ../shared/vocab} each architecture's models ship with. */
  static String vocabulary(String architecture) {
    return switch (architecture) {
      case "qwen3", "qwen3moe" -> "qwen2"; // Qwen3 kept Qwen2's tokenizer
      case "llama" -> "llama-bpe"; // Llama 3's
      case "gemma3" -> "gemma-4"; // Gemma's SentencePiece vocabulary, as Gemma 4 ships it
      default -> throw new IllegalArgumentException(architecture);
    };
  }

  /**
   * Writes a 2-layer model of {@code architecture} into {@code folder}; a gemma3 one attends to
   * the last 32 tokens in its first layer and to everything in its second, so a conversation's
   * prompt outgrows its window.
   */
  static Path write(String architecture, Path folder) {
    return SyntheticModel.builder(TestModels.vocab(vocabulary(architecture))).architecture(architecture)
        .layers(2).width(128).feedForward(256).heads(4, 2).experts(4, 2).slidingWindow(32, 2).context(1024).build()
        .write(folder.resolve(architecture + ".gguf"));
  }
}
