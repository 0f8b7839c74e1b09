package dev.parley.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.parley.chat.GenerationOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * The FFM engine's sampling: a native sampler chain per request (logit bias, penalties, top-k,
 * top-p, min-p, temperature, draw: llama.cpp's order) and, for a constrained request, a grammar
 * sampler beside it, used as llama.cpp's {@code common_sampler} (and so llama-server) uses it: the
 * chain picks from every candidate, the grammar checks that one token, and only when it refuses is
 * the grammar applied to every candidate and the chain asked again. Checking the whole vocabulary
 * against the grammar at every step made the free sequences batched beside a constrained one wait
 * for it ({@code GrammarNeighbours}). The draw is from a sequence's logits into one candidate array
 * kept for the engine's life; requests that need no chain get the engine's own greedy pick. Loop
 * thread only.
 */
final class Sampling {
  /** Generated tokens the repetition penalty looks back on (GenerationOptions#repeatPenalty). */
  static final int REPEAT_LAST_N = 64;

  private final LlamaLibrary lib;
  private final MemorySegment context;
  private final MemorySegment vocab;
  private final int vocabSize;
  private final Arena arena;
  /**
   * llama_token_data[vocabSize], refilled from the logits at each draw; made at the first draw
   * through a sampler chain (384 KB for a 32,000-token vocabulary), which a server answering
   * greedily never makes.
   */
  private @Nullable MemorySegment candidates;
  /** The llama_token_data_array over {@link #candidates}. */
  private final MemorySegment candidateArray;
  /** One llama_token_data and its array: the token a grammar is asked about. */
  private final MemorySegment single;
  private final MemorySegment singleArray;
  /** A drawn token's bytes, for the UTF-8 check of a constrained reply. */
  private final MemorySegment piece;
  private final byte[] pieceBytes = new byte[PIECE_BYTES];
  private static final int PIECE_BYTES = 256;
  /** Draws a constrained reply may take again after its token would have broken UTF-8, before it fails. */
  static final int UTF8_REDRAWS = 64;

  /** Sampling from {@code context}'s logits; the candidate arrays live as long as {@code arena}. */
  Sampling(LlamaLibrary lib, MemorySegment context, MemorySegment vocab, int vocabSize, Arena arena) {
    this.lib = lib;
    this.context = context;
    this.vocab = vocab;
    this.vocabSize = vocabSize;
    this.arena = arena;
    this.candidateArray = arena.allocate(LlamaLibrary.TOKEN_DATA_ARRAY);
    this.single = arena.allocate(LlamaLibrary.TOKEN_DATA);
    this.singleArray = arena.allocate(LlamaLibrary.TOKEN_DATA_ARRAY);
    this.piece = arena.allocate(PIECE_BYTES);
  }

  /** Whether the engine picks the top logit itself: no chain needed. */
  static boolean plainGreedy(GenerationOptions options) {
    return options.temperature() <= 0 && !penalized(options) && options.logitBias().isEmpty();
  }

  static boolean penalized(GenerationOptions options) {
    return options.repeatPenalty() != 1.0 || options.frequencyPenalty() != 0 || options.presencePenalty() != 0;
  }

  /**
   * A grammar sampler for {@code grammar} (GBNF, rule {@code root}), to {@link #draw} beside a chain:
   * from the start, or, with a {@code trigger} (see {@link LlamaLibrary#samplerInitGrammarLazy}), only
   * once the reply matches it; {@link #free} it.
   *
   * @throws IllegalStateException if llama.cpp cannot parse {@code grammar}
   */
  MemorySegment grammar(String grammar, @Nullable String trigger) {
    MemorySegment g = trigger == null ? lib.samplerInitGrammar(vocab, grammar, "root")
        : lib.samplerInitGrammarLazy(vocab, grammar, "root", trigger);
    if (g.equals(MemorySegment.NULL)) {
      throw new IllegalStateException("llama.cpp could not parse the grammar (its reason is on stderr)");
    }
    return g;
  }

