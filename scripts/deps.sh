#!/usr/bin/env bash
# Installs what Ember needs, only if missing. Safe to run repeatedly.
#   scripts/deps.sh          build dependencies (make run)
#   scripts/deps.sh --test   build and test dependencies (make test): redis-server as the
#                            oracle, redis-tools, redis-py, pytest, clang for fuzzing, ioredis
#   scripts/deps.sh --bench  build and benchmark dependencies (make bench, bench/*): redis-server
#                            and redis-benchmark, perf, valgrind, matplotlib for the plots,
#                            Google Benchmark for ember-microbench
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PKGS=(cmake ninja-build g++ make pkg-config libxxhash-dev libedit-dev libjemalloc-dev
            libmimalloc-dev)
TEST_PKGS=(libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev redis-server
           redis-tools python3-redis python3-pytest netcat-openbsd tmux procps valgrind
           clang-format)
BENCH_PKGS=(redis-server redis-tools linux-perf valgrind python3-matplotlib util-linux procps
            libbenchmark-dev)

want=("${BUILD_PKGS[@]}")
[ "${1:-}" = "--test" ] && want+=("${TEST_PKGS[@]}")
[ "${1:-}" = "--bench" ] && want+=("${BENCH_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${1:-}" = "--test" ]; then
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  # Debian starts redis-server's service on installation, which would take port 6379 from
  # Ember; the tests start their own oracle instances, so keep services from starting.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    added_policy=1
  fi
  trap '[ "$added_policy" = 1 ] && $SUDO rm -f "$policy"' EXIT
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Node client for the integration tests (ioredis), pinned by package-lock.json.
if [ "${1:-}" = "--test" ] && [ -f tests/node/package-lock.json ] && [ ! -d tests/node/node_modules/ioredis ]; then
  (cd tests/node && npm ci --no-audit --no-fund --silent)
fi
