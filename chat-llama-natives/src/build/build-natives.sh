#!/usr/bin/env bash
# Builds Parley's llama.cpp natives: llama.cpp v0.4.0 (commit below) as shared libraries with every
# CPU variant ggml has for this machine's architecture (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS; the
# engine picks one at run time), and writes them with what the engine needs to choose among them
# into OUT/dev/parley/llama/natives/PLATFORM/:
#   libllama.so, libggml.so, libggml-base.so, libggml-cpu-*.so   (their sonames kept)
#   natives.properties   version, commit, build flags, each CPU variant's required features
#   layout.properties    sizeof/offsetof of every C struct field the FFM engine writes
#   LICENSE-llama.cpp    llama.cpp's MIT notice
#
# Usage: build-natives.sh OUT
#        build-natives.sh --tools   (also builds llama.cpp's llama-bench, llama-batched-bench and
#                                    llama-server from the same build, for the benchmarks' native
#                                    reference, and prints the folder they are in)
# Source: -Dparley.llama.source or $PARLEY_LLAMA_SOURCE (a git checkout of the pinned commit) when set, else llama.cpp's
# history inside the npm package node-llama-cpp@3.21.1 (llama/gitRelease.bundle). Cached under
# $PARLEY_CACHE_DIR (default ~/.cache/parley) by commit, flags and compiler: the first build takes
# minutes, the next one copies files. Needs cmake, a C and C++ compiler, git and (without a source
# checkout) npm.
set -euo pipefail

LLAMA_RELEASE=0.4.0
LLAMA_COMMIT=80fb11ac73e66d89eae2c6a91d8a77428fa733ed
LLAMA_NPM=node-llama-cpp@3.21.1
# OpenMP off: ggml's own thread pool, so the libraries need no libgomp beside them. Run paths are
# $ORIGIN: a library finds its siblings, never this machine's build folder.
CMAKE_FLAGS=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON
  -DGGML_CPU_ALL_VARIANTS=ON -DGGML_NATIVE=OFF -DGGML_OPENMP=OFF -DLLAMA_OPENSSL=OFF
  -DLLAMA_BUILD_IS_DEV=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF
  -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON '-DCMAKE_INSTALL_RPATH=$ORIGIN')

out="${1:?usage: build-natives.sh OUT | --tools}"
work=""
probe=""
trap 'rm -rf ${work:+"$work"} ${probe:+"$probe"}' EXIT
here="$(cd "$(dirname "$0")" && pwd)"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x86_64 ;;
  Linux-aarch64) platform=linux-aarch64 ;;
  *) echo "error: Parley builds llama.cpp natives for linux-x86_64 and linux-aarch64, not $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

for tool in cmake cc c++ git readelf flock; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: building llama.cpp needs $tool (Debian: apt-get install cmake g++ git)" >&2; exit 1; }
done

compiler="$(c++ --version | head -1)"
key="$(printf '%s\n' "$LLAMA_COMMIT" "${CMAKE_FLAGS[*]}" "$compiler" | sha256sum | cut -c1-16)"
cache="${PARLEY_CACHE_DIR:-$HOME/.cache/parley}/natives/llama.cpp-$LLAMA_RELEASE-$key"
dest="$out/dev/parley/llama/natives/$platform"

# One build at a time per cache folder: a second Maven run on this machine waits for the first.
mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock"
flock 9

