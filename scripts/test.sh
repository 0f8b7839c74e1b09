#!/usr/bin/env bash
# Parley's test command: installs what the tests need when it is missing, then runs every test
# (unit, integration and architecture checks) with Maven. Extra arguments go to Maven.
#
# Installs from Debian when missing: a JDK, Maven, redis-server and postgresql (the tests start
# their own servers on free loopback ports and stop them), chromium and chromium-driver (the chat
# page is tested in a real headless browser). Models are read from ../shared/models beside the checkout, or from $PARLEY_MODELS_DIR.
# Under CI=true a missing model is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-tools.sh
ensure_tools redis-server=redis-server pg_ctlcluster=postgresql chromium=chromium chromedriver=chromium-driver

models_dir="${PARLEY_MODELS_DIR:-$(cd .. && pwd)/shared/models}"
if [ ! -f "$models_dir/llama-2-tiny-random.gguf" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "error: no test model at $models_dir/llama-2-tiny-random.gguf (set PARLEY_MODELS_DIR)" >&2
    exit 1
  fi
  echo "warning: no test model at $models_dir; tests that need one will fail" >&2
fi

export PARLEY_MODELS_DIR="$models_dir"
exec mvn -B -ntp verify "$@"
