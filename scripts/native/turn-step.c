// The decode step that holds a returning conversation's new prompt tokens, timed in C over any
// library with llama.cpp's C API: the native floor for ConversationLoad's time to first token.
// SEQS sequences each hold HISTORY cells (random tokens, decoded untimed); the timed step is one
// llama_decode of NEW tokens for sequence 0 and one token for each of the others, as the FFM
// engine batches a prompt with the other conversations' next tokens (micro-batches of 64, as the
// engine). After each step the step's cells are removed again, so every repetition sees the same
// history.
//
// Built by scripts/lib/native-llama.sh into the native tools' folder (parley-turn-step), against
// llama.cpp 0.4.0's headers (the release the FFM engine binds).
//
//   parley-turn-step LIB MODEL THREADS SEQS HISTORY NEW REPS [FLASH_ATTN 0|1 (1)] [CONTEXT]
//
// CONTEXT is the KV cache's cells, by default SEQS x (HISTORY + NEW + 64). In the environment,
// KV_UNIFIED=0 gives each sequence its own KV stream (as the engine and llama-server run several
// slots) and UBATCH sets the micro-batch (64).
//
// Prints the median and the range of the step's milliseconds over REPS steps (after two warm-up
// steps). Turn 6 against turn 1 on the same library and machine: run it at turn 1's history and new
// tokens, then at turn 6's, interleaved.
#include "probe.h"

static int by_value(const void *a, const void *b) {
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void add(struct llama_batch *b, llama_token token, int pos, int seq, int logits) {
  b->token[b->n_tokens] = token;
  b->pos[b->n_tokens] = pos;
  b->n_seq_id[b->n_tokens] = 1;
  b->seq_id[b->n_tokens][0] = seq;
  b->logits[b->n_tokens] = (int8_t) logits;
  b->n_tokens++;
}

int main(int argc, char **argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: %s LIB MODEL THREADS SEQS HISTORY NEW REPS [FLASH_ATTN] [CONTEXT]\n", argv[0]);
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
  if (!lib) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  int threads = atoi(argv[3]), seqs = atoi(argv[4]), history = atoi(argv[5]), fresh = atoi(argv[6]);
  int reps = atoi(argv[7]);
  int flash = argc > 8 ? atoi(argv[8]) : 1;
  int context = argc > 9 ? atoi(argv[9]) : seqs * (history + fresh + 64);
  if (threads < 1 || seqs < 1 || history < 1 || fresh < 1 || reps < 1 || context < seqs * (history + fresh)) {
    fprintf(stderr, "threads, seqs, history, new and reps must be positive; context must hold seqs x (history + new)\n");
    return 2;
  }
 
  SYM(llama_context_default_params) SYM(llama_init_from_model) SYM(llama_decode) SYM(llama_batch_init)
  SYM(llama_synchronize) SYM(llama_memory_seq_rm) SYM(llama_get_memory) SYM(llama_model_get_vocab) SYM(llama_vocab_n_tokens)
 
  struct llama_model *model = load_model(lib, argv[1], argv[2]);
  if (!model) return 1;
  int step = fresh + seqs - 1;
  int capacity = history > step ? history : step;
  struct llama_context_params cp = p_llama_context_default_params();
  cp.n_ctx = context;
  cp.n_batch = capacity;
  cp.n_ubatch = getenv("UBATCH") ? atoi(getenv("UBATCH")) : 64;
  cp.n_seq_max = seqs;
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.flash_attn_type = flash ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
  cp.kv_unified = getenv("KV_UNIFIED") ? atoi(getenv("KV_UNIFIED")) : 1;
  cp.no_perf = 1;
  struct llama_context *ctx = p_llama_init_from_model(model, cp);
  if (!ctx) { fprintf(stderr, "could not create a context of %u cells\n", cp.n_ctx); return 1; }
  int n_vocab = p_llama_vocab_n_tokens(p_llama_model_get_vocab(model));
  struct llama_batch b = p_llama_batch_init(capacity, 0, 1);
  srand(1234);
  for (int s = 0; s < seqs; s++) { // the histories, one sequence at a time, untimed
    b.n_tokens = 0;
    for (int i = 0; i < history; i++) add(&b, rand() % n_vocab, i, s, i == history - 1);
    if (p_llama_decode(ctx, b) != 0) { fprintf(stderr, "decoding a history failed\n"); return 1; }
  }
  double *ms = malloc(sizeof(double) * reps);
  for (int r = -2; r < reps; r++) {
    b.n_tokens = 0;
    for (int i = 0; i < fresh; i++) add(&b, rand() % n_vocab, history + i, 0, i == fresh - 1);
    for (int s = 1; s < seqs; s++) add(&b, rand() % n_vocab, history, s, 1);
    double start = now();
    if (p_llama_decode(ctx, b) != 0) { fprintf(stderr, "the step failed\n"); return 1; }
    p_llama_synchronize(ctx);
    double took = (now() - start) * 1e3;
    if (r >= 0) ms[r] = took;
    for (int s = 0; s < seqs; s++) p_llama_memory_seq_rm(p_llama_get_memory(ctx), s, history, -1);
  }
  qsort(ms, reps, sizeof(double), by_value);
  printf("%.2f ms (%.2f-%.2f), %d tokens, history %d x %d sequences\n", ms[reps / 2], ms[0], ms[reps - 1], step,
      history, seqs);
  return 0;
}
