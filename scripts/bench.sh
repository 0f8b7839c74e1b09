#!/usr/bin/env bash
# Parley's quick benchmark profile: builds the benchmarks jar, runs every JMH suite against its
# baseline in the same run (about a quarter of an hour on 2 cores), and writes
# benchmarks/target/quick-profile/results.json and results.md (tables with ratio columns).
# Arguments go to QuickProfile: --out DIR, --only REGEX (e.g. --only 'conversation|cache').
#
# Models: the tiny model from ../shared/models (or $PARLEY_MODELS_DIR); the synthetic 135M-shape
# model is generated from it on first use into ~/.cache/parley/synthetic (or $PARLEY_CACHE_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-tools.sh
. scripts/lib/find-jdks.sh
ensure_tools
find_jdks
export JAVA_HOME="$JDK17_HOME"

models_dir="${PARLEY_MODELS_DIR:-$(cd .. && pwd)/shared/models}"
if [ ! -f "$models_dir/llama-2-tiny-random.gguf" ]; then
  echo "error: no model at $models_dir/llama-2-tiny-random.gguf (set PARLEY_MODELS_DIR)" >&2
  exit 1
fi
export PARLEY_MODELS_DIR="$models_dir"

mvn -B -ntp -q -DskipTests $(jdk22_maven_args) -pl benchmarks -am package
# On a JDK 22+ ModelPool and LlamaChatModel run on the FFM engine.
exec "${JDK22_HOME:-$JDK17_HOME}/bin/java" --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.parley.benchmarks.QuickProfile "$@"
