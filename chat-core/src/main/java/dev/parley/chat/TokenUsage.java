package dev.parley.chat;

/**
 * Tokens a generation used, counted by the model's own tokenizer.
 *
 * @param promptTokens tokens of the rendered prompt, chat template included
 * @param completionTokens tokens generated
 */
public record TokenUsage(int promptTokens, int completionTokens) {
  public TokenUsage {
    if (promptTokens < 0) {
      throw new IllegalArgumentException("promptTokens must be >= 0, was " + promptTokens);
    }
    if (completionTokens < 0) {
      throw new IllegalArgumentException("completionTokens must be >= 0, was " + completionTokens);
    }
  }

  public int totalTokens() {
    return promptTokens + completionTokens;
  }
}