  /** A new sampler chain for {@code options}, in llama.cpp's own order; {@link #free} it. */
  MemorySegment chain(GenerationOptions options) {
    try (Arena local = Arena.ofConfined()) {
      MemorySegment chain = lib.samplerChain();
      // llama.cpp's own order (common/sampling): logit bias, penalties, top-k, top-p, min-p,
      // temperature, draw.
      if (!options.logitBias().isEmpty()) {
        MemorySegment biases = local.allocate(LlamaLibrary.LOGIT_BIAS, options.logitBias().size());
        long at = 0;
        for (var e : options.logitBias().entrySet()) {
          biases.set(JAVA_INT, at + LlamaLibrary.BIAS_TOKEN, e.getKey());
          biases.set(JAVA_FLOAT, at + LlamaLibrary.BIAS_BIAS, e.getValue());
          at += LlamaLibrary.LOGIT_BIAS.byteSize();
        }
        lib.samplerChainAdd(chain, lib.samplerInitLogitBias(vocabSize,
            options.logitBias().size(), biases));
      }
      if (penalized(options)) {
        lib.samplerChainAdd(chain, lib.samplerInitPenalties(vocabSize, REPEAT_LAST_N,
            (float) options.repeatPenalty(), (float) options.frequencyPenalty(), (float) options.presencePenalty()));
      }
      if (options.temperature() <= 0) {
        lib.samplerChainAdd(chain, lib.samplerInitGreedy());
        return chain;
      }
      if (options.topK() > 0) {
        lib.samplerChainAdd(chain, lib.samplerInitTopK(options.topK()));
      }
      if (options.topP() < 1.0) {
        lib.samplerChainAdd(chain, lib.samplerInitTopP((float) options.topP(), 1L));
      }
      if (options.minP() > 0) {
        lib.samplerChainAdd(chain, lib.samplerInitMinP((float) options.minP(), 1L));
      }
      lib.samplerChainAdd(chain, lib.samplerInitTemp((float) options.temperature()));
      int seed = options.seed().isPresent() ? (int) options.seed().getAsLong() : LlamaLibrary.DEFAULT_SEED;
      lib.samplerChainAdd(chain, lib.samplerInitDist(seed));
      return chain;
    }
  }

  /** Frees a chain or a grammar sampler made here. */
  void free(MemorySegment sampler) {
    lib.samplerFree(sampler);
  }

  /**
   * What llama.cpp's greedy sampler picks, without its candidate array: the first token with the
   * highest logit (its comparison, {@code >}, NaN never winning).
   */
  int argmax(int index) {
    MemorySegment logits = lib.logits(context, index, vocabSize);
    int best = 0;
    float max = logits.getAtIndex(JAVA_FLOAT, 0);
    for (int id = 1; id < vocabSize; id++) {
      float logit = logits.getAtIndex(JAVA_FLOAT, id);
      if (logit > max) {
        max = logit;
        best = id;
      }
    }
    return best;
  }

  /**
   * What {@code llama_sampler_sample} does (-1 where it would abort: no candidate selected), into one candidate array kept for the engine's life:
   * b4916's function builds a new {@code std::vector} of every token's logit at each call (384 KB
   * for a 32,000-token vocabulary), which cost ~290 µs a token against ~100 µs for the same draw
   * into a reused array (a C loop over the jar's library, greedy chain, this machine). llama.cpp's
   * own server reuses its array the same way.
   */
  int draw(MemorySegment sampler, int index) {
    return draw(sampler, null, index, null);
  }

  /**
   * {@link #draw(MemorySegment, int)} through {@code chain}, under {@code grammar} when one is given
   * (see the class comment), and when {@code utf8} is given, a token that would make the reply's
   * bytes invalid UTF-8 is ruled out and the draw made again (at most {@value #UTF8_REDRAWS} times;
   * then -1): a grammar reads bytes more loosely than the caller's decoder. The token drawn is
   * accepted by the chain and the grammar.
   */
  int draw(MemorySegment chain, @Nullable MemorySegment grammar, int index, @Nullable Utf8Guard utf8) {
    int[] ruledOut = null;
    for (int redraw = 0; ; redraw++) {
      int token = drawOnce(chain, grammar, index, ruledOut, redraw);
      if (token < 0 || utf8 == null) {
        if (token >= 0) {
          accept(chain, grammar, token);
        }
        return token;
      }
      int len = Math.max(0, lib.tokenToPiece(vocab, token, piece, PIECE_BYTES, false));
      MemorySegment.copy(piece, JAVA_BYTE, 0, pieceBytes, 0, len);
      boolean ends = lib.vocabIsEog(vocab, token);
      if (ends ? utf8.complete() : utf8.accepts(pieceBytes, len)) {
        utf8.advance(pieceBytes, len);
        accept(chain, grammar, token);
        return token;
      }
      if (redraw == UTF8_REDRAWS) {
        return -1;
      }
      if (ruledOut == null) {
        ruledOut = new int[UTF8_REDRAWS + 1];
      }
      ruledOut[redraw] = token;
    }
  }

