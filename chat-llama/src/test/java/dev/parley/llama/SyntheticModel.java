package dev.parley.llama;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * Writes a GGUF file of a llama-family architecture with random weights at a chosen shape, for benchmarks and
 * tests that need realistic compute without a download: inference speed depends on tensor shapes,
 * not on weight values. Matrices are Q8_0, norms F32; the tokenizer metadata ({@code
 * tokenizer.ggml.*}) is copied from an existing GGUF file, so the vocabulary (and the embedding and
 * output matrices) match it. The text it writes is gibberish.
 *
 * <p>Architectures: {@code llama} (the default), {@code qwen3} (llama's layers with an RMS norm on
 * each head's queries and keys) and {@code qwen3moe} (Qwen3's attention with a mixture of experts
 * for its feed-forward: {@link Builder#experts} of them, a few used per token) and {@code gemma3}
 * (Q/K norms, norms after attention and feed-forward, and sliding-window attention on every
 * layer but each {@link Builder#slidingWindow pattern}-th), the last three unknown to llama.cpp
 * b4916 (the JNI engine).
 *
 * <p>The default shape is that of a 135M-parameter chat model: 30 layers, width 576, FFN 1536, 9
 * heads, 3 KV heads, context 2048.
 *
 * <pre>{@code
 * Path model = SyntheticModel.builder(Path.of("llama-2-tiny-random.gguf")).build().write(dir.resolve("135m.gguf"));
 * }</pre>
 */
public final class SyntheticModel {
  private static final int Q8_0 = 8;
  private static final int F32 = 0;
  private static final int ALIGNMENT = 32;

  /** The architectures it writes. */
  static final java.util.Set<String> ARCHITECTURES = java.util.Set.of("llama", "qwen3", "qwen3moe", "gemma3");

  private final Path tokenizerSource;
  private final String architecture;
  private final int layers;
  private final int width;
  private final int ffn;
  private final int heads;
  private final int kvHeads;
  private final int context;
  private final int experts;
  private final int expertsUsed;
  private final int slidingWindow;
  private final int slidingWindowPattern;
  private final long seed;
  private final @Nullable String chatTemplate;

  private SyntheticModel(Builder b) {
    this.tokenizerSource = b.tokenizerSource;
    this.architecture = b.architecture;
    this.layers = b.layers;
    this.width = b.width;
    this.ffn = b.ffn;
    this.heads = b.heads;
    this.kvHeads = b.kvHeads;
    this.context = b.context;
    this.experts = b.experts;
    this.expertsUsed = b.expertsUsed;
    this.slidingWindow = b.slidingWindow;
    this.slidingWindowPattern = b.slidingWindowPattern;
    this.seed = b.seed;
    this.chatTemplate = b.chatTemplate;
  }

  /** A generator taking its tokenizer from {@code tokenizerSource}, a GGUF file. */
  public static Builder builder(Path tokenizerSource) {
    return new Builder(tokenizerSource);
  }

  /** Writes the model to {@code target} (through a temporary file beside it) and returns it. */
  public Path write(Path target) {
    GgufFile source = GgufFile.read(tokenizerSource);
    int vocab = source.array("tokenizer.ggml.tokens").values().size();
    int headDim = width / heads;
    int kvWidth = headDim * kvHeads;

    List<long[]> shapes = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<Integer> types = new ArrayList<>();
    addTensor(names, shapes, types, "token_embd.weight", Q8_0, width, vocab);
    for (int i = 0; i < layers; i++) {
      String p = "blk." + i + ".";
      addTensor(names, shapes, types, p + "attn_norm.weight", F32, width);
      addTensor(names, shapes, types, p + "attn_q.weight", Q8_0, width, width);
      addTensor(names, shapes, types, p + "attn_k.weight", Q8_0, width, kvWidth);
      addTensor(names, shapes, types, p + "attn_v.weight", Q8_0, width, kvWidth);
      addTensor(names, shapes, types, p + "attn_output.weight", Q8_0, width, width);
      if (qkNorm()) {
        addTensor(names, shapes, types, p + "attn_q_norm.weight", F32, headDim);
        addTensor(names, shapes, types, p + "attn_k_norm.weight", F32, headDim);
      }
      if (postNorms()) {
        addTensor(names, shapes, types, p + "post_attention_norm.weight", F32, width);
      }
      addTensor(names, shapes, types, p + "ffn_norm.weight", F32, width);
      if (postNorms()) {
        addTensor(names, shapes, types, p + "post_ffw_norm.weight", F32, width);
      }
      if (moe()) {
        addTensor(names, shapes, types, p + "ffn_gate_inp.weight", Q8_0, width, experts);
        addTensor(names, shapes, types, p + "ffn_gate_exps.weight", Q8_0, width, ffn, experts);
        addTensor(names, shapes, types, p + "ffn_up_exps.weight", Q8_0, width, ffn, experts);
        addTensor(names, shapes, types, p + "ffn_down_exps.weight", Q8_0, ffn, width, experts);
      } else {
        addTensor(names, shapes, types, p + "ffn_gate.weight", Q8_0, width, ffn);
        addTensor(names, shapes, types, p + "ffn_up.weight", Q8_0, width, ffn);
        addTensor(names, shapes, types, p + "ffn_down.weight", Q8_0, ffn, width);
      }
    }
    addTensor(names, shapes, types, "output_norm.weight", F32, width);
    addTensor(names, shapes, types, "output.weight", Q8_0, width, vocab);

    Map<String, Object[]> kv = new LinkedHashMap<>(); // key -> {type, value}
    String a = architecture;
    kv.put("general.architecture", new Object[] {8, a});
    kv.put("general.name", new Object[] {8, "parley-synthetic-" + layers + "x" + width});
    kv.put("general.file_type", new Object[] {4, 7L}); // MOSTLY_Q8_0
    kv.put(a + ".context_length", new Object[] {4, (long) context});
    kv.put(a + ".embedding_length", new Object[] {4, (long) width});
    kv.put(a + ".block_count", new Object[] {4, (long) layers});
    kv.put(a + ".feed_forward_length", new Object[] {4, (long) ffn});
    kv.put(a + ".attention.head_count", new Object[] {4, (long) heads});
    kv.put(a + ".attention.head_count_kv", new Object[] {4, (long) kvHeads});
    kv.put(a + ".rope.dimension_count", new Object[] {4, (long) headDim});
    kv.put(a + ".attention.layer_norm_rms_epsilon", new Object[] {6, 1e-5f});
    kv.put(a + ".rope.freq_base", new Object[] {6, 10000f});
    kv.put(a + ".vocab_size", new Object[] {4, (long) vocab});
    if (postNorms()) {
      kv.put(a + ".attention.sliding_window", new Object[] {4, (long) slidingWindow});
      kv.put(a + ".attention.sliding_window_pattern", new Object[] {4, (long) slidingWindowPattern});
      kv.put(a + ".rope.freq_base_swa", new Object[] {6, 10000f});
    }
    if (moe()) {
      kv.put(a + ".expert_count", new Object[] {4, (long) experts});
      kv.put(a + ".expert_used_count", new Object[] {4, (long) expertsUsed});
      kv.put(a + ".expert_feed_forward_length", new Object[] {4, (long) ffn});
    }
    for (Map.Entry<String, Integer> e : source.types().entrySet()) {
      String key = e.getKey();
      if (key.startsWith("tokenizer.ggml.")) {
        Object value = e.getValue() == 9 ? source.array(key) : source.metadata().get(key);
        kv.put(key, new Object[] {e.getValue(), value});
      }
    }
    if (chatTemplate != null) {
      kv.put("tokenizer.chat_template", new Object[] {8, chatTemplate});
    }

    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      Files.createDirectories(target.toAbsolutePath().getParent());
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 20)) {
        Writer w = new Writer(out);
        w.u32(0x46554747);
        w.u32(3);
        w.u64(names.size());
        w.u64(kv.size());
        for (Map.Entry<String, Object[]> e : kv.entrySet()) {
          w.string(e.getKey());
          int type = (Integer) e.getValue()[0];
          w.u32(type);
          w.value(type, e.getValue()[1]);
        }
        long offset = 0;
        long[] offsets = new long[names.size()];
        for (int i = 0; i < names.size(); i++) {
          offsets[i] = offset;
          offset = align(offset + bytes(types.get(i), shapes.get(i)));
        }
        for (int i = 0; i < names.size(); i++) {
          w.string(names.get(i));
          long[] dims = shapes.get(i);
          w.u32(dims.length);
          for (long d : dims) {
            w.u64(d);
          }
          w.u32(types.get(i));
          w.u64(offsets[i]);
        }
        w.pad();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < names.size(); i++) {
          long start = w.position;
          if (types.get(i) == F32) {
            for (long n = 0; n < shapes.get(i)[0]; n++) {
              w.f32(1.0f);
            }
          } else {
            w.randomQ8(random, elements(shapes.get(i)));
          }
          if (w.position - start != bytes(types.get(i), shapes.get(i))) {
            throw new IllegalStateException("wrote " + (w.position - start) + " bytes for " + names.get(i));
          }
          w.pad();
        }
      }
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write synthetic model " + target, e);
    }
  }

  /**
   * Bytes of weights that decoding one token reads: every matrix and norm except the token
   * embeddings, of which it reads one row. Divided into a memory bandwidth, it gives the ceiling on
   * single-stream tokens per second.
   */
  public long bytesReadPerToken() {
    int vocab = vocabulary();
    long kvWidth = (long) width / heads * kvHeads;
    long feedForward = moe()
        ? q8(width * (long) experts) + expertsUsed * 3 * q8(width * (long) ffn) : 3 * q8(width * (long) ffn);
    long perLayer = 2 * q8(width * (long) width) + 2 * q8(width * kvWidth) + feedForward + 2 * f32(width)
        + (qkNorm() ? 2 * f32(width / heads) : 0) + (postNorms() ? 2 * f32(width) : 0);
    return layers * perLayer + f32(width) + q8(width * (long) vocab);
  }

  private boolean qkNorm() {
    return !architecture.equals("llama");
  }

  private boolean postNorms() {
    return architecture.equals("gemma3");
  }

  private boolean moe() {
    return architecture.equals("qwen3moe");
  }

  private int vocabulary() {
    return GgufFile.read(tokenizerSource).array("tokenizer.ggml.tokens").values().size();
  }

  private static long q8(long elements) {
    return GgufFile.tensorBytes(Q8_0, elements).getAsLong();
  }

  private static long f32(long elements) {
    return GgufFile.tensorBytes(F32, elements).getAsLong();
  }

  /** Parameters of the model this generator writes. */
  public long parameters() {
    int vocab = vocabulary();
    long kvWidth = (long) width / heads * kvHeads;
    long feedForward = moe() ? (long) width * experts + 3L * width * ffn * experts : 3L * width * ffn;
    long perLayer = 2L * width + 2L * width * width + 2L * width * kvWidth + feedForward
        + (qkNorm() ? 2L * (width / heads) : 0) + (postNorms() ? 2L * width : 0);
    return 2L * width * vocab + width + layers * perLayer;
  }

  private static void addTensor(List<String> names, List<long[]> shapes, List<Integer> types, String name,
      int type, long... dims) {
    names.add(name);
    shapes.add(dims);
    types.add(type);
  }

  private static long elements(long[] dims) {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }

  private static long bytes(int type, long[] dims) {
    return GgufFile.tensorBytes(type, elements(dims)).getAsLong();
  }

  private static long align(long n) {
    return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  /** Little-endian GGUF writing. */
  private static final class Writer {
    private final OutputStream out;
    private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    long position;

    Writer(OutputStream out) {
      this.out = out;
    }

    void u8(int v) throws IOException {
      out.write(v);
      position++;
    }

    void u16(int v) throws IOException {
      u8(v & 0xff);
      u8((v >>> 8) & 0xff);
    }

    void u32(long v) throws IOException {
      scratch.clear();
      scratch.putInt((int) v);
      out.write(scratch.array(), 0, 4);
      position += 4;
    }

    void u64(long v) throws IOException {
      scratch.clear();
      scratch.putLong(v);
      out.write(scratch.array(), 0, 8);
      position += 8;
    }

    void f32(float v) throws IOException {
      u32(Float.floatToIntBits(v));
    }

    void string(String s) throws IOException {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      u64(b.length);
      out.write(b);
      position += b.length;
    }

    void value(int type, Object v) throws IOException {
      switch (type) {
        case 0, 1, 7 -> u8(v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).intValue());
        case 2, 3 -> u16(((Number) v).intValue());
        case 4, 5 -> u32(((Number) v).longValue());
        case 6 -> f32(((Number) v).floatValue());
        case 8 -> string((String) v);
        case 9 -> {
          GgufFile.Array a = (GgufFile.Array) v;
          u32(a.elementType());
          u64(a.values().size());
          for (Object element : a.values()) {
            value(a.elementType(), element);
          }
        }
        case 10, 11 -> u64(((Number) v).longValue());
        case 12 -> u64(Double.doubleToLongBits(((Number) v).doubleValue()));
        default -> throw new IllegalArgumentException("unknown GGUF type " + type);
      }
    }

    /** Q8_0 blocks: an F16 scale and 32 signed bytes, weights about N(0, 0.02). */
    void randomQ8(SplittableRandom random, long elements) throws IOException {
      byte[] block = new byte[34];
      // Scale 2.7e-4 as an IEEE half (0x0C6C): uniform int8 values then have a spread near 0.02.
      block[0] = (byte) 0x6C;
      block[1] = (byte) 0x0C;
      for (long b = 0; b < elements / 32; b++) {
        for (int i = 2; i < 34; i += 8) {
          long r = random.nextLong();
          for (int k = 0; k < 8; k++) {
            block[i + k] = (byte) (r >>> (8 * k));
          }
        }
        out.write(block);
        position += 34;
      }
    }

    void pad() throws IOException {
      while (position % ALIGNMENT != 0) {
        u8(0);
      }
    }
  }

  /** Builds a {@link SyntheticModel}; the defaults are the 135M shape. */
  public static final class Builder {
    private final Path tokenizerSource;
    private String architecture = "llama";
    private int layers = 30;
    private int width = 576;
    private int ffn = 1536;
    private int heads = 9;
    private int kvHeads = 3;
    private int context = 2048;
    private int experts = 8;
    private int expertsUsed = 2;
    private int slidingWindow = 512;
    private int slidingWindowPattern = 6;
    private long seed = 42;
    private @Nullable String chatTemplate;

    private Builder(Path tokenizerSource) {
      if (tokenizerSource == null) {
        throw new NullPointerException("tokenizerSource must not be null");
      }
      this.tokenizerSource = tokenizerSource;
    }

    /** {@code llama} (the default), {@code qwen3}, {@code qwen3moe} or {@code gemma3}. */
    public Builder architecture(String architecture) {
      if (!ARCHITECTURES.contains(architecture)) {
        throw new IllegalArgumentException("architecture must be one of " + new java.util.TreeSet<>(ARCHITECTURES)
            + ", was \"" + architecture + "\"");
      }
      this.architecture = architecture;
      return this;
    }

    public Builder layers(int layers) {
      this.layers = positive(layers, "layers");
      return this;
    }

    /** Embedding width; a multiple of 32 and of the head count. */
    public Builder width(int width) {
      this.width = positive(width, "width");
      return this;
    }

    /** Feed-forward width; a multiple of 32. */
    public Builder feedForward(int ffn) {
      this.ffn = positive(ffn, "feedForward");
      return this;
    }

    public Builder heads(int heads, int kvHeads) {
      this.heads = positive(heads, "heads");
      this.kvHeads = positive(kvHeads, "kvHeads");
      return this;
    }

    /** Experts per layer and experts used per token ({@code qwen3moe}; 8 and 2 by default); each is {@link #feedForward} wide. */
    public Builder experts(int experts, int used) {
      this.experts = positive(experts, "experts");
      this.expertsUsed = positive(used, "used");
      if (used > experts) {
        throw new IllegalArgumentException("used (" + used + ") must not exceed experts (" + experts + ")");
      }
      return this;
    }

    /**
     * Sliding-window attention ({@code gemma3}; 512 tokens, and every 6th layer attending to
     * everything, by default): layers see the last {@code window} tokens, and every
     * {@code pattern}-th layer sees the whole context.
     */
    public Builder slidingWindow(int window, int pattern) {
      this.slidingWindow = positive(window, "window");
      this.slidingWindowPattern = positive(pattern, "pattern");
      return this;
    }

    public Builder context(int context) {
      this.context = positive(context, "context");
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The Jinja chat template the file carries ({@code tokenizer.chat_template}); none by default. */
    public Builder chatTemplate(String source) {
      if (source == null || source.isBlank()) {
        throw new IllegalArgumentException("chatTemplate must not be blank");
      }
      this.chatTemplate = source;
      return this;
    }

    private static int positive(int v, String name) {
      if (v <= 0) {
        throw new IllegalArgumentException(name + " must be > 0, was " + v);
      }
      return v;
    }

    public SyntheticModel build() {
      if (width % 32 != 0 || ffn % 32 != 0) {
        throw new IllegalStateException("width and feedForward must be multiples of 32 for Q8_0, were "
            + width + " and " + ffn);
      }
      if (width % heads != 0 || heads % kvHeads != 0) {
        throw new IllegalStateException("width (" + width + ") must divide by heads (" + heads
            + ") and heads by kvHeads (" + kvHeads + ")");
      }
      return new SyntheticModel(this);
    }
  }
}
