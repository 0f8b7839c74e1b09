package dev.parley.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The part of llama.cpp's C API that the FFM engine calls, bound once per JVM from the libraries
 * {@link Natives} opens: llama.cpp release {@value Natives#RELEASE}, as chat-llama-natives builds
 * it or a user's own build of it.
 *
 * <p>The struct layouts are those of that release's {@code include/llama.h}, checked against the
 * compiled headers by {@code FfmNativesTest}. Every function is looked up when the library is bound: a
 * missing one fails the load with a {@link ModelLoadException} naming it, never later with a crash.
 */
final class LlamaLibrary {
  // ---- structs (release 0.4.0 include/llama.h) ----

  /** struct llama_model_params: 80 bytes. */
  static final StructLayout MODEL_PARAMS = MemoryLayout.structLayout(
      ADDRESS.withName("devices"),
      ADDRESS.withName("tensor_buft_overrides"),
      JAVA_INT.withName("n_gpu_layers"),
      JAVA_INT.withName("split_mode"),
      JAVA_INT.withName("load_mode"),
      JAVA_INT.withName("lazy_mode"),
      JAVA_INT.withName("main_gpu"),
      MemoryLayout.paddingLayout(4),
      ADDRESS.withName("tensor_split"),
      ADDRESS.withName("progress_callback"),
      ADDRESS.withName("progress_callback_user_data"),
      ADDRESS.withName("kv_overrides"),
      JAVA_BOOLEAN.withName("vocab_only"),
      JAVA_BOOLEAN.withName("check_tensors"),
      JAVA_BOOLEAN.withName("use_extra_bufts"),
      JAVA_BOOLEAN.withName("no_host"),
      JAVA_BOOLEAN.withName("no_alloc"),
      JAVA_BOOLEAN.withName("load_mtp"),
      MemoryLayout.paddingLayout(2));

  /** struct llama_token_data: 12 bytes. */
  static final StructLayout TOKEN_DATA = MemoryLayout.structLayout(
      JAVA_INT.withName("id"),
      JAVA_FLOAT.withName("logit"),
      JAVA_FLOAT.withName("p"));

  /** struct llama_token_data_array: 32 bytes. */
  static final StructLayout TOKEN_DATA_ARRAY = MemoryLayout.structLayout(
      ADDRESS.withName("data"),
      JAVA_LONG.withName("size"),
      JAVA_LONG.withName("selected"),
      JAVA_BOOLEAN.withName("sorted"),
      MemoryLayout.paddingLayout(7));

  /** struct llama_context_params: 160 bytes. */
  static final StructLayout CONTEXT_PARAMS = MemoryLayout.structLayout(
      JAVA_INT.withName("n_ctx"),
      JAVA_INT.withName("n_batch"),
      JAVA_INT.withName("n_ubatch"),
      JAVA_INT.withName("n_seq_max"),
      JAVA_INT.withName("n_rs_seq"),
      JAVA_INT.withName("n_outputs_max"),
      JAVA_INT.withName("n_outputs_max_per_seq"),
      JAVA_INT.withName("n_threads"),
      JAVA_INT.withName("n_threads_batch"),
      JAVA_INT.withName("ctx_type"),
      JAVA_INT.withName("rope_scaling_type"),
      JAVA_INT.withName("pooling_type"),
      JAVA_INT.withName("attention_type"),
      JAVA_INT.withName("flash_attn_type"),
      JAVA_FLOAT.withName("rope_freq_base"),
      JAVA_FLOAT.withName("rope_freq_scale"),
      JAVA_FLOAT.withName("yarn_ext_factor"),
      JAVA_FLOAT.withName("yarn_attn_factor"),
      JAVA_FLOAT.withName("yarn_beta_fast"),
      JAVA_FLOAT.withName("yarn_beta_slow"),
      JAVA_INT.withName("yarn_orig_ctx"),
      JAVA_FLOAT.withName("defrag_thold"),
      ADDRESS.withName("cb_eval"),
      ADDRESS.withName("cb_eval_user_data"),
      JAVA_INT.withName("type_k"),
      JAVA_INT.withName("type_v"),
      ADDRESS.withName("abort_callback"),
      ADDRESS.withName("abort_callback_data"),
      JAVA_BOOLEAN.withName("embeddings"),
      JAVA_BOOLEAN.withName("offload_kqv"),
      JAVA_BOOLEAN.withName("no_perf"),
      JAVA_BOOLEAN.withName("op_offload"),
      JAVA_BOOLEAN.withName("swa_full"),
      JAVA_BOOLEAN.withName("kv_unified"),
      MemoryLayout.paddingLayout(2),
      ADDRESS.withName("samplers"),
      JAVA_LONG.withName("n_samplers"),
      ADDRESS.withName("ctx_other"));

  /** struct llama_batch: 56 bytes. */
  static final StructLayout BATCH = MemoryLayout.structLayout(
      JAVA_INT.withName("n_tokens"),
      MemoryLayout.paddingLayout(4),
      ADDRESS.withName("token"),
      ADDRESS.withName("embd"),
      ADDRESS.withName("pos"),
      ADDRESS.withName("n_seq_id"),
      ADDRESS.withName("seq_id"),
      ADDRESS.withName("logits"));

  /** struct llama_sampler_chain_params. */
  static final StructLayout SAMPLER_CHAIN_PARAMS = MemoryLayout.structLayout(JAVA_BOOLEAN.withName("no_perf"));

  /** struct llama_logit_bias: 8 bytes. */
  static final StructLayout LOGIT_BIAS = MemoryLayout.structLayout(
      JAVA_INT.withName("token"), JAVA_FLOAT.withName("bias"));

  /** struct ggml_threadpool_params: 528 bytes (filled by ggml_threadpool_params_init). */
  static final StructLayout THREADPOOL_PARAMS = MemoryLayout.structLayout(
      MemoryLayout.sequenceLayout(512, JAVA_BOOLEAN).withName("cpumask"),
      JAVA_INT.withName("n_threads"),
      JAVA_INT.withName("prio"),
      JAVA_INT.withName("poll"),
      JAVA_BOOLEAN.withName("strict_cpu"),
      JAVA_BOOLEAN.withName("paused"),
      MemoryLayout.paddingLayout(2));

  /** struct llama_chat_message: 16 bytes. */
  static final StructLayout CHAT_MESSAGE = MemoryLayout.structLayout(
      ADDRESS.withName("role"), ADDRESS.withName("content"));

  static final long MODEL_N_GPU_LAYERS = offset(MODEL_PARAMS, "n_gpu_layers");
  static final long CTX_N_CTX = offset(CONTEXT_PARAMS, "n_ctx");
  static final long CTX_N_BATCH = offset(CONTEXT_PARAMS, "n_batch");
  static final long CTX_N_UBATCH = offset(CONTEXT_PARAMS, "n_ubatch");
  static final long CTX_N_SEQ_MAX = offset(CONTEXT_PARAMS, "n_seq_max");
  static final long CTX_N_THREADS = offset(CONTEXT_PARAMS, "n_threads");
  static final long CTX_N_THREADS_BATCH = offset(CONTEXT_PARAMS, "n_threads_batch");
  static final long CTX_NO_PERF = offset(CONTEXT_PARAMS, "no_perf");
  static final long CTX_FLASH_ATTN_TYPE = offset(CONTEXT_PARAMS, "flash_attn_type");
  static final long CTX_KV_UNIFIED = offset(CONTEXT_PARAMS, "kv_unified");
  static final long CTX_SWA_FULL = offset(CONTEXT_PARAMS, "swa_full");
  static final long BATCH_N_TOKENS = offset(BATCH, "n_tokens");
  static final long BATCH_TOKEN = offset(BATCH, "token");
  static final long BATCH_POS = offset(BATCH, "pos");
  static final long BATCH_N_SEQ_ID = offset(BATCH, "n_seq_id");
  static final long BATCH_SEQ_ID = offset(BATCH, "seq_id");
  static final long BATCH_LOGITS = offset(BATCH, "logits");
  static final long BIAS_TOKEN = offset(LOGIT_BIAS, "token");
  static final long BIAS_BIAS = offset(LOGIT_BIAS, "bias");
  static final long MSG_ROLE = offset(CHAT_MESSAGE, "role");
  static final long MSG_CONTENT = offset(CHAT_MESSAGE, "content");

  /** GGML_LOG_LEVEL_* */
  static final int LOG_DEBUG = 1;
  static final int LOG_INFO = 2;
  static final int LOG_WARN = 3;
  static final int LOG_ERROR = 4;
  static final int LOG_CONT = 5;

  /** enum llama_flash_attn_type */
  static final int FLASH_ATTN_DISABLED = 0;
  static final int FLASH_ATTN_ENABLED = 1;

  /** LLAMA_DEFAULT_SEED: a random seed. */
  static final int DEFAULT_SEED = 0xFFFFFFFF;

  private static @Nullable LlamaLibrary instance;

  final Path file;
  final Natives natives;
  private final MethodHandle backendInit;
  private final MethodHandle logSet;
  private final MethodHandle modelDefaultParams;
  private final MethodHandle contextDefaultParams;
  private final MethodHandle modelLoadFromFile;
  private final MethodHandle modelFree;
  private final MethodHandle modelGetVocab;
  private final MethodHandle modelChatTemplate;
  private final MethodHandle initFromModel;
  private final MethodHandle free;
  private final MethodHandle decode;
  private final MethodHandle tokenize;
  private final MethodHandle tokenToPiece;
  private final MethodHandle vocabIsEog;
  private final MethodHandle vocabBos;
  private final MethodHandle chatApplyTemplate;
  private final MethodHandle getMemory;
  private final MethodHandle memorySeqRm;
  private final MethodHandle memorySeqPosMin;
  private final MethodHandle modelNSwa;
  private final MethodHandle nBatch;
  private final MethodHandle modelIsRecurrent;
  private final MethodHandle modelIsHybrid;
  private final MethodHandle memoryClear;
  private final Lazy memorySeqCp;
  private final Lazy stateSeqGetSize;
  private final Lazy stateSeqGetData;
  private final Lazy stateSeqSetData;
  private final Lazy samplerChainDefaultParams;
  private final Lazy samplerChainInit;
  private final Lazy samplerChainAdd;
  private final Lazy samplerInitGreedy;
  private final Lazy samplerInitDist;
  private final Lazy samplerInitTopK;
  private final Lazy samplerInitTopP;
  private final Lazy samplerInitMinP;
  private final Lazy samplerInitTemp;
  private final Lazy samplerInitPenalties;
  private final Lazy samplerInitLogitBias;
  private final Lazy samplerInitGrammar;
  private final Lazy samplerInitGrammarLazy;
  private final Lazy samplerApply;
  private final Lazy samplerAccept;
  private final MethodHandle getLogitsIth;
  private final MethodHandle vocabNTokens;
  private final Lazy samplerFree;
  private final Lazy setNThreads;
  private final MethodHandle attachThreadpool;
  private final MethodHandle threadpoolParamsInit;
  private final MethodHandle threadpoolNew;
  private final MethodHandle threadpoolFree;
  private final MemorySegment logCallback;

  /**
   * Binds every function from {@code lookup}.
   *
   * @throws ModelLoadException naming the first function the library lacks
   */
  LlamaLibrary(Natives natives, Path modelFile) {
    this.natives = natives;
    this.file = natives.llamaFile;
    Linker linker = Linker.nativeLinker();
    Binder b = new Binder(linker, natives.llama, file, modelFile);
    backendInit = b.bind("llama_backend_init", FunctionDescriptor.ofVoid());
    logSet = b.bind("llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    modelDefaultParams = b.bind("llama_model_default_params", FunctionDescriptor.of(MODEL_PARAMS));
    contextDefaultParams = b.bind("llama_context_default_params", FunctionDescriptor.of(CONTEXT_PARAMS));
    modelLoadFromFile = b.bind("llama_model_load_from_file", FunctionDescriptor.of(ADDRESS, ADDRESS, MODEL_PARAMS));
    modelFree = b.bind("llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));
    modelGetVocab = b.bind("llama_model_get_vocab", FunctionDescriptor.of(ADDRESS, ADDRESS));
    modelChatTemplate = b.bind("llama_model_chat_template", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    initFromModel = b.bind("llama_init_from_model", FunctionDescriptor.of(ADDRESS, ADDRESS, CONTEXT_PARAMS));
    free = b.bind("llama_free", FunctionDescriptor.ofVoid(ADDRESS));
    decode = b.bind("llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, BATCH));
    tokenize = b.bind("llama_tokenize",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));
    tokenToPiece = b.bind("llama_token_to_piece",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_BOOLEAN));
    vocabIsEog = b.bind("llama_vocab_is_eog", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT));
    vocabBos = b.bind("llama_vocab_bos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    chatApplyTemplate = b.bind("llama_chat_apply_template",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_BOOLEAN, ADDRESS, JAVA_INT));
    getMemory = b.bind("llama_get_memory", FunctionDescriptor.of(ADDRESS, ADDRESS));
    memorySeqRm = b.bind("llama_memory_seq_rm", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    memorySeqPosMin = b.bind("llama_memory_seq_pos_min", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    modelNSwa = b.bind("llama_model_n_swa", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    nBatch = b.bind("llama_n_batch", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    modelIsRecurrent = b.bind("llama_model_is_recurrent", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
    modelIsHybrid = b.bind("llama_model_is_hybrid", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
    // (mem, bool data): data true also zeroes the buffers.
    memoryClear = b.bind("llama_memory_clear", FunctionDescriptor.ofVoid(ADDRESS, JAVA_BOOLEAN));
    attachThreadpool = b.bind("llama_attach_threadpool", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS));
    threadpoolParamsInit = linker.downcallHandle(Natives.find(natives.ggmlBase, "ggml_threadpool_params_init",
        natives.ggmlBaseFile, modelFile), FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    threadpoolNew = linker.downcallHandle(natives.cpuFunction("ggml_threadpool_new", modelFile),
        FunctionDescriptor.of(ADDRESS, ADDRESS));
    threadpoolFree = linker.downcallHandle(natives.cpuFunction("ggml_threadpool_free", modelFile),
        FunctionDescriptor.ofVoid(ADDRESS));
    setNThreads = b.lazy("llama_set_n_threads", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT));
    memorySeqCp = b.lazy("llama_memory_seq_cp", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    stateSeqGetSize = b.lazy("llama_state_seq_get_size_ext", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT));
    stateSeqGetData = b.lazy("llama_state_seq_get_data_ext",
        FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT));
    stateSeqSetData = b.lazy("llama_state_seq_set_data_ext",
        FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT));
    samplerChainDefaultParams = b.lazy("llama_sampler_chain_default_params", FunctionDescriptor.of(SAMPLER_CHAIN_PARAMS));
    samplerChainInit = b.lazy("llama_sampler_chain_init", FunctionDescriptor.of(ADDRESS, SAMPLER_CHAIN_PARAMS));
    samplerChainAdd = b.lazy("llama_sampler_chain_add", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    samplerInitGreedy = b.lazy("llama_sampler_init_greedy", FunctionDescriptor.of(ADDRESS));
    samplerInitDist = b.lazy("llama_sampler_init_dist", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    samplerInitTopK = b.lazy("llama_sampler_init_top_k", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    samplerInitTopP = b.lazy("llama_sampler_init_top_p", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT, JAVA_LONG));
    samplerInitMinP = b.lazy("llama_sampler_init_min_p", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT, JAVA_LONG));
    samplerInitTemp = b.lazy("llama_sampler_init_temp", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT));
    // (n_vocab, penalty_last_n, repeat, frequency, presence)
    samplerInitPenalties = b.lazy("llama_sampler_init_penalties",
        FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_INT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT));
    // (n_vocab, n_logit_bias, const llama_logit_bias *): the sampler copies the array.
    samplerInitLogitBias = b.lazy("llama_sampler_init_logit_bias",
        FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    // (vocab, grammar_str, grammar_root): NULL when the grammar does not parse.
    samplerInitGrammar = b.lazy("llama_sampler_init_grammar", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    // (vocab, grammar, root, const char ** patterns, size_t, const llama_token * tokens, size_t)
    samplerInitGrammarLazy = b.lazy("llama_sampler_init_grammar_lazy_patterns",
        FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
    samplerApply = b.lazy("llama_sampler_apply", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    samplerAccept = b.lazy("llama_sampler_accept", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    getLogitsIth = b.bind("llama_get_logits_ith", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    vocabNTokens = b.bind("llama_vocab_n_tokens", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    samplerFree = b.lazy("llama_sampler_free", FunctionDescriptor.ofVoid(ADDRESS));
    logCallback = logCallback();
  }

  // ---- the typed boundary: every call the engine makes, with Java types; no handle leaves this class ----

  MemorySegment modelDefaultParams(SegmentAllocator into) {
    try {
      return (MemorySegment) modelDefaultParams.invokeExact(into);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  MemorySegment contextDefaultParams(SegmentAllocator into) {
    try {
      return (MemorySegment) contextDefaultParams.invokeExact(into);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** The model, or NULL if llama.cpp could not load it (its log says why). */
  MemorySegment modelLoadFromFile(MemorySegment path, MemorySegment params) {
    try {
      return (MemorySegment) modelLoadFromFile.invokeExact(path, params);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  void modelFree(MemorySegment model) {
    try {
      modelFree.invokeExact(model);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  MemorySegment modelGetVocab(MemorySegment model) {
    try {
      return (MemorySegment) modelGetVocab.invokeExact(model);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** The model file's default chat template, or NULL if it has none. */
  MemorySegment modelChatTemplate(MemorySegment model) {
    try {
      return (MemorySegment) modelChatTemplate.invokeExact(model, MemorySegment.NULL);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** A context, or NULL if llama.cpp could not make one. */
  MemorySegment initFromModel(MemorySegment model, MemorySegment params) {
    try {
      return (MemorySegment) initFromModel.invokeExact(model, params);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  void free(MemorySegment context) {
    try {
      free.invokeExact(context);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** llama_decode's return code: 0 done, 1 no room in the KV cache, 2 aborted, negative an error. */
  int decode(MemorySegment context, MemorySegment batch) {
    try {
      return (int) decode.invokeExact(context, batch);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Tokens written into {@code out}, or minus the capacity they need. */
  int tokenize(MemorySegment vocab, MemorySegment text, int length, MemorySegment out, int capacity,
      boolean addSpecial, boolean parseSpecial) {
    try {
      return (int) tokenize.invokeExact(vocab, text, length, out, capacity, addSpecial, parseSpecial);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Bytes of the token's text written into {@code out} (special tokens rendered if {@code special}). */
  int tokenToPiece(MemorySegment vocab, int token, MemorySegment out, int capacity, boolean special) {
    try {
      return (int) tokenToPiece.invokeExact(vocab, token, out, capacity, 0, special);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  boolean vocabIsEog(MemorySegment vocab, int token) {
    try {
      return (boolean) vocabIsEog.invokeExact(vocab, token);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  int vocabBos(MemorySegment vocab) {
    try {
      return (int) vocabBos.invokeExact(vocab);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  int vocabNTokens(MemorySegment vocab) {
    try {
      return (int) vocabNTokens.invokeExact(vocab);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Bytes of the rendered prompt (more than {@code capacity}: call again with that many), negative if it failed. */
  int chatApplyTemplate(MemorySegment template, MemorySegment messages, long count, boolean addAssistant,
      MemorySegment out, int capacity) {
    try {
      return (int) chatApplyTemplate.invokeExact(template, messages, count, addAssistant, out, capacity);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  MemorySegment getMemory(MemorySegment context) {
    try {
      return (MemorySegment) getMemory.invokeExact(context);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Removes positions {@code [from, to)} ({@code to} -1: to the end) of a sequence; false if only all of it can go. */
  boolean memorySeqRm(MemorySegment memory, int seq, int from, int to) {
    try {
      return (boolean) memorySeqRm.invokeExact(memory, seq, from, to);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** The smallest position a sequence holds in every part of the memory; -1 when it holds none. */
  int memorySeqPosMin(MemorySegment memory, int seq) {
    try {
      return (int) memorySeqPosMin.invokeExact(memory, seq);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** The sliding window of the model's windowed layers, in tokens; 0 when it has none. */
  int modelNSwa(MemorySegment model) {
    try {
      return (int) modelNSwa.invokeExact(model);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /**
   * Whether some of the model's layers keep a recurrent state (Mamba, RWKV, the hybrids' linear
   * attention): a state that a token advances and removing its cell cannot take back.
   */
  boolean modelHasRecurrentState(MemorySegment model) {
    try {
      return (boolean) modelIsRecurrent.invokeExact(model) || (boolean) modelIsHybrid.invokeExact(model);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /**
   * The most tokens one {@code llama_decode} of the context takes: the {@code n_batch} asked for, or
   * fewer (llama.cpp caps it at the context's cells).
   */
  int nBatch(MemorySegment context) {
    try {
      return (int) nBatch.invokeExact(context);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Shares positions {@code [from, to)} of sequence {@code src} with {@code dst} (a unified KV cache). */
  void memorySeqCp(MemorySegment memory, int src, int dst, int from, int to) {
    try {
      memorySeqCp.get().invokeExact(memory, src, dst, from, to);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Empties every sequence; {@code data} also zeroes the buffers. */
  void memoryClear(MemorySegment memory, boolean data) {
    try {
      memoryClear.invokeExact(memory, data);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** {@code LLAMA_STATE_SEQ_FLAGS_NONE}: every part of the memory. */
  static final int STATE_SEQ_WHOLE = 0;
  /** {@code LLAMA_STATE_SEQ_FLAGS_PARTIAL_ONLY}: only the parts that cannot be cut back (sliding-window cells). */
  static final int STATE_SEQ_PARTIAL_ONLY = 1;

  /** The bytes of the sequence's cells in the parts of the memory {@code flags} name. */
  long stateSeqGetSize(MemorySegment context, int seq, int flags) {
    try {
      return (long) stateSeqGetSize.get().invokeExact(context, seq, flags);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Bytes of the sequence's cells ({@code flags}: which parts) written into {@code out}, 0 if it failed. */
  long stateSeqGetData(MemorySegment context, MemorySegment out, long size, int seq, int flags) {
    try {
      return (long) stateSeqGetData.get().invokeExact(context, out, size, seq, flags);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /**
   * Bytes read from {@code state} into the sequence's cells, which it replaces in the parts of the
   * memory {@code flags} name; 0 if there was no room.
   */
  long stateSeqSetData(MemorySegment context, MemorySegment state, long size, int seq, int flags) {
    try {
      return (long) stateSeqSetData.get().invokeExact(context, state, size, seq, flags);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  void setNThreads(MemorySegment context, int threads, int batchThreads) {
    try {
      setNThreads.get().invokeExact(context, threads, batchThreads);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  void attachThreadpool(MemorySegment context, MemorySegment pool, MemorySegment batchPool) {
    try {
      attachThreadpool.invokeExact(context, pool, batchPool);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** A pool of {@code threads} ggml workers with ggml's defaults, or NULL if it could not start one. */
  MemorySegment threadpoolNew(int threads) {
    try (Arena local = Arena.ofConfined()) {
      MemorySegment params = local.allocate(THREADPOOL_PARAMS);
      threadpoolParamsInit.invokeExact(params, threads);
      return (MemorySegment) threadpoolNew.invokeExact(params);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  void threadpoolFree(MemorySegment pool) {
    try {
      threadpoolFree.invokeExact(pool);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** An empty sampler chain with llama.cpp's default chain parameters. */
  MemorySegment samplerChain() {
    try (Arena local = Arena.ofConfined()) {
      MemorySegment params = (MemorySegment) samplerChainDefaultParams.get().invokeExact((SegmentAllocator) local);
      return (MemorySegment) samplerChainInit.get().invokeExact(params);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Adds {@code sampler} to the end of {@code chain}, which owns it from then on. */
  void samplerChainAdd(MemorySegment chain, MemorySegment sampler) {
    try {
      samplerChainAdd.get().invokeExact(chain, sampler);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  MemorySegment samplerInitGreedy() {
    try {
      return (MemorySegment) samplerInitGreedy.get().invokeExact();
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  MemorySegment samplerInitDist(int seed) {
    try {
      return (MemorySegment) samplerInitDist.get().invokeExact(seed);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  MemorySegment samplerInitTopK(int k) {
    try {
      return (MemorySegment) samplerInitTopK.get().invokeExact(k);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  MemorySegment samplerInitTopP(float p, long minKeep) {
    try {
      return (MemorySegment) samplerInitTopP.get().invokeExact(p, minKeep);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  MemorySegment samplerInitMinP(float p, long minKeep) {
    try {
      return (MemorySegment) samplerInitMinP.get().invokeExact(p, minKeep);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  MemorySegment samplerInitTemp(float temperature) {
    try {
      return (MemorySegment) samplerInitTemp.get().invokeExact(temperature);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Repetition penalties over the last {@code lastN} tokens of a vocabulary of {@code vocabSize}. */
  MemorySegment samplerInitPenalties(int vocabSize, int lastN, float repeat, float frequency, float presence) {
    try {
      return (MemorySegment) samplerInitPenalties.get().invokeExact(vocabSize, lastN, repeat, frequency, presence);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** Biases {@code count} tokens, from an array of {@link #LOGIT_BIAS} the sampler copies. */
  MemorySegment samplerInitLogitBias(int vocabSize, int count, MemorySegment biases) {
    try {
      return (MemorySegment) samplerInitLogitBias.get().invokeExact(vocabSize, count, biases);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /**
   * A grammar sampler for {@code grammar} (GBNF) from rule {@code root}, or {@link MemorySegment#NULL}
   * when llama.cpp cannot parse it (it says why on stderr).
   */
  MemorySegment samplerInitGrammar(MemorySegment vocab, String grammar, String root) {
    try (Arena local = Arena.ofConfined()) {
      return (MemorySegment) samplerInitGrammar.get().invokeExact(vocab, local.allocateFrom(grammar), local.allocateFrom(root));
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /**
   * A grammar sampler that lets every token through until the reply matches {@code pattern} (a
   * regular expression over the whole reply so far, {@code ^…$}), then constrains it from the
   * pattern's first group on; NULL if llama.cpp cannot parse the grammar.
   */
  MemorySegment samplerInitGrammarLazy(MemorySegment vocab, String grammar, String root, String pattern) {
    try (Arena local = Arena.ofConfined()) {
      MemorySegment patterns = local.allocate(ADDRESS);
      patterns.set(ADDRESS, 0, local.allocateFrom(pattern));
      return (MemorySegment) samplerInitGrammarLazy.get().invokeExact(vocab, local.allocateFrom(grammar),
          local.allocateFrom(root), patterns, 1L, MemorySegment.NULL, 0L);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  void samplerApply(MemorySegment sampler, MemorySegment candidates) {
    try {
      samplerApply.get().invokeExact(sampler, candidates);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  void samplerAccept(MemorySegment sampler, int token) {
    try {
      samplerAccept.get().invokeExact(sampler, token);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  void samplerFree(MemorySegment sampler) {
    try {
      samplerFree.get().invokeExact(sampler);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  /** The logits of the batch's {@code index}th token, {@code vocabSize} floats. */
  MemorySegment logits(MemorySegment context, int index, int vocabSize) {
    try {
      return ((MemorySegment) getLogitsIth.invokeExact(context, index)).reinterpret(4L * vocabSize);
    } catch (Throwable e) {
      throw rethrow(e);
    }
  }

  private static @Nullable MemorySegment logStub;

  /** The upcall that sends llama.cpp's and ggml's log to SLF4J; one per JVM, never freed. */
  static synchronized MemorySegment logCallback() {
    if (logStub == null) {
      try {
        MethodHandle log = MethodHandles.lookup().findStatic(LlamaLibrary.class, "log",
            MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
        logStub = Linker.nativeLinker().upcallStub(log, FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS),
            Arena.global());
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return logStub;
  }

  /**
   * The library of this JVM, opened and initialised on first use with {@code config}'s natives
   * folder and CPU variant; a later config asking for others fails, naming what is loaded.
   */
  static synchronized LlamaLibrary get(EngineConfig config) {
    Path modelFile = config.modelFile();
    if (instance == null) {
      Natives natives = Natives.open(config.nativesFolder(), config.cpuVariant(), modelFile);
      LlamaLibrary library = new LlamaLibrary(natives, modelFile);
      try {
        library.logSet.invokeExact(library.logCallback, MemorySegment.NULL);
        library.backendInit.invokeExact();
      } catch (Throwable e) {
        throw rethrow(e);
      }
      instance = library;
      return library;
    }
    LlamaLibrary loaded = instance;
    if (config.nativesFolder() != null && !config.nativesFolder().equals(loaded.natives.folder)) {
      throw new ModelLoadException(ModelLoadException.Reason.INCOMPATIBLE_SETTINGS, modelFile,
          "llama.cpp's libraries are opened once per JVM, from " + loaded.natives.folder + "; this model asks for "
              + config.nativesFolder(), null);
    }
    if (config.cpuVariant() != null && !config.cpuVariant().equals(loaded.natives.cpuVariant)) {
      throw new ModelLoadException(ModelLoadException.Reason.INCOMPATIBLE_SETTINGS, modelFile,
          "llama.cpp's CPU variant is chosen once per JVM, and is " + loaded.natives.cpuVariant
              + "; this model asks for " + config.cpuVariant(), null);
    }
    return loaded;
  }

  /**
   * Every struct's size and every named field's offset as the bindings lay them out, keyed as the
   * natives' {@code layout.properties} keys them ({@code llama_context_params.sizeof},
   * {@code llama_context_params.n_threads}), for the test that compares the two.
   */
  static java.util.Map<String, Long> layouts() {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    java.util.Map<String, StructLayout> structs = java.util.Map.of(
        "llama_model_params", MODEL_PARAMS, "llama_context_params", CONTEXT_PARAMS, "llama_batch", BATCH,
        "llama_token_data", TOKEN_DATA, "llama_token_data_array", TOKEN_DATA_ARRAY, "llama_logit_bias", LOGIT_BIAS,
        "llama_sampler_chain_params", SAMPLER_CHAIN_PARAMS, "llama_chat_message", CHAT_MESSAGE,
        "ggml_threadpool_params", THREADPOOL_PARAMS);
    structs.forEach((name, layout) -> {
      out.put(name + ".sizeof", layout.byteSize());
      for (MemoryLayout member : layout.memberLayouts()) {
        member.name().ifPresent(field -> out.put(name + "." + field, offset(layout, field)));
      }
    });
    return out;
  }

  /** llama.cpp's log callback: to SLF4J, debug lines dropped unless enabled. Never throws. */
  private static void log(int level, MemorySegment text, MemorySegment userData) {
    try {
      Logger log = NativeLog.LOG;
      boolean enabled = switch (level) {
        case LOG_ERROR -> log.isErrorEnabled();
        case LOG_WARN -> log.isWarnEnabled();
        case LOG_INFO -> log.isInfoEnabled();
        default -> log.isDebugEnabled();
      };
      if (!enabled) {
        return;
      }
      String line = text.reinterpret(Integer.MAX_VALUE).getString(0).stripTrailing();
      if (line.isEmpty()) {
        return;
      }
      switch (level) {
        case LOG_ERROR -> log.error(line);
        case LOG_WARN -> log.warn(line);
        case LOG_INFO -> log.info(line);
        default -> log.debug(line);
      }
    } catch (Throwable ignored) {
      // An exception escaping an upcall would end the JVM.
    }
  }

  static RuntimeException rethrow(Throwable e) {
    if (e instanceof RuntimeException r) {
      throw r;
    }
    if (e instanceof Error err) {
      throw err;
    }
    throw new IllegalStateException("native call failed", e);
  }

  /**
   * A field's byte offset in its struct, for {@code segment.set(JAVA_INT, offset, value)}: plain
   * offsets rather than one {@code VarHandle} per field, each of which spins method-handle classes
   * that stay in the JVM for its life (measured with {@code MemoryFootprint}).
   */
  private static long offset(StructLayout layout, String name) {
    // Summed over the members rather than through layout paths, whose machinery is ~20 more
    // classes; the layouts spell out their padding, so the sum is the C offset.
    long at = 0;
    for (MemoryLayout member : layout.memberLayouts()) {
      if (member.name().filter(name::equals).isPresent()) {
        return at;
      }
      at += member.byteSize();
    }
    throw new IllegalArgumentException(layout + " has no field " + name);
  }

  /** Looks functions up, failing with the name of the first one missing. */
  static final class Binder {
    private final Linker linker;
    private final SymbolLookup lookup;
    private final Path file;
    private final Path modelFile;

    Binder(Linker linker, SymbolLookup lookup, Path file, Path modelFile) {
      this.linker = linker;
      this.lookup = lookup;
      this.file = file;
      this.modelFile = modelFile;
    }

    MethodHandle bind(String name, FunctionDescriptor descriptor) {
      return linker.downcallHandle(find(name), descriptor);
    }

    Lazy lazy(String name, FunctionDescriptor descriptor) {
      return new Lazy(linker, find(name), descriptor);
    }

    private MemorySegment find(String name) {
      return lookup.find(name).orElseThrow(() -> new ModelLoadException(
          ModelLoadException.Reason.LOAD_FAILED, modelFile, "the llama.cpp library " + file + " has no function "
              + name + " (Parley's FFM engine binds llama.cpp release " + Natives.RELEASE + ")", null));
    }
  }

  /**
   * A function of an optional path (sampler chains, saved states, thread changes), looked up when
   * the library is bound, so that a missing one still fails the load, but linked at its first
   * call: each distinct signature spins method-handle classes that the JVM keeps for its life
   * (~10 a signature, ~0.1 MB resident), which a server that only decodes greedily never needs.
   */
  static final class Lazy {
    private final Linker linker;
    private final MemorySegment symbol;
    private final FunctionDescriptor descriptor;
    private volatile @Nullable MethodHandle handle;

    Lazy(Linker linker, MemorySegment symbol, FunctionDescriptor descriptor) {
      this.linker = linker;
      this.symbol = symbol;
      this.descriptor = descriptor;
    }

    /** The downcall handle, linked on first use (two threads racing link the same handle). */
    MethodHandle get() {
      MethodHandle h = handle;
      if (h == null) {
        h = linker.downcallHandle(symbol, descriptor);
        handle = h;
      }
      return h;
    }
  }
}
