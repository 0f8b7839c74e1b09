package dev.parley.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StopSequenceMatcherTest {

  @Test
  void holdsBackWhatMayBeginAStopAndNeverReturnsAnyOfIt() {
    StopSequenceMatcher m = new StopSequenceMatcher(List.of("\nUser:"));
    assertEquals("Hello", m.accept("Hello\nUs"));
    assertFalse(m.stopped());
    assertEquals("", m.accept("er: hi"));
    assertTrue(m.stopped());
    assertEquals("", m.accept("more"));
    assertEquals("", m.flush());
    assertEquals("Hello", m.emitted());
  }

  @Test
  void releasesHeldTextWhenTheNextPieceRulesTheStopOut() {
    StopSequenceMatcher m = new StopSequenceMatcher(List.of("END"));
    assertEquals("a", m.accept("aEN"));
    assertEquals("ENx", m.accept("x"));
    assertEquals("b", m.accept("bE"));
    assertEquals("E", m.flush(), "the end of the reply releases what was held");
    assertFalse(m.stopped());
    assertEquals("aENxbE", m.emitted());
  }

  @Test
  void theEarliestOfSeveralStopsWinsEvenAcrossPieces() {
    StopSequenceMatcher m = new StopSequenceMatcher(List.of("bcd", "cx", "zz"));
    assertEquals("a", m.accept("abc"));
    assertEquals("b", m.accept("x"), "'cx' ended it at 'c'; the held 'b' was not part of a stop");
    assertTrue(m.stopped());
    assertEquals("ab", m.emitted());
    assertEquals(1, StopSequenceMatcher.indexOf("abcx", List.of("bcd", "bc")));
    assertEquals(-1, StopSequenceMatcher.indexOf("abcx", List.of("q")));
  }

  @Test
  void aStopAtTheVeryStartStreamsNothingAndNoStopsHoldNothing() {
    StopSequenceMatcher m = new StopSequenceMatcher(List.of("###"));
    assertEquals("", m.accept("#"));
    assertEquals("", m.accept("##tail"));
    assertTrue(m.stopped());
    assertEquals("", m.emitted());
    StopSequenceMatcher none = new StopSequenceMatcher(List.of());
    assertEquals("every piece", none.accept("every piece"));
    assertEquals("", none.flush());
    assertThrows(IllegalArgumentException.class, () -> new StopSequenceMatcher(List.of("a", "")));
  }

  @Test
  void anySplitOfTheTextGivesTheSameResultAsTheWholeText() {
    Random random = new Random(7);
    String alphabet = "ab\n:";
    for (int round = 0; round < 2_000; round++) {
      StringBuilder sb = new StringBuilder();
      int length = random.nextInt(30);
      for (int i = 0; i < length; i++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String reply = sb.toString();
      List<String> stops = List.of("a\n:", "bb", "\n\n:");
      int cut = StopSequenceMatcher.indexOf(reply, stops);
      String expected = cut < 0 ? reply : reply.substring(0, cut);

      StopSequenceMatcher m = new StopSequenceMatcher(stops);
      StringBuilder streamed = new StringBuilder();
      List<String> pieces = new ArrayList<>();
      for (int i = 0; i < reply.length();) {
        int n = 1 + random.nextInt(4);
        pieces.add(reply.substring(i, Math.min(reply.length(), i + n)));
        i += n;
      }
      for (String piece : pieces) {
        streamed.append(m.accept(piece));
      }
      streamed.append(m.flush());
      assertEquals(expected, streamed.toString(), reply + " in " + pieces);
      assertEquals(cut >= 0, m.stopped(), reply);
      assertEquals(expected, m.emitted());
    }
  }
}
