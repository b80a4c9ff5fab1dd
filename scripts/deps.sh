#!/usr/bin/env bash
# Installs what Ember needs to build and test, only if missing. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(cmake ninja-build g++ make pkg-config libgtest-dev libgmock-dev libbenchmark-dev
      libxxhash-dev clang-14 libclang-rt-14-dev redis-server redis-tools python3-redis
      python3-pytest netcat-openbsd tmux procps libedit-dev)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Node client for the integration tests (ioredis), pinned by package-lock.json.
if [ "${1:-}" = "--test" ] && [ -f tests/node/package-lock.json ] && [ ! -d tests/node/node_modules/ioredis ]; then
  (cd tests/node && npm ci --no-audit --no-fund --silent)
fi
