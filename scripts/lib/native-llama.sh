# Sourced by scripts/bench.sh: llama.cpp's own tools (llama-bench, llama-batched-bench,
# llama-server), the native reference every inference benchmark is compared with in the same run,
# and Parley's C probes over any library's C API: parley-tg-loop (scripts/native/tg-loop.c),
# llama-bench's loop, parley-turn-step (scripts/native/turn-step.c), the decode step that holds a
# returning conversation's new tokens, and parley-seq-gaps (scripts/native/seq-gaps.c), what a step
# costs by which sequences take part.
#
# The tools are llama.cpp 0.4.0 built from the same source, with the same flags and in the same
# build as chat-llama-natives' libraries (chat-llama-natives/src/build/build-natives.sh --tools), so
# the FFM engine and its reference run the same kernels. The C probes are built against that
# build's headers. Cached under $PARLEY_CACHE_DIR (default ~/.cache/parley); needs npm, git, cmake
# and a C++ compiler the first time.
NATIVE_LLAMA_TAG=0.4.0

ensure_native_llama() {
  local repo build
  repo="$(pwd)"
  echo "llama.cpp $NATIVE_LLAMA_TAG's tools for the native reference (built once; minutes the first time)..." >&2
  build="$(bash "$repo/chat-llama-natives/src/build/build-natives.sh" --tools)" \
    || { echo "error: building llama.cpp's tools failed" >&2; return 1; }
  NATIVE_LLAMA_BIN="${PARLEY_CACHE_DIR:-$HOME/.cache/parley}/llama.cpp-$NATIVE_LLAMA_TAG-tools"
  export NATIVE_LLAMA_BIN
  mkdir -p "$NATIVE_LLAMA_BIN"
  local tool
  for tool in llama-bench llama-batched-bench llama-server; do
    ln -sfn "$build/$tool" "$NATIVE_LLAMA_BIN/$tool"
  done
  # The libraries the probes are pointed at (and llama-bench's CPU variants) are beside the tools.
  ln -sfn "$build" "$NATIVE_LLAMA_BIN/lib"
  build_native_probes "$build/../../include" "$NATIVE_LLAMA_BIN" "$repo"
}

# Parley's C probes (scripts/native/*.c), built when missing or older than their sources.
build_native_probes() {
  local include="$1" bin="$2" repo="$3" probe
  for probe in tg-loop turn-step seq-gaps; do
    if [ ! -x "$bin/parley-$probe" ] || [ "$repo/scripts/native/$probe.c" -nt "$bin/parley-$probe" ] \
        || [ "$repo/scripts/native/probe.h" -nt "$bin/parley-$probe" ]; then
      cc -O2 -I"$include" "$repo/scripts/native/$probe.c" -o "$bin/parley-$probe" -ldl || return 1
    fi
  done
}
