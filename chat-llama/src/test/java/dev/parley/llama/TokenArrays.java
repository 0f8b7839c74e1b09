package dev.parley.llama;

import java.util.Arrays;

/** Made-up token sequences for the tests of prefix lookups. */
final class TokenArrays {
  private TokenArrays() {}

  /** {@code length} tokens counting up from {@code from}. */
  static int[] seq(int from, int length) {
    int[] t = new int[length];
    for (int i = 0; i < length; i++) {
      t[i] = from + i;
    }
    return t;
  }

  static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
