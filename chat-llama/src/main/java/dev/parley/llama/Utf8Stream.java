package dev.parley.llama;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Joins tokens' bytes into text with the JDK's UTF-8 decoder: a character split across tokens
 * waits for its last byte, malformed bytes become U+FFFD. One per reply; not thread-safe.
 */
final class Utf8Stream {
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPLACE)
      .onUnmappableCharacter(CodingErrorAction.REPLACE);
  /** The bytes of a character still incomplete (at most 3). */
  private ByteBuffer pending = ByteBuffer.allocate(0);

  /** The text {@code bytes} complete, after what earlier calls left pending. */
  String decode(byte[] bytes) {
    ByteBuffer in = ByteBuffer.allocate(pending.remaining() + bytes.length).put(pending).put(bytes).flip();
    // A byte decodes to at most one char (a 4-byte character is 2 chars, a malformed byte 1).
    CharBuffer out = CharBuffer.allocate(in.remaining());
    decoder.decode(in, out, false);
    pending = in.slice();
    return out.flip().toString();
  }

  /** What is left at the end of the reply, an incomplete character replaced; the stream starts over. */
  String flush() {
    CharBuffer out = CharBuffer.allocate(pending.remaining() + 1);
    decoder.decode(pending, out, true);
    decoder.flush(out);
    decoder.reset();
    pending = ByteBuffer.allocate(0);
    return out.flip().toString();
  }
}
