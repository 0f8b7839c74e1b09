#!/usr/bin/env bash
# Parley's main job: builds the examples (first run downloads Maven dependencies) and starts the
# example program. Arguments go to the program; try --help.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-tools.sh
ensure_tools

mvn -B -ntp -q -DskipTests -pl chat-examples -am package
exec java -jar chat-examples/target/parley-examples.jar "$@"
