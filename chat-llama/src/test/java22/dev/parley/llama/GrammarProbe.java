package dev.parley.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Asks llama.cpp's own grammar engine whether a grammar accepts a text: the text is fed a byte at a
 * time through the tiny model's byte tokens, each offered alone to the grammar sampler (which rules
 * it out or not) and accepted only when allowed, so the grammar never sees a token it forbids.
 * Then the text is complete when the grammar allows the end-of-generation token. JDK 22+.
 */
final class GrammarProbe implements AutoCloseable {
  private final LlamaLibrary lib;
  private final MemorySegment model;
  private final MemorySegment vocab;
  private final int[] byteToken = new int[256];
  private final int eog;
  private final Arena arena = Arena.ofConfined();
  private final MemorySegment candidate;
  private final MemorySegment array;

  GrammarProbe() {
    EngineConfig config = new EngineConfig(TestModels.tiny(), "probe", 256, 1, 1, 1, 0, null, Duration.ofSeconds(5), false,
        true, 0, 0, false, null, 0, false, null, null, Duration.ZERO, true, null, 0);
    lib = LlamaLibrary.get(config);
    try (Arena local = Arena.ofConfined()) {
      MemorySegment params = lib.modelDefaultParams((SegmentAllocator) local);
      model = lib.modelLoadFromFile(local.allocateFrom(config.modelFile().toString()), params);
    }
    if (model.equals(MemorySegment.NULL)) {
      throw new IllegalStateException("llama.cpp could not load " + config.modelFile());
    }
    vocab = lib.modelGetVocab(model);
    java.util.Arrays.fill(byteToken, -1);
    int end = -1;
    MemorySegment piece = arena.allocate(64);
    int n = lib.vocabNTokens(vocab);
    for (int t = 0; t < n; t++) {
      if (end < 0 && lib.vocabIsEog(vocab, t)) {
        end = t;
      }
      int len = lib.tokenToPiece(vocab, t, piece, 64, false);
      if (len == 1) {
        int b = piece.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0) & 0xFF;
        if (byteToken[b] < 0) {
          byteToken[b] = t;
        }
      }
    }
    eog = end;
    candidate = arena.allocate(LlamaLibrary.TOKEN_DATA);
    array = arena.allocate(LlamaLibrary.TOKEN_DATA_ARRAY);
  }

  /** Whether llama.cpp parses {@code grammar}. */
  boolean parses(String grammar) {
    MemorySegment sampler = lib.samplerInitGrammar(vocab, grammar, "root");
    if (sampler.equals(MemorySegment.NULL)) {
      return false;
    }
    lib.samplerFree(sampler);
    return true;
  }

  /**
   * Whether {@code grammar} accepts {@code text} whole.
   *
   * @throws IllegalArgumentException if the grammar does not parse
   */
  boolean accepts(String grammar, String text) {
    MemorySegment sampler = lib.samplerInitGrammar(vocab, grammar, "root");
    if (sampler.equals(MemorySegment.NULL)) {
      throw new IllegalArgumentException("llama.cpp cannot parse the grammar:\n" + grammar);
    }
    try {
      for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
        int token = byteToken[b & 0xFF];
        if (token < 0) {
          throw new IllegalStateException("the tiny model has no token for byte " + (b & 0xFF));
        }
        if (!allows(sampler, token)) {
          return false;
        }
        lib.samplerAccept(sampler, token);
      }
      return allows(sampler, eog);
    } finally {
      lib.samplerFree(sampler);
    }
  }

  private boolean allows(MemorySegment sampler, int token) {
    candidate.set(JAVA_INT, 0, token);
    candidate.set(JAVA_FLOAT, 4, 0f);
    candidate.set(JAVA_FLOAT, 8, 0f);
    array.set(ADDRESS, 0, candidate);
    array.set(JAVA_LONG, 8, 1L);
    array.set(JAVA_LONG, 16, -1L);
    array.set(JAVA_BOOLEAN, 24, false);
    lib.samplerApply(sampler, array);
    return array.get(ADDRESS, 0).reinterpret(12).get(JAVA_FLOAT, 4) != Float.NEGATIVE_INFINITY;
  }

  @Override
  public void close() {
    lib.modelFree(model);
    arena.close();
  }
}