if [ ! -f "$cache/done" ]; then
  echo "Building llama.cpp $LLAMA_RELEASE ($LLAMA_COMMIT) with every CPU variant into $cache (minutes, once)..." >&2
  mkdir -p "$cache"
  src="${PARLEY_LLAMA_SOURCE_PROPERTY:-${PARLEY_LLAMA_SOURCE:-}}"
  if [ -z "$src" ]; then
    src="$cache/src"
    if [ ! -d "$src/.git" ]; then
      command -v npm >/dev/null 2>&1 || { echo "error: fetching llama.cpp's source needs npm, or set PARLEY_LLAMA_SOURCE to a checkout of $LLAMA_COMMIT" >&2; exit 1; }
      work="$(mktemp -d)"
      (cd "$work" && npm pack --silent "$LLAMA_NPM" >/dev/null \
        && tar xzf node-llama-cpp-*.tgz package/llama/gitRelease.bundle)
      rm -rf "$src"
      git clone -q --no-checkout "$work/package/llama/gitRelease.bundle" "$src"
      git -C "$src" -c advice.detachedHead=false checkout -q "$LLAMA_COMMIT"
    fi
  fi
  actual="$(git -C "$src" rev-parse HEAD 2>/dev/null || echo "not a git checkout")"
  if [ "$actual" != "$LLAMA_COMMIT" ]; then
    echo "error: $src is at $actual; Parley binds llama.cpp $LLAMA_RELEASE, commit $LLAMA_COMMIT" >&2
    exit 1
  fi
  cmake -S "$src" -B "$cache/build" "${CMAKE_FLAGS[@]}" >"$cache/configure.log" 2>&1 \
    || { tail -30 "$cache/configure.log" >&2; echo "error: configuring llama.cpp failed (log: $cache/configure.log)" >&2; exit 1; }
  # The library and the CPU variants configured for this architecture; no tools.
  targets=(llama $(sed -n 's/^-- Adding CPU backend variant \(ggml-cpu-[A-Za-z0-9_.]*\):.*/\1/p' "$cache/configure.log"))
  cmake --build "$cache/build" -j "$(nproc)" --target "${targets[@]}" >"$cache/build.log" 2>&1 \
    || { tail -30 "$cache/build.log" >&2; echo "error: building llama.cpp failed (log: $cache/build.log)" >&2; exit 1; }
  rm -rf "$cache/include"
  mkdir -p "$cache/include"
  cp "$src/include/llama.h" "$src"/ggml/include/*.h "$cache/include/"
  cp "$src/LICENSE" "$cache/LICENSE-llama.cpp"
  # Each CPU variant and the instruction-set features it was compiled for, as ggml's CMake lists them.
  sed -n 's/^ *ggml_add_cpu_backend_variant(\([A-Za-z0-9_.]*\) *\([A-Z0-9_ ]*\))/\1=\2/p' "$src/ggml/src/CMakeLists.txt" \
    | sed 's/ *$//; s/  */,/g' >"$cache/variants.txt"
  # Each library once, under its soname (libllama.so.0, not the symlink chain a jar cannot hold).
  rm -rf "$cache/lib"
  mkdir -p "$cache/lib"
  for f in "$cache"/build/bin/lib*.so*; do
    [ -L "$f" ] && continue
    soname="$(readelf -d "$f" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')"
    runpath="$(readelf -d "$f" | sed -n 's/.*(\(RPATH\|RUNPATH\)).*\[\(.*\)\]/\2/p')"
    if [ -n "$runpath" ] && [ "$runpath" != '$ORIGIN' ]; then
      echo "error: $f has run path '$runpath'; Parley's libraries look beside themselves only (\$ORIGIN)" >&2
      exit 1
    fi
    cp "$f" "$cache/lib/${soname:-$(basename "$f")}"
  done
  touch "$cache/done"
fi

# llama.cpp's own JSON-Schema-to-grammar converter (Python), which chat-llama's grammar tests compare
# Parley's with: copied to $PARLEY_REFERENCE_OUT when set, never into the jar.
if [ -n "${PARLEY_REFERENCE_OUT:-}" ]; then
  if [ ! -f "$cache/reference/json_schema_to_grammar.py" ]; then
    ref_src="${PARLEY_LLAMA_SOURCE_PROPERTY:-${PARLEY_LLAMA_SOURCE:-$cache/src}}"
    mkdir -p "$cache/reference"
    cp "$ref_src/examples/json_schema_to_grammar.py" "$cache/reference/" \
      || { echo "error: no examples/json_schema_to_grammar.py in $ref_src" >&2; exit 1; }
  fi
  mkdir -p "$PARLEY_REFERENCE_OUT"
  cp "$cache/reference/json_schema_to_grammar.py" "$PARLEY_REFERENCE_OUT/"
fi

# The layout probe: compiled against the build's headers on every run (a second), so a change to
# layout.c needs no rebuild of llama.cpp.
probe="$(mktemp -d)"
cc -O0 -I"$cache/include" "$here/layout.c" -o "$probe/layout" -L"$cache/lib" -l:libllama.so.0 -Wl,-rpath,"$cache/lib"
"$probe/layout" >"$probe/layout.properties"

if [ "$out" = "--tools" ]; then
  cmake --build "$cache/build" -j "$(nproc)" --target llama-bench llama-batched-bench llama-server \
    >"$cache/tools.log" 2>&1 || { tail -30 "$cache/tools.log" >&2; echo "error: building llama.cpp's tools failed" >&2; exit 1; }
  echo "$cache/build/bin"
  exit 0
fi

rm -rf "$dest"
mkdir -p "$dest"
cp "$cache"/lib/*.so* "$dest/"
cp "$cache/LICENSE-llama.cpp" "$probe/layout.properties" "$dest/"
{
  echo "# llama.cpp as Parley built it (chat-llama-natives/src/build/build-natives.sh)"
  echo "release=$LLAMA_RELEASE"
  echo "commit=$LLAMA_COMMIT"
  echo "flags=${CMAKE_FLAGS[*]}"
  echo "compiler=$compiler"
  # variant.NAME=FEATURE,FEATURE: present only for the variants that were built
  while IFS='=' read -r name features; do
    if [ -f "$cache/lib/libggml-cpu-$name.so" ]; then
      echo "variant.$name=$features"
    fi
  done <"$cache/variants.txt"
  # The files in load order, so a loader can extract and open them without listing a jar.
  echo "files=$(cd "$dest" && ls *.so* | tr '\n' ',' | sed 's/,$//')"
} >"$dest/natives.properties"
echo "llama.cpp $LLAMA_RELEASE natives for $platform: $dest" >&2
