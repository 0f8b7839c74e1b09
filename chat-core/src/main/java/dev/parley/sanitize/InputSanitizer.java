package dev.parley.sanitize;

import dev.parley.core.internal.Checks;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * Cleans user text before it is accepted, or rejects it with a reason.
 *
 * <p>In order: lone surrogates are rejected; line breaks become {@code \n}; control characters
 * other than newline and tab are removed; the text is put in Unicode NFC; outside fenced code
 * blocks, runs of spaces and tabs within a line are cut to {@code maxSpaceRun} (indentation at the
 * start of a line is kept) and runs of blank lines to {@code maxBlankLines}; leading blank lines and
 * trailing whitespace are removed. The result is then rejected if empty, longer than {@code
 * maxCharacters} code points or {@code maxUtf8Bytes} bytes, or if one character repeats more than
 * {@code maxRepeatedCharacters} times in a row. Inside {@code ```} or {@code ~~~} fences only line
 * breaks, control characters and NFC are touched.
 *
 * <p>The text is otherwise kept as the user wrote it: nothing is HTML-escaped. Escaping is an
 * output concern, for whatever renders the text. Immutable and thread-safe.
 */
public final class InputSanitizer {
  private final int maxCharacters;
  private final int maxUtf8Bytes;
  private final boolean removeControlCharacters;
  private final boolean normalizeNfc;
  private final int maxRepeatedCharacters;
  private final int maxSpaceRun;
  private final int maxBlankLines;

  private InputSanitizer(Builder b) {
    this.maxCharacters = b.maxCharacters;
    this.maxUtf8Bytes = b.maxUtf8Bytes;
    this.removeControlCharacters = b.removeControlCharacters;
    this.normalizeNfc = b.normalizeNfc;
    this.maxRepeatedCharacters = b.maxRepeatedCharacters;
    this.maxSpaceRun = b.maxSpaceRun;
    this.maxBlankLines = b.maxBlankLines;
  }

  /** The defaults of {@link Builder}. */
  public static InputSanitizer defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Cleans {@code input} or says why it is refused. */
  public SanitizationResult sanitize(String input) {
    Checks.notNull(input, "input");
    int lone = indexOfLoneSurrogate(input);
    if (lone >= 0) {
      return new SanitizationResult.Rejected(
          RejectionReason.LONE_SURROGATE,
          "text contains an unpaired surrogate (U+" + String.format("%04X", (int) input.charAt(lone))
              + ") at index " + lone + ": it is not valid Unicode");
    }
    String text = removeControlCharacters ? stripControls(input) : normalizeNewlines(input);
    if (normalizeNfc && !Normalizer.isNormalized(text, Normalizer.Form.NFC)) {
      text = Normalizer.normalize(text, Normalizer.Form.NFC);
    }
    text = limitWhitespace(text);

    if (text.isEmpty()) {
      return new SanitizationResult.Rejected(RejectionReason.EMPTY, "text is empty");
    }
    int codePoints = text.codePointCount(0, text.length());
    if (codePoints > maxCharacters) {
      return new SanitizationResult.Rejected(
          RejectionReason.TOO_LONG,
          "text has " + codePoints + " characters, more than the limit of " + maxCharacters);
    }
    int bytes = utf8Length(text);
    if (bytes > maxUtf8Bytes) {
      return new SanitizationResult.Rejected(
          RejectionReason.TOO_MANY_BYTES,
          "text has " + bytes + " bytes in UTF-8, more than the limit of " + maxUtf8Bytes);
    }
    String spam = repeatedRun(text);
    if (spam != null) {
      return new SanitizationResult.Rejected(RejectionReason.REPEATED_CHARACTERS, spam);
    }
    return new SanitizationResult.Accepted(text, !text.equals(input));
  }

  private static int indexOfLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      } else if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  private static String normalizeNewlines(String s) {
    if (s.indexOf('\r') < 0) {
      return s;
    }
    return s.replace("\r\n", "\n").replace('\r', '\n');
  }

  private static String stripControls(String s) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean keep = c == '\n' || c == '\t' || !Character.isISOControl(c);
      if (keep && out == null) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(s.length()).append(s, 0, i);
      }
      if (keep) {
        out.append(c);
      } else if (c == '\r') {
        // CRLF and lone CR are line breaks, not noise.
        if (i + 1 < s.length() && s.charAt(i + 1) == '\n') {
          continue;
        }
        out.append('\n');
      }
    }
    return out == null ? s : out.toString();
  }

  /** Space runs within lines and blank-line runs, outside code fences; leading blank lines; trailing space. */
  private String limitWhitespace(String text) {
    StringBuilder out = new StringBuilder(text.length());
    String[] lines = text.split("\n", -1);
    char fenceChar = 0;
    int fenceLength = 0;
    int blankRun = 0;
    boolean started = false;
    for (String line : lines) {
      if (fenceChar != 0) {
        appendLine(out, line);
        if (closesFence(line, fenceChar, fenceLength)) {
          fenceChar = 0;
        }
        continue;
      }
      int fence = fenceOpening(line);
      if (fence > 0) {
        fenceChar = line.strip().charAt(0);
        fenceLength = fence;
        blankRun = 0;
        started = true;
        appendLine(out, line);
        continue;
      }
      if (line.isBlank()) {
        if (!started) {
          continue;
        }
        blankRun++;
        if (blankRun <= maxBlankLines) {
          appendLine(out, "");
        }
        continue;
      }
      blankRun = 0;
      started = true;
      appendLine(out, limitSpaces(line));
    }
    // Trailing whitespace of the whole text goes, unless it is inside an open fence.
    int end = out.length();
    if (fenceChar == 0) {
      while (end > 0 && Character.isWhitespace(out.charAt(end - 1))) {
        end--;
      }
    }
    out.setLength(end);
    return out.toString();
  }

  /** Appends a line; the first line written is never blank, so length 0 means "first line". */
  private static void appendLine(StringBuilder out, String line) {
    if (out.length() > 0) {
      out.append('\n');
    }
    out.append(line);
  }

  private String limitSpaces(String line) {
    int i = 0;
    while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
      i++;
    }
    StringBuilder out = null;
    int run = 0;
    for (int j = i; j < line.length(); j++) {
      char c = line.charAt(j);
      if (c == ' ' || c == '\t') {
        run++;
        if (run > maxSpaceRun) {
          if (out == null) {
            out = new StringBuilder(line.length()).append(line, 0, j);
          }
          continue;
        }
      } else {
        run = 0;
      }
      if (out != null) {
        out.append(c);
      }
    }
    return out == null ? line : out.toString();
  }

  /** The fence length when the line opens a code fence (``` or ~~~, at most 3 spaces in), else 0. */
  private static int fenceOpening(String line) {
    int i = 0;
    while (i < line.length() && i < 3 && line.charAt(i) == ' ') {
      i++;
    }
    if (i >= line.length()) {
      return 0;
    }
    char c = line.charAt(i);
    if (c != '`' && c != '~') {
      return 0;
    }
    int n = 0;
    while (i + n < line.length() && line.charAt(i + n) == c) {
      n++;
    }
    return n >= 3 ? n : 0;
  }

  private static boolean closesFence(String line, char fenceChar, int fenceLength) {
    String s = line.strip();
    if (s.length() < fenceLength) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) != fenceChar) {
        return false;
      }
    }
    return true;
  }

  private static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    assert bytes == s.getBytes(StandardCharsets.UTF_8).length;
    return bytes;
  }

  private String repeatedRun(String text) {
    int previous = -1;
    int run = 0;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == previous) {
        run++;
      } else {
        previous = cp;
        run = 1;
      }
      if (run > maxRepeatedCharacters && !Character.isWhitespace(cp)) {
        return "text repeats the character '" + new String(Character.toChars(cp)) + "' more than "
            + maxRepeatedCharacters + " times in a row";
      }
    }
    return null;
  }

  /** Builds an {@link InputSanitizer}; each setter checks its argument at once. */
  public static final class Builder {
    private int maxCharacters = 16_000;
    private int maxUtf8Bytes = 64_000;
    private boolean removeControlCharacters = true;
    private boolean normalizeNfc = true;
    private int maxRepeatedCharacters = 64;
    private int maxSpaceRun = 8;
    private int maxBlankLines = 2;

    private Builder() {}

    /** Most code points an accepted text may have; 16,000 by default. */
    public Builder maxCharacters(int maxCharacters) {
      this.maxCharacters = Checks.positive(maxCharacters, "maxCharacters");
      return this;
    }

    /** Most UTF-8 bytes an accepted text may have; 64,000 by default. */
    public Builder maxUtf8Bytes(int maxUtf8Bytes) {
      this.maxUtf8Bytes = Checks.positive(maxUtf8Bytes, "maxUtf8Bytes");
      return this;
    }

    /** Remove control characters other than newline and tab; on by default. */
    public Builder removeControlCharacters(boolean remove) {
      this.removeControlCharacters = remove;
      return this;
    }

    /** Put text in Unicode Normalization Form C; on by default. */
    public Builder normalizeNfc(boolean normalize) {
      this.normalizeNfc = normalize;
      return this;
    }

    /** Reject a non-whitespace character repeated more than this many times in a row; 64 by default. */
    public Builder maxRepeatedCharacters(int max) {
      this.maxRepeatedCharacters = Checks.atLeast(max, 2, "maxRepeatedCharacters");
      return this;
    }

    /** Cut runs of spaces and tabs within a line (outside code fences) to this many; 8 by default. */
    public Builder maxSpaceRun(int max) {
      this.maxSpaceRun = Checks.positive(max, "maxSpaceRun");
      return this;
    }

    /** Cut runs of blank lines (outside code fences) to this many; 2 by default. */
    public Builder maxBlankLines(int max) {
      this.maxBlankLines = Checks.atLeast(max, 0, "maxBlankLines");
      return this;
    }

    public InputSanitizer build() {
      return new InputSanitizer(this);
    }
  }
}
