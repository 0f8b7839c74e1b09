#!/usr/bin/env bash
# Parley's main job: builds the examples (the first run downloads Maven dependencies) and starts
# the example chat server on http://127.0.0.1:8080. Arguments go to the server; try --help.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-tools.sh
ensure_tools

mvn -B -ntp -q -DskipTests -pl chat-examples -am package
exec java -jar chat-examples/target/parley-examples.jar "$@"
