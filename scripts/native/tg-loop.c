// llama-bench's token-generation loop (one token decoded at a time, no sampling) over any library
// that exports llama.cpp 0.4.0's C API, loaded with dlopen: chat-llama-natives' libllama.so.0, which
// Parley's FFM engine calls, or another build of the same release (node-llama-cpp's prebuilt one). It separates "the library is slower" from "the
// engine's loop is slower" when the engine is compared with llama-bench.
//
// Built by scripts/lib/native-llama.sh into the native tools' folder (parley-tg-loop), against
// llama.cpp 0.4.0's headers (the release the FFM engine binds).
//
//   parley-tg-loop LIB MODEL THREADS TOKENS REPS CONTEXT [FLASH_ATTN 0|1] [HISTORY_TOKENS]
//
// LIB's folder must hold its libggml*.so; the CPU variant is PARLEY_CPU_VARIANT (a file name such
// as libggml-cpu-haswell.so in that folder) or, unset, the one ggml scores best.
//
// Prints the mean tokens/s of REPS runs (after one warm-up decode). HISTORY_TOKENS random tokens are
// decoded first (untimed), as a conversation's history. With SAMPLE=1 in the environment it also
// draws a token after every decode through a greedy sampler chain, twice: with llama_sampler_sample
// and into a candidate array kept across draws, and prints the time of each.
//
// The engine's settings, one at a time: UBATCH=N and NBATCH=N set the context's micro-batch and
// batch (512 and 2048 here; the FFM engine uses 64 and slots + 128), KV_UNIFIED=0 gives each
// sequence its own stream (the engine's default), and THREADPOOL=1 attaches a ggml thread pool of
// THREADS threads as the engine does (it needs PARLEY_CPU_VARIANT, whose library holds
// ggml_threadpool_new); without it ggml starts threads for every graph.
#include "probe.h"

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s LIB MODEL THREADS TOKENS REPS CONTEXT [FLASH_ATTN] [HISTORY_TOKENS]\n", argv[0]);
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
  if (!lib) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  int threads = atoi(argv[3]), tokens = atoi(argv[4]), reps = atoi(argv[5]), context = atoi(argv[6]);
  int flash = argc > 7 ? atoi(argv[7]) : 0;
  int history = argc > 8 ? atoi(argv[8]) : 0;
  if (threads < 1 || tokens < 1 || reps < 1 || context < history + tokens + 1) {
    fprintf(stderr, "threads, tokens and reps must be positive; context must hold history + tokens + 1\n");
    return 2;
  }
 
  SYM(llama_context_default_params) SYM(llama_init_from_model) SYM(llama_decode) SYM(llama_batch_get_one)
  SYM(llama_synchronize) SYM(llama_memory_clear) SYM(llama_get_memory) SYM(llama_model_get_vocab) SYM(llama_vocab_n_tokens)
  SYM(llama_vocab_bos) SYM(llama_sampler_chain_default_params) SYM(llama_sampler_chain_init)
  SYM(llama_sampler_chain_add) SYM(llama_sampler_init_greedy) SYM(llama_sampler_sample) SYM(llama_sampler_apply)
  SYM(llama_get_logits_ith)
  struct llama_model *model = load_model(lib, argv[1], argv[2]);
  if (!model) return 1;
  struct llama_context_params cp = p_llama_context_default_params();
  cp.n_ctx = context;
  cp.n_batch = getenv("NBATCH") ? atoi(getenv("NBATCH")) : 2048;
  cp.n_ubatch = getenv("UBATCH") ? atoi(getenv("UBATCH")) : 512;
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.flash_attn_type = flash ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
  cp.kv_unified = getenv("KV_UNIFIED") ? atoi(getenv("KV_UNIFIED")) : 1;
  cp.no_perf = 1;
  struct llama_context *ctx = p_llama_init_from_model(model, cp);
  if (!ctx) { fprintf(stderr, "could not create a context of %d cells\n", context); return 1; }
  if (getenv("THREADPOOL") && atoi(getenv("THREADPOOL"))) {
    const char *variant = getenv("PARLEY_CPU_VARIANT");
    char file[8192];
    snprintf(file, sizeof file, "%s", argv[1]);
    char *slash = strrchr(file, '/');
    if (!variant || !slash) { fprintf(stderr, "THREADPOOL=1 needs PARLEY_CPU_VARIANT and a LIB path\n"); return 2; }
    snprintf(slash + 1, sizeof file - (slash + 1 - file), "%s", variant);
    void *cpu = dlopen(file, RTLD_NOW | RTLD_NOLOAD);
    struct ggml_threadpool *(*tp_new)(struct ggml_threadpool_params *) = cpu ? dlsym(cpu, "ggml_threadpool_new") : NULL;
    SYM(ggml_threadpool_params_default) SYM(llama_attach_threadpool)
    if (!tp_new) { fprintf(stderr, "%s has no ggml_threadpool_new\n", file); return 1; }
    struct ggml_threadpool_params tpp = p_ggml_threadpool_params_default(threads);
    struct ggml_threadpool *pool = tp_new(&tpp);
    if (!pool) { fprintf(stderr, "ggml could not start %d threads\n", threads); return 1; }
    p_llama_attach_threadpool(ctx, pool, pool);
  }
  const struct llama_vocab *vocab = p_llama_model_get_vocab(model);
  int n_vocab = p_llama_vocab_n_tokens(vocab);
  int sample = getenv("SAMPLE") != NULL;
  struct llama_sampler *chain = p_llama_sampler_chain_init(p_llama_sampler_chain_default_params());
  p_llama_sampler_chain_add(chain, p_llama_sampler_init_greedy());
  llama_token_data *kept = malloc(sizeof(llama_token_data) * n_vocab);
  double per_call = 0, into_kept = 0, sum = 0;
  long draws = 0;
  srand(1234);
  for (int r = -1; r < reps; r++) { // r == -1: warm-up, as llama-bench does
    p_llama_memory_clear(p_llama_get_memory(ctx), true);
    if (history > 0) {
      llama_token *h = malloc(sizeof(llama_token) * history);
      for (int i = 0; i < history; i++) h[i] = rand() % n_vocab;
      if (p_llama_decode(ctx, p_llama_batch_get_one(h, history)) != 0) { fprintf(stderr, "decoding the history failed\n"); return 1; }
      free(h);
    }
    llama_token token = p_llama_vocab_bos(vocab);
    int n = r < 0 ? 1 : tokens;
    double start = now();
    for (int i = 0; i < n; i++) {
      if (p_llama_decode(ctx, p_llama_batch_get_one(&token, 1)) != 0) { fprintf(stderr, "decode failed\n"); return 1; }
      p_llama_synchronize(ctx);
      token = rand() % n_vocab;
      if (sample && r >= 0) {
        double t0 = now();
        llama_token drawn = p_llama_sampler_sample(chain, ctx, -1);
        double t1 = now();
        const float *logits = p_llama_get_logits_ith(ctx, -1);
        for (int v = 0; v < n_vocab; v++) { kept[v].id = v; kept[v].logit = logits[v]; kept[v].p = 0; }
        llama_token_data_array candidates = { kept, (size_t) n_vocab, -1, false };
        p_llama_sampler_apply(chain, &candidates);
        double t2 = now();
        if (kept[candidates.selected].id != drawn) { fprintf(stderr, "the two draws differ\n"); return 1; }
        per_call += t1 - t0;
        into_kept += t2 - t1;
        draws++;
        token = drawn;
      }
    }
    if (r >= 0) sum += n / (now() - start);
  }
  if (sample) {
    printf("draw: llama_sampler_sample %.1f us, kept array %.1f us (vocabulary %d)\n",
        per_call / draws * 1e6, into_kept / draws * 1e6, n_vocab);
  }
  printf("%.2f\n", sum / reps);
  return 0;
}
