#!/usr/bin/env bash
# Parley's test command: installs what the tests need when it is missing, then runs every test
# (unit, integration and architecture checks) with Maven. Extra arguments go to Maven.
#
# Needs a JDK 17 (installed from Debian when missing) and a JDK 22 or newer for chat-llama's FFM
# engine (found in JAVA_HOME, on the PATH or under /usr/lib/jvm; Debian has none: see
# scripts/lib/find-jdks.sh). Installs from Debian when missing: Maven, redis-server and postgresql (the tests start
# their own servers on free loopback ports and stop them), chromium and chromium-driver (the chat
# page is tested in a real headless browser), python3-jinja2 (chat templates are checked against
# Python's jinja2), and cmake, gcc, g++, git, npm and binutils
# (chat-llama-natives builds llama.cpp from source the first time; cached under ~/.cache/parley).
# Models are read from ../shared/models beside the checkout, or from $PARLEY_MODELS_DIR.
# Under CI=true a missing model is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-tools.sh
. scripts/lib/find-jdks.sh
ensure_tools redis-server=redis-server pg_ctlcluster=postgresql chromium=chromium chromedriver=chromium-driver \
  cmake=cmake cc=gcc c++=g++ git=git npm=npm readelf=binutils
# chat-templates renders every shared chat template with Python's jinja2 too and compares.
ensure_python_modules jinja2=python3-jinja2
# Maven and every module's tests run on JDK 17; chat-llama's tests run again on the JDK 22+
# against its multi-release jar (the FFM engine). Under CI=true a missing JDK 22+ is an error.
find_jdks
export JAVA_HOME="$JDK17_HOME"

models_dir="${PARLEY_MODELS_DIR:-$(cd .. && pwd)/shared/models}"
if [ ! -f "$models_dir/llama-2-tiny-random.gguf" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "error: no test model at $models_dir/llama-2-tiny-random.gguf (set PARLEY_MODELS_DIR)" >&2
    exit 1
  fi
  echo "warning: no test model at $models_dir; tests that need one will fail" >&2
fi

export PARLEY_MODELS_DIR="$models_dir"
# install, not verify: chat-examples' ReadmeConsumerIT builds a project of the README alone against the
# artifacts this build installed.
exec mvn -B -ntp install $(jdk22_maven_args) "$@"
