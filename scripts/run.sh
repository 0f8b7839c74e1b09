#!/usr/bin/env bash
# Parley's main job: builds the examples (the first run downloads Maven dependencies) and starts
# the example chat server on http://127.0.0.1:8080. Arguments go to the server; try --help.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-tools.sh
. scripts/lib/find-jdks.sh
ensure_tools cmake=cmake cc=gcc c++=g++ git=git npm=npm readelf=binutils
find_jdks
export JAVA_HOME="$JDK17_HOME"

mvn -B -ntp -q -DskipTests $(jdk22_maven_args) -pl chat-examples -am package
# On a JDK 22+ the model runs on chat-llama's FFM engine (one batched decode loop), else on JNI.
java="${JDK22_HOME:-$JDK17_HOME}/bin/java"
exec "$java" -jar chat-examples/target/parley-examples.jar "$@"
