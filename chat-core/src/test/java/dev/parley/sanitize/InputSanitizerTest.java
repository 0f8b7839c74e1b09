package dev.parley.sanitize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InputSanitizerTest {
  private final InputSanitizer sanitizer = InputSanitizer.defaults();

  private String accepted(InputSanitizer s, String input) {
    SanitizationResult r = s.sanitize(input);
    return assertInstanceOf(SanitizationResult.Accepted.class, r, () -> "rejected: " + r).text();
  }

  private SanitizationResult.Rejected rejected(InputSanitizer s, String input) {
    SanitizationResult r = s.sanitize(input);
    return assertInstanceOf(SanitizationResult.Rejected.class, r, () -> "accepted: " + r);
  }

  @Test
  void keepsOrdinaryTextExactlyAsWritten() {
    String text = "Is 3 < 5 && \"x\" > 'y'? <b>not html</b>\n\tindented line";
    SanitizationResult r = sanitizer.sanitize(text);
    assertEquals(text, r.text(), "no HTML escaping or rewriting of ordinary input");
    assertFalse(((SanitizationResult.Accepted) r).modified());
  }

  @Test
  void removesControlCharactersButKeepsNewlinesAndTabs() {
    assertEquals("ab\tc\nd", accepted(sanitizer, "a\u0000b\tc\u0007\nd\u001b\u0085"));
  }

  @Test
  void turnsCarriageReturnsIntoNewlines() {
    assertEquals("one\ntwo\nthree", accepted(sanitizer, "one\r\ntwo\rthree"));
  }

  @Test
  void normalizesToNfc() {
    String decomposed = "Cafe\u0301";
    assertEquals("Caf\u00e9", accepted(sanitizer, decomposed));
  }

  @Test
  void rejectsLoneSurrogates() {
    var r = rejected(sanitizer, "bad \ud800 text");
    assertEquals(RejectionReason.LONE_SURROGATE, r.reason());
    assertTrue(r.message().contains("index 4"), r.message());
    assertEquals(RejectionReason.LONE_SURROGATE, rejected(sanitizer, "\udc00").reason());
    assertEquals("emoji \ud83d\ude00 ok", accepted(sanitizer, "emoji \ud83d\ude00 ok"));
  }

  @Test
  void rejectsTooManyCharactersCountingCodePoints() {
    InputSanitizer s = InputSanitizer.builder().maxCharacters(5).build();
    assertEquals("\ud83d\ude00\ud83d\ude00\ud83d\ude00\ud83d\ude00\ud83d\ude00",
        accepted(s, "\ud83d\ude00".repeat(5)), "5 emoji are 5 characters, though 10 chars in UTF-16");
    var r = rejected(s, "abcdef");
    assertEquals(RejectionReason.TOO_LONG, r.reason());
    assertEquals("text has 6 characters, more than the limit of 5", r.message());
  }

  @Test
  void rejectsTooManyUtf8Bytes() {
    InputSanitizer s = InputSanitizer.builder().maxUtf8Bytes(8).build();
    assertEquals("\u00e9\u00e9\u00e9\u00e9", accepted(s, "\u00e9\u00e9\u00e9\u00e9"));
    var r = rejected(s, "\u00e9\u00e9\u00e9\u00e9\u00e9");
    assertEquals(RejectionReason.TOO_MANY_BYTES, r.reason());
    assertTrue(r.message().contains("10 bytes"), r.message());
  }

  @Test
  void rejectsARepeatedCharacterRunAsSpam() {
    InputSanitizer s = InputSanitizer.builder().maxRepeatedCharacters(10).build();
    assertEquals("a".repeat(10), accepted(s, "a".repeat(10)));
    var r = rejected(s, "hello " + "!".repeat(11));
    assertEquals(RejectionReason.REPEATED_CHARACTERS, r.reason());
    assertTrue(r.message().contains("'!'"), r.message());
  }

  @Test
  void limitsSpaceRunsWithinLinesButKeepsIndentation() {
    InputSanitizer s = InputSanitizer.builder().maxSpaceRun(2).build();
    assertEquals("        indented  text", accepted(s, "        indented          text"));
  }

  @Test
  void limitsBlankLineRunsButKeepsParagraphs() {
    assertEquals("first\n\n\nsecond", accepted(sanitizer, "first\n\n\n\n\n\n\nsecond"));
    assertEquals("a\n\nb", accepted(sanitizer, "a\n\nb"));
  }

  @Test
  void leavesFencedCodeBlocksUntouched() {
    String code = "```python\ndef f():\n\n\n\n\n    return  1          # aligned\n```";
    String input = "Look:\n\n\n\n\n" + code + "\nafter          spaces";
    String expected = "Look:\n\n\n" + code + "\nafter        spaces";
    assertEquals(expected, accepted(sanitizer, input));
  }

  @Test
  void dropsLeadingBlankLinesAndTrailingWhitespace() {
    assertEquals("  hello", accepted(sanitizer, "\n\n  \n  hello  \n\n "));
  }

  @Test
  void rejectsTextThatIsEmptyAfterCleaning() {
    assertEquals(RejectionReason.EMPTY, rejected(sanitizer, "").reason());
    assertEquals(RejectionReason.EMPTY, rejected(sanitizer, " \n\t\u0000 ").reason());
  }

  @Test
  void rejectedResultRefusesToGiveText() {
    var r = sanitizer.sanitize("");
    var e = assertThrows(IllegalStateException.class, r::text);
    assertTrue(e.getMessage().contains("EMPTY"), e.getMessage());
  }

  @Test
  void controlCharacterRemovalCanBeTurnedOff() {
    InputSanitizer s = InputSanitizer.builder().removeControlCharacters(false).build();
    assertEquals("a\u0007b", accepted(s, "a\u0007b"));
  }

  @Test
  void badSettingsNameTheParameter() {
    var e = assertThrows(IllegalArgumentException.class, () -> InputSanitizer.builder().maxCharacters(0));
    assertEquals("maxCharacters must be > 0, was 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> InputSanitizer.builder().maxUtf8Bytes(-1));
    assertThrows(IllegalArgumentException.class, () -> InputSanitizer.builder().maxRepeatedCharacters(1));
    assertThrows(NullPointerException.class, () -> sanitizer.sanitize(null));
  }
}
