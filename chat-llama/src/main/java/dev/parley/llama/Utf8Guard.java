package dev.parley.llama;

/**
 * Keeps a reply's bytes valid UTF-8 (RFC 3629) across the tokens that make it up. llama.cpp's grammar
 * engine decodes bytes without rejecting overlong forms, surrogates or values above U+10FFFF, so under
 * a grammar a model could write {@code C0 A2}, which the grammar reads as {@code "} and every strict
 * decoder as two replacement characters: the JSON the grammar allowed would not be the JSON the
 * caller gets. A sampler asks {@link #accepts} before it takes a token and {@link #advance}s after.
 */
final class Utf8Guard {
  /** Continuation bytes still to come. */
  private int need;
  /** The range the next continuation byte must be in: narrower right after E0, ED, F0 and F4. */
  private int lower = 0x80;
  private int upper = 0xBF;

  /** Whether {@code bytes[0, length)} can follow what came before and stay valid, or a valid prefix. */
  boolean accepts(byte[] bytes, int length) {
    int n = need;
    int lo = lower;
    int hi = upper;
    for (int i = 0; i < length; i++) {
      int b = bytes[i] & 0xFF;
      if (n > 0) {
        if (b < lo || b > hi) {
          return false;
        }
        n--;
        lo = 0x80;
        hi = 0xBF;
        continue;
      }
      if (b < 0x80) {
        continue;
      }
      if (b >= 0xC2 && b <= 0xDF) {
        n = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        n = 2;
        lo = b == 0xE0 ? 0xA0 : 0x80;
        hi = b == 0xED ? 0x9F : 0xBF;
      } else if (b >= 0xF0 && b <= 0xF4) {
        n = 3;
        lo = b == 0xF0 ? 0x90 : 0x80;
        hi = b == 0xF4 ? 0x8F : 0xBF;
      } else {
        return false; // a lone continuation byte, C0, C1 or F5 to FF
      }
    }
    return true;
  }

  /** Takes {@code bytes[0, length)}, which {@link #accepts} allowed. */
  void advance(byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      int b = bytes[i] & 0xFF;
      if (need > 0) {
        need--;
        lower = 0x80;
        upper = 0xBF;
      } else if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        lower = b == 0xE0 ? 0xA0 : 0x80;
        upper = b == 0xED ? 0x9F : 0xBF;
      } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        lower = b == 0xF0 ? 0x90 : 0x80;
        upper = b == 0xF4 ? 0x8F : 0xBF;
      }
    }
  }

  /** Whether the bytes so far end on a whole character. */
  boolean complete() {
    return need == 0;
  }
}