  private void accept(MemorySegment chain, @Nullable MemorySegment grammar, int token) {
    if (grammar != null) {
      lib.samplerAccept(grammar, token);
    }
    lib.samplerAccept(chain, token);
  }

  /**
   * One draw, tokens {@code ruledOut[0, count)} set to -inf first; not accepted. Under a grammar:
   * the chain's pick if the grammar allows it, else the chain's pick among what the grammar allows.
   */
  private int drawOnce(MemorySegment chain, @Nullable MemorySegment grammar, int index, int @Nullable [] ruledOut,
      int count) {
    fill(index, ruledOut, count);
    if (grammar == null) {
      return select(chain);
    }
    int first = select(chain);
    if (first >= 0 && allows(grammar, first)) {
      return first;
    }
    fill(index, ruledOut, count);
    lib.samplerApply(grammar, candidateArray);
    return select(chain);
  }

  /** Whether {@code grammar}, in its present state, allows {@code token} next. */
  private boolean allows(MemorySegment grammar, int token) {
    single.set(JAVA_INT, 0, token);
    single.set(JAVA_FLOAT, 4, 1f);
    single.set(JAVA_FLOAT, 8, 0f);
    singleArray.set(ADDRESS, 0, single);
    singleArray.set(JAVA_LONG, 8, 1L);
    singleArray.set(JAVA_LONG, 16, -1L);
    singleArray.set(JAVA_BOOLEAN, 24, false);
    lib.samplerApply(grammar, singleArray);
    MemorySegment data = singleArray.get(ADDRESS, 0).reinterpret(12L);
    return data.get(JAVA_FLOAT, 4) != Float.NEGATIVE_INFINITY;
  }

  /** The candidate array refilled from the sequence's logits, {@code ruledOut[0, count)} at -inf. */
  private void fill(int index, int @Nullable [] ruledOut, int count) {
    MemorySegment logits = lib.logits(context, index, vocabSize);
    MemorySegment data = candidates;
    if (data == null) {
      data = arena.allocate(LlamaLibrary.TOKEN_DATA, vocabSize);
      candidates = data;
    }
    for (int id = 0; id < vocabSize; id++) {
      long at = 12L * id;
      data.set(JAVA_INT, at, id);
      data.set(JAVA_FLOAT, at + 4, logits.getAtIndex(JAVA_FLOAT, id));
      data.set(JAVA_FLOAT, at + 8, 0f);
    }
    for (int i = 0; i < count; i++) {
      data.set(JAVA_FLOAT, 12L * ruledOut[i] + 4, Float.NEGATIVE_INFINITY);
    }
    MemorySegment array = candidateArray;
    array.set(ADDRESS, 0, data);
    array.set(JAVA_LONG, 8, vocabSize);
    array.set(JAVA_LONG, 16, -1L);
    array.set(JAVA_BOOLEAN, 24, false);
  }

  /** The chain applied to the candidate array: the token it selects, or -1 where none can be taken. */
  private int select(MemorySegment chain) {
    MemorySegment array = candidateArray;
    lib.samplerApply(chain, array);
    long selected = array.get(JAVA_LONG, 16);
    long size = array.get(JAVA_LONG, 8);
    if (selected < 0 || selected >= size) {
      return -1; // llama_sampler_sample would abort the process here
    }
    // A sampler may point the array at its own storage: read the token where the array points now.
    MemorySegment chosen = array.get(ADDRESS, 0).reinterpret(12L * size);
    int token = chosen.get(JAVA_INT, 12L * selected);
    if (chosen.get(JAVA_FLOAT, 12L * selected + 4) == Float.NEGATIVE_INFINITY) {
      // Every candidate was ruled out (a grammar that allows no token here): accepting this one
      // would make the grammar throw through the C API and abort the process.
      return -1;
    }
    return token;
  }
}
