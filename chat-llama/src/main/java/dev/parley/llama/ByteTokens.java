package dev.parley.llama;

import java.util.ArrayList;
import java.util.List;

/**
 * The single-byte tokens of a vocabulary that begin a UTF-8 sequence a grammar could complete into
 * invalid UTF-8: {@code C0} and {@code C1} (overlong forms only), {@code F5} to {@code FF} (beyond
 * U+10FFFF), and {@code E0}, {@code ED}, {@code F0} and {@code F4} (valid only with a narrower second
 * byte). The JNI engine cannot check each token as the FFM engine's {@link Utf8Guard} does, so under a
 * grammar it rules these out: a character whose UTF-8 begins with one of them is then written only
 * through a token that holds it whole.
 */
final class ByteTokens {
  private ByteTokens() {}

  private static boolean risky(int b) {
    return b == 0xC0 || b == 0xC1 || b == 0xE0 || b == 0xED || b == 0xF0 || b >= 0xF4;
  }

  /**
   * The ids of those tokens in a GGUF vocabulary: SentencePiece's byte tokens ({@code <0xE0>}, token
   * type 6) for model {@code llama}, and GPT-2's byte-level single characters for {@code gpt2}, where
   * each of these bytes is written as the character of the same code point.
   */
  static int[] risky(String tokenizerModel, List<Object> tokens, List<Object> types) {
    List<Integer> out = new ArrayList<>();
    for (int id = 0; id < tokens.size(); id++) {
      String t = String.valueOf(tokens.get(id));
      if ("llama".equals(tokenizerModel)) {
        boolean byteType = id < types.size() && ((Number) types.get(id)).intValue() == 6;
        if (byteType && t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
          int b = Integer.parseInt(t.substring(3, 5), 16);
          if (risky(b)) {
            out.add(id);
          }
        }
      } else if ("gpt2".equals(tokenizerModel) && t.length() == 1 && risky(t.charAt(0))) {
        out.add(id);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
