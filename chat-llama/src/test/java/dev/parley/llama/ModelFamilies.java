package dev.parley.llama;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small random-weight models of each architecture SyntheticModel writes, with their family's real tokenizer. */
public final class ModelFamilies {
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

  /** The chat template of {@code ../shared/templates} each architecture's models carry, as published. */
  static String template(String architecture) {
    return switch (architecture) {
      case "qwen3", "qwen3moe" -> "Qwen-Qwen3-0.6B";
      case "llama" -> "meta-llama-Llama-3.1-8B-Instruct";
      case "gemma3" -> "google-gemma-4-31B-it";
      default -> throw new IllegalArgumentException(architecture);
    };
  }

  /**
   * Writes a 2-layer model of {@code architecture} into {@code folder}, with its family's chat
   * template; a gemma3 one attends to the last 32 tokens in its first layer and to everything in
   * its second, so a conversation's prompt outgrows its window.
   */
  public static Path write(String architecture, Path folder) {
    Path template = TestModels.dir().toAbsolutePath().getParent().resolve("templates")
        .resolve(template(architecture) + ".jinja");
    try {
      return SyntheticModel.builder(TestModels.vocab(vocabulary(architecture))).architecture(architecture)
          .layers(2).width(128).feedForward(256).heads(4, 2).experts(4, 2).slidingWindow(32, 2).context(1024)
          .chatTemplate(Files.readString(template)).build().write(folder.resolve(architecture + ".gguf"));
    } catch (IOException e) {
      throw new UncheckedIOException("the chat template " + template + " is missing (shared/templates)", e);
    }
  }
}
