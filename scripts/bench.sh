#!/usr/bin/env bash
# Parley's quick benchmark profile: builds the benchmarks jar, runs every JMH suite against its
# baseline in the same run (about a quarter of an hour on 2 cores), and writes
# benchmarks/target/quick-profile/results.json and results.md (tables with ratio columns).
# Arguments go to QuickProfile: --out DIR, --only REGEX (e.g. --only 'conversation|cache').
#
# Native reference: llama.cpp 0.4.0's llama-bench, llama-batched-bench and llama-server, built on
# first use in the same build as chat-llama-natives' libraries (scripts/lib/native-llama.sh) and run
# on the same model between JMH runs.
#
# Models: the tiny model from ../shared/models (or $PARLEY_MODELS_DIR); the synthetic 135M-shape
# model is generated from it on first use into ~/.cache/parley/synthetic (or $PARLEY_CACHE_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-tools.sh
. scripts/lib/find-jdks.sh
. scripts/lib/native-llama.sh
ensure_tools cmake=cmake npm=npm git=git cc=gcc c++=g++ readelf=binutils
find_jdks
# llama.cpp's own tools, the native reference measured in the same run (built once, cached).
ensure_native_llama
export PARLEY_NATIVE_LLAMA_BIN="$NATIVE_LLAMA_BIN"
export JAVA_HOME="$JDK17_HOME"

models_dir="${PARLEY_MODELS_DIR:-$(cd .. && pwd)/shared/models}"
if [ ! -f "$models_dir/llama-2-tiny-random.gguf" ]; then
  echo "error: no model at $models_dir/llama-2-tiny-random.gguf (set PARLEY_MODELS_DIR)" >&2
  exit 1
fi
export PARLEY_MODELS_DIR="$models_dir"

mvn -B -ntp -q -DskipTests $(jdk22_maven_args) -pl benchmarks -am package
# On a JDK 22+ ModelPool and LlamaChatModel run on the FFM engine.
java="${JDK22_HOME:-$JDK17_HOME}/bin/java"
native_access=""
[ -n "${JDK22_HOME:-}" ] && native_access="--enable-native-access=ALL-UNNAMED"
exec "$java" $native_access -cp benchmarks/target/benchmarks.jar dev.parley.benchmarks.QuickProfile "$@"
