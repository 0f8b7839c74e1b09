// What Parley's C probes (tg-loop.c, turn-step.c) share: the library's functions looked up by name
// with dlsym (the probes run over any library with llama.cpp's C API), a silent log callback and
// a monotonic clock.
#ifndef PARLEY_PROBE_H
#define PARLEY_PROBE_H
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "llama.h"
#include "ggml-backend.h"

// Declares p_NAME, NAME's address in `lib`; does `fail` (SYM: returns 1) if it is missing.
#define LOOKUP(name, fail) __typeof__(&name) p_##name = (__typeof__(&name)) dlsym(lib, #name); \
  if (!p_##name) { fprintf(stderr, "the library has no %s\n", #name); fail; }
#define SYM(name) LOOKUP(name, return 1)

static void quiet(enum ggml_log_level level, const char *text, void *user) { (void) level; (void) text; (void) user; }

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

// Loads the model at `path` on the CPU through `lib`, llama.cpp's log silenced; NULL (said why) if
// it cannot.
static struct llama_model *load_model(void *lib, const char *lib_path, const char *path) {
  LOOKUP(llama_log_set, return NULL) LOOKUP(llama_backend_init, return NULL)
  LOOKUP(llama_model_default_params, return NULL) LOOKUP(llama_model_load_from_file, return NULL)
  LOOKUP(ggml_backend_load, return NULL) LOOKUP(ggml_backend_load_all_from_path, return NULL)
  p_llama_log_set(quiet, NULL);
  // GGML_BACKEND_DL builds register no backend until asked: the named CPU variant, else ggml's pick.
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", lib_path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = 0; else snprintf(dir, sizeof dir, ".");
  const char *variant = getenv("PARLEY_CPU_VARIANT");
  if (variant && *variant) {
    char file[8192];
    snprintf(file, sizeof file, "%s/%s", dir, variant);
    if (!p_ggml_backend_load(file)) { fprintf(stderr, "could not load the CPU variant %s\n", file); return NULL; }
  } else {
    p_ggml_backend_load_all_from_path(dir);
  }
  p_llama_backend_init();
  struct llama_model_params mp = p_llama_model_default_params();
  mp.n_gpu_layers = 0;
  struct llama_model *model = p_llama_model_load_from_file(path, mp);
  if (!model) fprintf(stderr, "could not load %s\n", path);
  return model;
}
#endif
