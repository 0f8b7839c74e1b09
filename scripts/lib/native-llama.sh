# Sourced by scripts/bench.sh: builds llama.cpp's own tools (llama-bench, llama-batched-bench,
# llama-server), the native reference every inference benchmark is compared with in the same run,
# and Parley's two C probes over any library's C API: parley-tg-loop (scripts/native/tg-loop.c),
# llama-bench's loop, and parley-turn-step (scripts/native/turn-step.c), the decode step that holds a
# returning conversation's new tokens.
#
# Source: llama.cpp b4980, the git bundle inside the npm package node-llama-cpp@3.7.0 (the npm
# registry is reachable where GitHub is not); the nearest release to b4916, which java-llama.cpp
# 4.2.0 ships. Built with the CPU features of java-llama.cpp's library (no -march=native), so both
# run the same kernels. Cached under $PARLEY_CACHE_DIR (default ~/.cache/parley); needs npm, git,
# cmake and a C++ compiler.
NATIVE_LLAMA_TAG=b4980
NATIVE_LLAMA_NPM=node-llama-cpp@3.7.0

ensure_native_llama() {
  local cache="${PARLEY_CACHE_DIR:-$HOME/.cache/parley}/llama.cpp-$NATIVE_LLAMA_TAG"
  NATIVE_LLAMA_BIN="$cache/bin"
  export NATIVE_LLAMA_BIN
  if [ -x "$NATIVE_LLAMA_BIN/llama-bench" ] && [ -x "$NATIVE_LLAMA_BIN/llama-batched-bench" ] \
      && [ -x "$NATIVE_LLAMA_BIN/llama-server" ]; then
    # The C probes build in a second from the headers kept beside the tools.
    if [ -f "$cache/include/llama.h" ] && build_native_probes "$cache/include" "$NATIVE_LLAMA_BIN" "$(pwd)"; then
      return 0
    fi
  fi
  local tool
  for tool in npm git cmake c++; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: building llama.cpp's tools needs $tool" >&2; return 1; }
  done
  echo "Building llama.cpp $NATIVE_LLAMA_TAG's llama-bench, llama-batched-bench and llama-server into $cache (a few minutes, once)..." >&2
  local work repo
  repo="$(pwd)"
  work="$(mktemp -d)"
  (
    set -e
    cd "$work"
    npm pack --silent "$NATIVE_LLAMA_NPM" >/dev/null
    tar xzf node-llama-cpp-*.tgz package/llama/gitRelease.bundle package/llama/llama.cpp.info.json
    grep -q "\"$NATIVE_LLAMA_TAG\"" package/llama/llama.cpp.info.json
    git clone -q package/llama/gitRelease.bundle src
    cmake -S src -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF \
      -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON >/dev/null
    cmake --build build -j "$(nproc)" --target llama-bench llama-batched-bench llama-server >/dev/null
    mkdir -p "$cache/bin"
    cp build/bin/llama-bench build/bin/llama-batched-bench build/bin/llama-server "$cache/bin/"
    # The headers the C probes build against, kept for rebuilding them alone.
    mkdir -p "$cache/include"
    cp src/include/llama.h src/include/llama-cpp.h src/ggml/include/*.h "$cache/include/"
    build_native_probes "$cache/include" "$cache/bin" "$repo"
  ) || { rm -rf "$work"; echo "error: building llama.cpp's tools failed" >&2; return 1; }
  rm -rf "$work"
}

# Parley's C probes (scripts/native/*.c), built when missing or older than their sources.
build_native_probes() {
  local include="$1" bin="$2" repo="$3" probe
  for probe in tg-loop turn-step; do
    if [ ! -x "$bin/parley-$probe" ] || [ "$repo/scripts/native/$probe.c" -nt "$bin/parley-$probe" ] \
        || [ "$repo/scripts/native/probe.h" -nt "$bin/parley-$probe" ]; then
      cc -O2 -I"$include" "$repo/scripts/native/$probe.c" -o "$bin/parley-$probe" -ldl || return 1
    fi
  done
}
