package dev.parley.testing;

import dev.parley.chat.Message;
import dev.parley.chat.Tokenizer;
import dev.parley.core.internal.Checks;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tokenizer for tests: one token per whitespace-separated word, plus a fixed framing per message
 * and per prompt, like a chat template adds. Counts how often it is called, so a test can check
 * that nothing is tokenized twice. Thread-safe.
 */
public final class FakeTokenizer implements Tokenizer {
  private final int perMessageOverhead;
  private final int perPromptOverhead;
  private final AtomicLong calls = new AtomicLong();

  private FakeTokenizer(int perMessageOverhead, int perPromptOverhead) {
    this.perMessageOverhead = Checks.atLeast(perMessageOverhead, 0, "perMessageOverhead");
    this.perPromptOverhead = Checks.atLeast(perPromptOverhead, 0, "perPromptOverhead");
  }

  /** One token per word; 4 framing tokens per message and 3 per prompt, like ChatML. */
  public static FakeTokenizer create() {
    return new FakeTokenizer(4, 3);
  }

  /** One token per word and the given framing. */
  public static FakeTokenizer withOverhead(int perMessage, int perPrompt) {
    return new FakeTokenizer(perMessage, perPrompt);
  }

  /** Words in {@code text}: maximal runs of non-whitespace. */
  public static int words(String text) {
    int n = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); i++) {
      boolean ws = Character.isWhitespace(text.charAt(i));
      if (!ws && !inWord) {
        n++;
      }
      inWord = !ws;
    }
    return n;
  }

  @Override
  public int countTokens(String text) {
    Checks.notNull(text, "text");
    calls.incrementAndGet();
    return words(text);
  }

  @Override
  public int countTokens(Message message) {
    return countTokens(message.content()) + perMessageOverhead;
  }

  @Override
  public int countTokens(List<Message> messages) {
    int total = perPromptOverhead;
    for (Message m : messages) {
      total += countTokens(m);
    }
    return total;
  }

  /** How many texts were counted so far. */
  public long calls() {
    return calls.get();
  }

  public int perMessageOverhead() {
    return perMessageOverhead;
  }

  public int perPromptOverhead() {
    return perPromptOverhead;
  }
}
