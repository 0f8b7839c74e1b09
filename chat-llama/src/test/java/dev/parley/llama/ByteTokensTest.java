package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ByteTokensTest {
  @Test
  void sentencePieceByteTokensAreFoundByTypeAndName() {
    List<Object> tokens = List.of("<unk>", "<0xE0>", "<0xE1>", "<0xC0>", "à", "<0xFF>", "<0xED>");
    List<Object> types = List.of(2, 6, 6, 6, 1, 6, 1);
    assertArrayEquals(new int[] {1, 3, 5}, ByteTokens.risky("llama", tokens, types),
        "<0xE1> is safe, \"à\" is a character, and <0xED> of type 1 is not a byte token");
  }

  @Test
  void gpt2ByteLevelTokensAreTheCharactersOfTheSameCodePoint() {
    List<Object> tokens = List.of("à", "á", "í", "ð", "ô", "ÿ", "Ġà", "À");
    assertArrayEquals(new int[] {0, 2, 3, 4, 5, 7}, ByteTokens.risky("gpt2", tokens, List.of()));
  }
}
