package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The guard against the JDK's strict UTF-8 decoder, on every split of random byte strings into tokens. */
class Utf8GuardTest {

  private static boolean strictlyValid(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Test
  void acceptsExactlyWhatAStrictDecoderAcceptsWhateverTheTokenBoundaries() {
    Random random = new Random(7);
    int[] interesting = {0x22, 0x41, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
        0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF, 0x8F, 0x90};
    for (int run = 0; run < 200_000; run++) {
      byte[] bytes = new byte[1 + random.nextInt(8)];
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = (byte) interesting[random.nextInt(interesting.length)];
      }
      Utf8Guard guard = new Utf8Guard();
      boolean ok = true;
      int at = 0;
      while (at < bytes.length) {
        int len = 1 + random.nextInt(bytes.length - at);
        byte[] token = java.util.Arrays.copyOfRange(bytes, at, at + len);
        if (!guard.accepts(token, len)) {
          ok = false;
          break;
        }
        guard.advance(token, len);
        at += len;
      }
      boolean expected = strictlyValid(bytes);
      assertEquals(expected, ok && guard.complete(), () -> java.util.HexFormat.ofDelimiter(" ").formatHex(bytes));
    }
  }
}
