# Sourced by scripts/bench.sh: builds llama.cpp's own tools (llama-bench, llama-batched-bench,
# llama-server), the native reference every inference benchmark is compared with in the same run,
# and parley-tg-loop (scripts/native/tg-loop.c): llama-bench's loop over any library's C API.
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
      && [ -x "$NATIVE_LLAMA_BIN/llama-server" ] && [ -x "$NATIVE_LLAMA_BIN/parley-tg-loop" ]; then
    return 0
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
    # llama-bench's loop over any library with llama.cpp's C API (the jar's own, for instance).
    cc -O2 -Isrc/include -Isrc/ggml/include "$repo/scripts/native/tg-loop.c" -o "$cache/bin/parley-tg-loop" -ldl
  ) || { rm -rf "$work"; echo "error: building llama.cpp's tools failed" >&2; return 1; }
  rm -rf "$work"
}
