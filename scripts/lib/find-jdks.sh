# Sourced by scripts/test.sh, run.sh and bench.sh: finds the two JDKs Parley builds with.
#
# JDK17_HOME: a JDK 17-21 that runs Maven (Parley's baseline: every module's tests run on it, and
# chat-llama's run on its JNI engine). JDK22_HOME: a JDK 22 or newer, which compiles chat-llama's
# FFM engine into its multi-release jar and runs chat-llama's tests again on it. Each is looked for
# in JAVA_HOME, then on the PATH, then under /usr/lib/jvm. Debian's packages have no JDK newer than
# 17: install one (Temurin 25, say) under /usr/lib/jvm, or point PARLEY_JDK22 at it.
jdk_feature() { # prints the feature version of the JDK at $1, or nothing
  local javac="$1/bin/javac"
  [ -x "$javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

find_jdks() {
  local candidates=() c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for c in /usr/lib/jvm/*; do [ -d "$c" ] && candidates+=("$c"); done
  JDK17_HOME="${PARLEY_JDK17:-}"
  JDK22_HOME="${PARLEY_JDK22:-}"
  for c in "${candidates[@]}"; do
    v="$(jdk_feature "$c")"
    [ -n "$v" ] || continue
    if [ -z "$JDK17_HOME" ] && [ "$v" -ge 17 ] && [ "$v" -le 21 ]; then JDK17_HOME="$c"; fi
    if [ -z "$JDK22_HOME" ] && [ "$v" -ge 22 ]; then JDK22_HOME="$c"; fi
  done
  if [ -z "$JDK17_HOME" ]; then
    echo "error: no JDK 17-21 found (JAVA_HOME, PATH, /usr/lib/jvm): apt-get install openjdk-17-jdk-headless" >&2
    return 1
  fi
  export JDK17_HOME JDK22_HOME
  if [ -z "$JDK22_HOME" ]; then
    if [ "${CI:-}" = "true" ]; then
      echo "error: no JDK 22 or newer found (PARLEY_JDK22, JAVA_HOME, PATH, /usr/lib/jvm); chat-llama's FFM engine" \
        "needs one to build and be tested: install a JDK 22+ (Temurin 25, say) under /usr/lib/jvm" >&2
      return 1
    fi
    echo "warning: no JDK 22 or newer found; building without chat-llama's FFM engine (JNI engine only)." \
      "Install a JDK 22+ (Temurin 25, say) under /usr/lib/jvm or set PARLEY_JDK22." >&2
  fi
}

# Maven arguments that build the FFM engine, when a JDK 22+ was found.
jdk22_maven_args() {
  if [ -n "${JDK22_HOME:-}" ]; then echo "-Dparley.jdk22.home=$JDK22_HOME"; fi
}
