# Sourced by scripts/test.sh and scripts/run.sh: installs a JDK (17 or newer) and Maven from
# Debian's packages when either is missing, so both commands work on a fresh machine.
ensure_tools() {
  local need=()
  if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1 \
      || ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then
    need+=(openjdk-17-jdk-headless)
  fi
  command -v mvn >/dev/null 2>&1 || need+=(maven)
  if [ "${#need[@]}" -gt 0 ]; then
    echo "Installing ${need[*]} from Debian's packages..."
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
  fi
}
