#!/usr/bin/env bash
# Every test suite, as CI runs it: unit, integration (redis-cli, redis-benchmark, redis-py,
# ioredis), the differential test against redis-server, the same under ASan+UBSan, the
# concurrency tests under TSan, and bounded libFuzzer runs of the RESP parser, RDB and AOF loaders.
# Prints one summary line "N passed, N failed" (stages) at the end; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-$(nproc)}
PY=/usr/bin/python3
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
passed=0; failed=0; failures=()

stage() {  # stage NAME COMMAND...
  local name=$1; shift
  echo "=== $name"
  local t0=$SECONDS
  if "$@"; then
    passed=$((passed + 1)); echo "=== $name: ok ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "=== $name: FAILED ($((SECONDS - t0)) s)"
  fi
}

configure() {  # configure DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null && ninja -C "$dir" -j "$JOBS"
}

pytest_run() {  # pytest_run BIN PATHS... [pytest args]
  local bin=$1; shift
  EMBER_BIN="$ROOT/$bin" $PY -m pytest -q -p no:cacheprovider "$@"
}

node_run() {
  [ -d tests/node/node_modules ] || { echo "ioredis not installed (scripts/deps.sh --test)"; return 1; }
  (cd tests/node && EMBER_BIN="$ROOT/build/ember-server" node --test)
}

# Formatting (.clang-format: Google style, 100 columns).
format_check() {
  git ls-files 'src/*.cc' 'src/*.h' 'fuzz/*.cc' 'bench/*.cc' 'examples/*.cc' 'include/*.h' |
    xargs clang-format --dry-run --Werror
}
command -v clang-format >/dev/null && [ -d .git ] && stage "clang-format check" format_check

# Release.
stage "build (release)" configure build -DCMAKE_BUILD_TYPE=Release
stage "unit tests" ctest --test-dir build --output-on-failure -j "$JOBS"
stage "integration tests" pytest_run build/ember-server tests/integration
stage "differential test vs redis-server" pytest_run build/ember-server tests/diff
stage "ioredis tests" node_run

# ASan + UBSan.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage "build (asan+ubsan)" configure build-asan -DCMAKE_BUILD_TYPE=Debug -DEMBER_SANITIZE=address -DEMBER_BENCH=OFF
stage "unit tests (asan+ubsan)" ctest --test-dir build-asan --output-on-failure -j "$JOBS"
stage "integration tests (asan+ubsan)" pytest_run build-asan/ember-server tests/integration
diff_asan() { DIFF_SEEDS=3 pytest_run build-asan/ember-server tests/diff; }
stage "differential test (asan+ubsan)" diff_asan

# TSan: the concurrency unit tests (with the snapshot's tests: writer threads against the
# snapshot thread), and the whole integration suite (its multi-client tests
# hammer overlapping keys from many connections over several worker threads).
# FLUSHALL and SWAPDB hold every partition lock of a database: more than the deadlock
# detector tracks, so it is off (lock order is by address, see store/database.h).
export TSAN_OPTIONS=halt_on_error=1:detect_deadlocks=0
stage "build (tsan)" configure build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMBER_SANITIZE=thread -DEMBER_BENCH=OFF
stage "concurrency unit tests (tsan)" ctest --test-dir build-tsan --output-on-failure -j "$JOBS" -R 'Concurren|Stress|Thread|BackgroundSnapshot'
stage "integration tests (tsan)" pytest_run build-tsan/ember-server tests/integration

# Fuzz the RESP parser for a bounded time.
fuzz() {
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
    -DCMAKE_CXX_COMPILER=clang++-14 -DEMBER_FUZZ=ON -DEMBER_TESTS=OFF -DEMBER_BENCH=OFF \
    >/dev/null && ninja -C build-fuzz -j "$JOBS" resp_fuzzer || return 1
  mkdir -p build-fuzz/corpus
  build-fuzz/resp_fuzzer -max_total_time="$FUZZ_SECONDS" -max_len=4096 -timeout=10 \
    -artifact_prefix=build-fuzz/ build-fuzz/corpus fuzz/corpus 2>&1 | tail -n 5
  return "${PIPESTATUS[0]}"
}
stage "fuzz resp parser (${FUZZ_SECONDS}s)" fuzz

# Fuzz the RDB loader for a bounded time (seeded with a file written by redis-server).
RDB_FUZZ_SECONDS=${RDB_FUZZ_SECONDS:-30}
fuzz_rdb() {
  ninja -C build-fuzz -j "$JOBS" rdb_fuzzer || return 1
  mkdir -p build-fuzz/rdb_corpus
  build-fuzz/rdb_fuzzer -max_total_time="$RDB_FUZZ_SECONDS" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix=build-fuzz/rdb- build-fuzz/rdb_corpus fuzz/rdb_corpus \
    2>&1 | tail -n 5
  return "${PIPESTATUS[0]}"
}
stage "fuzz rdb loader (${RDB_FUZZ_SECONDS}s)" fuzz_rdb

# Fuzz the AOF loader and manifest parser for a bounded time.
AOF_FUZZ_SECONDS=${AOF_FUZZ_SECONDS:-30}
fuzz_aof() {
  ninja -C build-fuzz -j "$JOBS" aof_fuzzer || return 1
  mkdir -p build-fuzz/aof_corpus
  build-fuzz/aof_fuzzer -max_total_time="$AOF_FUZZ_SECONDS" -max_len=4096 -timeout=10 \
    -artifact_prefix=build-fuzz/aof- build-fuzz/aof_corpus fuzz/aof_corpus 2>&1 | tail -n 5
  return "${PIPESTATUS[0]}"
}
stage "fuzz aof loader (${AOF_FUZZ_SECONDS}s)" fuzz_aof

echo
[ ${#failures[@]} -gt 0 ] && printf 'failed stage: %s\n' "${failures[@]}"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
