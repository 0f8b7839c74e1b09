package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Tokens' bytes joined into text, characters split across tokens included. */
class Utf8StreamTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aCharacterSplitAcrossTokensWaitsForItsLastByte() {
    byte[] emoji = bytes("🙂"); // 4 bytes, 2 chars
    Utf8Stream s = new Utf8Stream();
    assertEquals("a", s.decode(new byte[] {'a', emoji[0]}));
    assertEquals("", s.decode(Arrays.copyOfRange(emoji, 1, 3)));
    assertEquals("🙂b", s.decode(new byte[] {emoji[3], 'b'}));
    assertEquals("", s.flush());
  }

  @Test
  void everySplitOfMixedTextGivesTheText() {
    String text = "héllo, 世界 🙂 ok";
    byte[] all = bytes(text);
    for (int cut = 0; cut <= all.length; cut++) {
      Utf8Stream s = new Utf8Stream();
      String joined = s.decode(Arrays.copyOfRange(all, 0, cut)) + s.decode(Arrays.copyOfRange(all, cut, all.length))
          + s.flush();
      assertEquals(text, joined, "cut at " + cut);
    }
  }

  @Test
  void malformedBytesBecomeReplacementCharacters() {
    Utf8Stream s = new Utf8Stream();
    assertEquals("a\uFFFDb", s.decode(new byte[] {'a', (byte) 0xFF, 'b'}));
    // A lead byte followed by no continuation: replaced once the next byte shows it is broken.
    assertEquals("\uFFFDc", s.decode(new byte[] {(byte) 0xE4, 'c'}));
    // An incomplete character at the end of the reply is replaced by flush, and the stream starts over.
    assertEquals("", s.decode(new byte[] {(byte) 0xE4, (byte) 0xB8}));
    assertEquals("\uFFFD", s.flush());
    assertEquals("x", s.decode(new byte[] {'x'}));
  }
}
