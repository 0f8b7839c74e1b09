// What a decode step of one token per sequence costs by which sequences take part, over any library
// that exports llama.cpp 0.4.0's C API: with a stream of cells per sequence (the FFM engine's
// default) llama.cpp splits a batch into micro-batches of sequences with consecutive ids, so
// sequences 0, 1, 3 take two passes over the weights where 0, 1, 2 take one. StepPlan and
// HoleFilling (chat-llama) shape the engine's steps after what this measures.
//
// Built by scripts/lib/native-llama.sh into the native tools' folder (parley-seq-gaps).
//
//   parley-seq-gaps LIB MODEL UNIFIED THREADS PATTERN...
//
// UNIFIED is 1 for one buffer of cells, 0 for a stream per sequence (8 sequences, 512 cells each).
// Each PATTERN names the sequences that take part, as digits ("0123", "0134567"); each gets a
// 32-token prompt, then 48 steps of one token each are timed, five times. Prints the mean and best
// milliseconds a step. PARLEY_CPU_VARIANT chooses the CPU variant, as for parley-tg-loop.
#include "probe.h"

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s LIB MODEL UNIFIED THREADS PATTERN...\n", argv[0]);
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
  if (!lib) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  SYM(llama_context_default_params) SYM(llama_init_from_model) SYM(llama_decode) SYM(llama_batch_init)
  SYM(llama_synchronize) SYM(llama_memory_clear) SYM(llama_get_memory)
  struct llama_model *model = load_model(lib, argv[1], argv[2]);
  if (!model) return 1;
  int unified = atoi(argv[3]), threads = atoi(argv[4]);
  struct llama_context_params cp = p_llama_context_default_params();
  cp.n_ctx = 8 * 512;
  cp.n_batch = 520;
  cp.n_ubatch = 512;
  cp.n_seq_max = 8;
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
  cp.kv_unified = unified;
  cp.no_perf = 1;
  struct llama_context *ctx = p_llama_init_from_model(model, cp);
  if (!ctx) { fprintf(stderr, "could not create the context\n"); return 1; }
  struct llama_batch b = p_llama_batch_init(512, 0, 1);
  for (int a = 5; a < argc; a++) {
    const char *pattern = argv[a];
    int n = (int) strlen(pattern);
    for (int k = 0; k < n; k++) {
      if (pattern[k] < '0' || pattern[k] > '7') { fprintf(stderr, "sequences are 0-7: %s\n", pattern); return 2; }
    }
    double best = 1e9, sum = 0;
    int reps = 5, steps = 48;
    for (int r = 0; r < reps; r++) {
      p_llama_memory_clear(p_llama_get_memory(ctx), 1);
      for (int k = 0; k < n; k++) {
        b.n_tokens = 32;
        for (int i = 0; i < 32; i++) {
          b.token[i] = 100 + i; b.pos[i] = i; b.n_seq_id[i] = 1; b.seq_id[i][0] = pattern[k] - '0'; b.logits[i] = i == 31;
        }
        if (p_llama_decode(ctx, b)) { fprintf(stderr, "a prompt failed\n"); return 1; }
      }
      double start = now();
      for (int st = 0; st < steps; st++) {
        b.n_tokens = n;
        for (int k = 0; k < n; k++) {
          b.token[k] = 200 + st; b.pos[k] = 32 + st; b.n_seq_id[k] = 1; b.seq_id[k][0] = pattern[k] - '0'; b.logits[k] = 1;
        }
        if (p_llama_decode(ctx, b)) { fprintf(stderr, "a step failed\n"); return 1; }
        p_llama_synchronize(ctx);
      }
      double ms = (now() - start) * 1000 / steps;
      sum += ms;
      if (ms < best) best = ms;
    }
    printf("%s sequences %-8s %6.2f ms a step (best %.2f)\n", unified ? "unified" : "streams", pattern, sum / reps, best);
  }
  return 0;
}
