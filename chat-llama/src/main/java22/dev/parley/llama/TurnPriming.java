package dev.parley.llama;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Turn priming in {@link FfmEngine}: after a conversation's reply, the idle sequence it ended on is
 * given the tokens the template will put before the next user message ({@link Sequence#prime}), so
 * that the next turn finds them computed and its time to first token is spent on the user's own
 * words. The engine's steps decode them: at once beside other work, in a step of their own only
 * once the sequence has been idle for the delay. The next request's prompt is matched against the
 * cells as always, so a next turn that differs (an edited history, a trimmed memory) only computes
 * more. Loop thread only.
 */
final class TurnPriming {
  /** Drops a sequence's cells from a position on; false if llama.cpp could not. */
  interface Trim {
    boolean from(Sequence s, int position);
  }

  private final @Nullable String separator;
  private final Function<String, int[]> tokenizer;
  private final int bos;
  private final int contextSize;
  private final long delayNanos;
  private final Trim trim;

  /**
   * @param separator what the template puts between a reply and the next user message, or null
   *     when it does not render turns as a growing prefix: nothing is primed
   * @param bos the token prompts start with, or -1 when they start with none
   * @param delay how long a sequence stays idle before its priming gets a step of its own
   */
  TurnPriming(@Nullable String separator, Function<String, int[]> tokenizer, int bos, int contextSize,
      Duration delay, Trim trim) {
    this.separator = separator;
    this.tokenizer = tokenizer;
    this.bos = bos;
    this.contextSize = contextSize;
    this.delayNanos = delay.toNanos();
    this.trim = trim;
  }

  /**
   * Queues the next turn's lead-in on the idle sequence {@code r}'s reply ended on. The prompt, the
   * reply and the separator are tokenized together, as the next prompt will be, and the last token
   * is left out: it may merge with the message that follows. Cells past the common prefix go.
   */
  void queue(Sequence s, Request r) {
    if (separator == null || r.prompt == null || r.reply == null || s.request != null) {
      return;
    }
    String next = r.prompt + new String(r.reply.toByteArray(), StandardCharsets.UTF_8) + separator;
    int[] text = tokenizer.apply(next);
    int offset = bos >= 0 ? 1 : 0;
    int[] tokens = new int[text.length + offset];
    if (offset == 1) {
      tokens[0] = bos;
    }
    System.arraycopy(text, 0, tokens, offset, text.length);
    int end = Math.min(tokens.length - 1, contextSize - 1);
    int keep = s.sharedPrefix(tokens);
    if (end <= keep) {
      return;
    }
    if (keep < s.cachedLength) {
      boolean ignored = trim.from(s, keep);
      s.cachedLength = keep;
    }
    s.prime = Arrays.copyOf(tokens, end);
    s.primeAfter = System.nanoTime() + delayNanos;
  }

  /** Whether {@code s}'s priming may have a step of its own at {@code now}. */
  static boolean due(Sequence s, long now) {
    return s.prime != null && now - s.primeAfter >= 0;
  }

  /** Nanoseconds until the first priming that waits out its delay is due, or -1 if none waits. */
  long untilNext(Sequence[] seqs, long now) {
    long wait = -1;
    for (Sequence s : seqs) {
      if (s.request == null && s.prime != null) {
        long left = Math.max(1, s.primeAfter - now);
        wait = wait < 0 ? left : Math.min(wait, left);
      }
    }
    return wait;
  }
}
