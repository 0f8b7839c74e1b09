package dev.parley.llama;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The texts of a vocabulary's special tokens ({@code <|im_start|>}, {@code </s>}, ...), found in
 * message content and made plain text there: llama.cpp tokenizes a rendered prompt with special
 * tokens parsed, so that the chat template's markers become the control tokens the model was
 * trained on, and without this a user could type those markers and forge a role boundary.
 *
 * <p>{@link #escape} puts a zero-width space (U+200B) after the first character of each special
 * token's text found, so the text tokenizes as ordinary characters; only the prompt the model sees
 * changes, never the message kept. Immutable and thread-safe.
 */
final class SpecialTokens {
  /** GGUF {@code tokenizer.ggml.token_type}: llama.cpp's unknown, control and user-defined tokens. */
  private static final int UNKNOWN = 2;
  private static final int CONTROL = 3;
  private static final int USER_DEFINED = 4;
  private static final char BREAK = '\u200B';
  static final SpecialTokens NONE = new SpecialTokens(List.of());

  /** Texts by their first character, longest first. */
  private final Map<Character, List<String>> byFirst = new HashMap<>();
  private final int count;

  private SpecialTokens(List<String> texts) {
    for (String t : texts) {
      byFirst.computeIfAbsent(t.charAt(0), c -> new ArrayList<>()).add(t);
    }
    byFirst.values().forEach(l -> l.sort(Comparator.comparingInt(String::length).reversed()));
    this.count = texts.size();
  }

  /**
   * The special tokens among {@code tokens} (a GGUF vocabulary) by their {@code types}: control and
   * unknown tokens, and user-defined ones that look like markers (no whitespace: some vocabularies
   * define runs of spaces or newlines as user-defined tokens, which are text).
   */
  static SpecialTokens of(List<?> tokens, List<?> types) {
    List<String> texts = new ArrayList<>();
    int n = Math.min(tokens.size(), types.size());
    for (int i = 0; i < n; i++) {
      if (!(tokens.get(i) instanceof String text) || text.length() < 2 || !(types.get(i) instanceof Number type)) {
        continue;
      }
      int t = type.intValue();
      if (t == CONTROL || t == UNKNOWN || (t == USER_DEFINED && text.chars().noneMatch(Character::isWhitespace))) {
        texts.add(text);
      }
    }
    return new SpecialTokens(texts);
  }

  /** How many special token texts are known. */
  int count() {
    return count;
  }

  /** {@code content} with every special token's text broken so that it tokenizes as plain text. */
  String escape(String content) {
    if (count == 0) {
      return content;
    }
    StringBuilder out = null;
    int copied = 0;
    for (int i = 0; i < content.length(); i++) {
      List<String> candidates = byFirst.get(content.charAt(i));
      if (candidates == null) {
        continue;
      }
      for (String t : candidates) {
        if (content.startsWith(t, i)) {
          if (out == null) {
            out = new StringBuilder(content.length() + 16);
          }
          int first = Character.charCount(content.codePointAt(i));
          out.append(content, copied, i + first).append(BREAK);
          copied = i + first;
          i += t.length() - 1;
          break;
        }
      }
    }
    return out == null ? content : out.append(content, copied, content.length()).toString();
  }
}
