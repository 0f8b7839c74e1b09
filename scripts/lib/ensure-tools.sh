# Sourced by scripts/test.sh and scripts/run.sh: installs a JDK (17 or newer), Maven and any
# command named in the arguments (as command=debian-package) from Debian's packages when missing,
# so both commands work on a fresh machine.
#
# Servers (redis-server, ...) are installed with RUNLEVEL=1 so that their packages do not start a
# system service: the tests start their own instances on free loopback ports and stop them.
ensure_tools() {
  local need=()
  if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1 \
      || ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then
    need+=(openjdk-17-jdk-headless)
  fi
  command -v mvn >/dev/null 2>&1 || need+=(maven)
  local spec
  for spec in "$@"; do
    local cmd="${spec%%=*}" pkg="${spec#*=}"
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/bin/$cmd" ] && [ ! -x "/usr/sbin/$cmd" ]; then
      need+=("$pkg")
    fi
  done
  apt_install "${need[@]}"
}

# Installs the Debian packages named, if any (as root, or through sudo).
apt_install() {
  [ "$#" -gt 0 ] || return 0
  echo "Installing $* from Debian's packages..."
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y --no-install-recommends "$@"
}

# Installs Debian's package for each Python module named (as module=debian-package) that Debian's
# python3 (/usr/bin/python3) cannot import, and python3 itself when it is missing.
ensure_python_modules() {
  local need=()
  [ -x /usr/bin/python3 ] || need+=(python3)
  local spec
  for spec in "$@"; do
    local module="${spec%%=*}" pkg="${spec#*=}"
    if [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -c "import $module" >/dev/null 2>&1; then
      need+=("$pkg")
    fi
  done
  apt_install "${need[@]}"
}
