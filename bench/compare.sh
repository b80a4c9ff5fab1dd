#!/usr/bin/env bash
# Ember vs Redis benchmark: throughput (redis-benchmark), CPU per request,
# memory per key, SET throughput with the append-only file on (everysec and
# always), and optionally instructions (callgrind) and syscalls (perf) per
# request. See bench/README.md. Prints figures; it is not a test.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
HELPER=(/usr/bin/python3 "$SCRIPT_DIR/compare_helper.py")

# ------------------------------------------------------------ configuration
CONFIG_VARS=(EMBER_BIN REDIS_BIN EMBER_ARGS REDIS_ARGS ROUNDS REQUESTS REQUESTS_P1 REQUESTS_P16
             PIPELINES TESTS CLIENTS VALUE_SIZE KEYSPACE MEM_KEYS CALLGRIND CG_REQUESTS CG_TESTS CG_KEYSPACE PERF
             SERVER_CPU CLIENT_CPU PIN WARMUP SKIP_THROUGHPUT SKIP_MEMORY RESULTS_DIR
             LABEL EMBER_LABEL REDIS_LABEL MULTI_DIV MIX_VALUE_SIZE MIX_KEYSPACE MIX_GETS MIX_PROC_CLIENTS
             AOF AOF_FSYNC AOF_PIPELINES AOF_REQUESTS_P1 AOF_REQUESTS_P16 AOF_KEYSPACE
             AOF_SYSCALLS AOF_TMPDIR)
# Remember what the caller set, to print the exact command line later.
INVOCATION=""
for v in "${CONFIG_VARS[@]}"; do
    if [[ -n "${!v+x}" ]]; then INVOCATION+="$v=$(printf '%q' "${!v}") "; fi
done
INVOCATION+="bench/compare.sh"
for a in "$@"; do INVOCATION+=" $(printf '%q' "$a")"; done

EMBER_BIN=${EMBER_BIN:-$REPO_ROOT/build/ember-server}
REDIS_BIN=${REDIS_BIN:-/usr/bin/redis-server}
EMBER_ARGS=${EMBER_ARGS:-}          # extra server arguments (shell words)
REDIS_ARGS=${REDIS_ARGS:-}
ROUNDS=${ROUNDS:-3}
REQUESTS_P1=${REQUESTS_P1:-${REQUESTS:-200000}}
REQUESTS_P16=${REQUESTS_P16:-${REQUESTS:-1000000}}
PIPELINES=${PIPELINES:-"1 16"}
TESTS=${TESTS:-"set get mset mget incr mix"}
CLIENTS=${CLIENTS:-50}
VALUE_SIZE=${VALUE_SIZE:-64}
KEYSPACE=${KEYSPACE:-1000000}
MEM_KEYS=${MEM_KEYS:-1000000}
MULTI_DIV=${MULTI_DIV:-5}           # MSET/MGET carry 10 keys: requests per run / MULTI_DIV
MIX_VALUE_SIZE=${MIX_VALUE_SIZE:-1024}
MIX_KEYSPACE=${MIX_KEYSPACE:-100000}
MIX_GETS=${MIX_GETS:-10}            # GET processes per SET process: the SET:GET ratio 1:MIX_GETS
MIX_PROC_CLIENTS=${MIX_PROC_CLIENTS:-5}   # clients per redis-benchmark process in the mix
CALLGRIND=${CALLGRIND:-0}
CG_REQUESTS=${CG_REQUESTS:-20000}
CG_KEYSPACE=${CG_KEYSPACE:-100000}   # -r under callgrind (GET: keys prefilled, not counted)
CG_TESTS=${CG_TESTS:-"set get"}
PERF=${PERF:-0}
PIN=${PIN:-1}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
WARMUP=${WARMUP:-1}
SKIP_THROUGHPUT=${SKIP_THROUGHPUT:-0}
SKIP_MEMORY=${SKIP_MEMORY:-0}
LABEL=${LABEL:-}                    # names the run: results directory suffix and report title
# --threads in EMBER_ARGS replaces the default --threads 1 and names the Ember column.
EMBER_THREADS=$(awk '{for (i = 1; i < NF; i++) if ($i == "--threads") t = $(i + 1)} END {print t}' <<<"$EMBER_ARGS")
if [[ -n ${EMBER_LABEL:-} ]]; then :
elif [[ -n $EMBER_THREADS ]]; then EMBER_LABEL="Ember t$EMBER_THREADS"
else EMBER_LABEL=Ember; fi
REDIS_LABEL=${REDIS_LABEL:-Redis}
RESULTS_DIR=${RESULTS_DIR:-$REPO_ROOT/bench/results/$(date +%Y%m%d-%H%M%S)${LABEL:+-$LABEL}}
AOF=${AOF:-1}
AOF_FSYNC=${AOF_FSYNC:-"everysec always"}
AOF_PIPELINES=${AOF_PIPELINES:-"1 16"}
AOF_REQUESTS_P1=${AOF_REQUESTS_P1:-${REQUESTS:-200000}}
AOF_REQUESTS_P16=${AOF_REQUESTS_P16:-${REQUESTS:-500000}}
AOF_KEYSPACE=${AOF_KEYSPACE:-1000000}
AOF_SYSCALLS=${AOF_SYSCALLS:-1}
AOF_TMPDIR=${AOF_TMPDIR:-${TMPDIR:-/tmp}}

usage() {
    sed -n '/^# usage-start/,/^# usage-end/{/^# usage-/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}
# usage-start
# Usage: [VAR=value ...] bench/compare.sh
#
# Compares Ember with Debian's redis-server. All settings are environment variables:
#   EMBER_BIN     Ember binary (default build/ember-server; --threads 1 is passed
#                 only if its name contains "ember")
#   REDIS_BIN     Redis binary (default /usr/bin/redis-server)
#   EMBER_ARGS    extra Ember arguments, e.g. "--threads 2" (replaces the default
#                 --threads 1; the Ember column is then labelled "Ember t2")
#   REDIS_ARGS    extra Redis arguments
#   LABEL         names the run (results directory suffix, report title)
#   EMBER_LABEL / REDIS_LABEL  column names (default Ember [tN] / Redis)
#   ROUNDS        rounds, alternating Ember and Redis (default 3)
#   REQUESTS      requests per run for every pipeline depth (overrides both below)
#   REQUESTS_P1   requests per run at pipeline 1 (default 200000)
#   REQUESTS_P16  requests per run at other pipeline depths (default 1000000)
#   PIPELINES     pipeline depths (default "1 16")
#   TESTS         workloads (default "set get mset mget incr mix"): set, get, incr and mset
#                 (10 keys) are redis-benchmark -t tests; mget is the custom command
#                 MGET key:__rand_int__ x 10; mix is SET:GET 1:10 with 1 KB values (1 SET
#                 and MIX_GETS GET redis-benchmark processes at once, MIX_PROC_CLIENTS
#                 clients and N/(1+MIX_GETS) requests each; req/s = the sum over all)
#   CLIENTS       redis-benchmark -c (default 50);  VALUE_SIZE  -d (default 64)
#   KEYSPACE      redis-benchmark -r, keys prefilled for GET (default 1000000)
#   MULTI_DIV     MSET/MGET runs send REQUESTS_P1|P16 / MULTI_DIV commands (default 5)
#   MIX_VALUE_SIZE / MIX_KEYSPACE / MIX_GETS / MIX_PROC_CLIENTS  mix workload: value bytes
#                 (1024), keys mix:%012d prefilled and -r (100000), GET processes per SET
#                 process (10), clients per process (5: 55 connections in all)
#   MEM_KEYS      keys loaded for the memory measurement (default 1000000)
#   CALLGRIND=1   also count instructions per request (valgrind); CG_REQUESTS (20000)
#                 of each of CG_TESTS (default "set get") at -P 1 -r CG_KEYSPACE (100000,
#                 prefilled for GET), plus callgrind_annotate per function
#   PERF=1        also count syscalls per request (perf stat raw_syscalls:sys_enter)
#   SERVER_CPU / CLIENT_CPU  cores (taskset -c lists) for servers / clients (default 0 / 1)
#   PIN=0         no pinning at all (e.g. for --threads 2 on a 2-core machine)
#   WARMUP=0      skip the unrecorded warm-up run
#   SKIP_THROUGHPUT=1 / SKIP_MEMORY=1  skip that part
#   AOF=0         skip the append-only file section (SET with appendonly yes)
#   AOF_FSYNC     appendfsync policies to compare (default "everysec always")
#   AOF_PIPELINES pipeline depths in the AOF section (default "1 16")
#   AOF_REQUESTS_P1 / AOF_REQUESTS_P16  SETs per AOF run (default 200000 / 500000)
#   AOF_KEYSPACE  redis-benchmark -r in the AOF section (default 1000000)
#   AOF_SYSCALLS=0  skip the perf pass counting fsyncs, writes, futexes per request
#   AOF_TMPDIR    where each AOF server's fresh directory is made (default $TMPDIR or /tmp)
#   RESULTS_DIR   where logs and results go (default bench/results/<timestamp>)
# usage-end

if [[ $# -gt 0 ]]; then
    case $1 in
        -h|--help) usage; exit 0 ;;
        *) echo "compare.sh: takes no arguments (settings are environment variables)" >&2
           usage >&2; exit 2 ;;
    esac
fi

log() { printf '%s\n' "$*" >&2; }
die() { printf 'compare.sh: error: %s\n' "$*" >&2; exit 1; }

for v in ROUNDS REQUESTS_P1 REQUESTS_P16 CLIENTS VALUE_SIZE KEYSPACE MEM_KEYS CG_REQUESTS CG_KEYSPACE \
         AOF_REQUESTS_P1 AOF_REQUESTS_P16 AOF_KEYSPACE MULTI_DIV MIX_VALUE_SIZE MIX_KEYSPACE \
         MIX_GETS MIX_PROC_CLIENTS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer (got '${!v}')"
done
for p in $PIPELINES $AOF_PIPELINES; do [[ $p =~ ^[1-9][0-9]*$ ]] || die "bad pipeline depth '$p'"; done
for f in $AOF_FSYNC; do
    [[ $f =~ ^(always|everysec|no)$ ]] || die "AOF_FSYNC may only contain always, everysec and no"
done
for t in $TESTS; do
    [[ $t =~ ^(set|get|mset|mget|incr|mix)$ ]] ||
        die "TESTS may only contain set, get, mset, mget, incr and mix"
done
for t in $CG_TESTS; do [[ $t =~ ^(set|get|incr)$ ]] || die "CG_TESTS may only contain set, get and incr"; done
for v in SERVER_CPU CLIENT_CPU; do [[ ${!v} =~ ^[0-9][0-9,-]*$ ]] || die "$v must be a CPU list for taskset -c"; done
[[ $ROUNDS -ge 1 ]] || die "ROUNDS must be >= 1"
[[ $MULTI_DIV -ge 1 ]] || die "MULTI_DIV must be >= 1"
[[ $MIX_GETS -ge 1 && $MIX_PROC_CLIENTS -ge 1 ]] || die "MIX_GETS and MIX_PROC_CLIENTS must be >= 1"

# ------------------------------------------------------------ prerequisites
[[ -x /usr/bin/python3 ]] || die "/usr/bin/python3 is required"
# Installs what is missing (redis-server, redis-benchmark, perf, valgrind...; Debian packages).
"$REPO_ROOT/scripts/deps.sh" --bench || die "scripts/deps.sh --bench failed"
missing=()
command -v redis-benchmark >/dev/null || missing+=(redis-benchmark)
command -v redis-cli >/dev/null || missing+=(redis-cli)
[[ -x $REDIS_BIN ]] || missing+=("$REDIS_BIN")
if [[ ${#missing[@]} -gt 0 ]]; then
    die "missing: ${missing[*]}. Install them with: apt-get install -y redis-server redis-tools"
fi
if [[ ! -x $EMBER_BIN && $EMBER_BIN == "$REPO_ROOT/build/ember-server" ]]; then
    log "building $EMBER_BIN (make build)"
    make -C "$REPO_ROOT" --no-print-directory build >&2 || die "make build failed"
fi
if [[ ! -x $EMBER_BIN ]]; then
    die "Ember binary '$EMBER_BIN' not found or not executable. Build it first
(cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j), or set EMBER_BIN."
fi
EMBER_BIN=$(cd "$(dirname "$EMBER_BIN")" && pwd)/$(basename "$EMBER_BIN")
REDIS_BIN=$(cd "$(dirname "$REDIS_BIN")" && pwd)/$(basename "$REDIS_BIN")

NPROC=$(nproc)
SERVER_PIN=() CLIENT_PIN=()
if [[ $PIN == 0 ]]; then
    PINNING="none (PIN=0): servers and clients share all $NPROC cores"
elif [[ $NPROC -ge 2 ]] && command -v taskset >/dev/null; then
    SERVER_PIN=(taskset -c "$SERVER_CPU")
    CLIENT_PIN=(taskset -c "$CLIENT_CPU")
    PINNING="servers on core $SERVER_CPU, redis-benchmark/redis-cli on core $CLIENT_CPU (taskset)"
elif [[ $NPROC -ge 2 ]]; then
    PINNING="none (taskset not found)"
else
    PINNING="none (1 core)"
fi
CLK_TCK=$(getconf CLK_TCK)

mkdir -p "$RESULTS_DIR"
RESULTS_DIR=$(cd "$RESULTS_DIR" && pwd)

# ------------------------------------------------------------ process control
STARTED_PIDS=()

alive() {   # true while PID exists and is not a zombie
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) }
    [[ ${s%% *} != Z ]]
}

stop_pid() {
    local pid=$1 i
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 150; i++)); do alive "$pid" || break; sleep 0.1; done
        if alive "$pid"; then
            log "  pid $pid did not exit after SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
    local keep=() p
    for p in "${STARTED_PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
    STARTED_PIDS=("${keep[@]}")
}

AOF_RUN_DIR=""   # the AOF section's current server directory, removed at exit
cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
    [[ -z $AOF_RUN_DIR ]] || rm -rf "$AOF_RUN_DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Persistence settings of both servers. Ember's defaults are appendonly yes and Redis's save
# schedule, so "no persistence" must be asked for explicitly on both sides. The AOF section
# replaces these with appendonly yes and the fsync policy under test.
PERSIST_ARGS=(--save '' --appendonly no)
AOF_ARGS=()  # set by the AOF section; placed last, so they win over EMBER_ARGS/REDIS_ARGS
SRV_DIR=""   # working directory of the next server started (default: RESULTS_DIR)

# server_cmd SIDE PORT -> fills array CMD
server_cmd() {
    local side=$1 port=$2 extra=()
    if [[ $side == ember ]]; then
        CMD=("$EMBER_BIN" --port "$port" --bind 127.0.0.1)
        if [[ $(basename "$EMBER_BIN") == *ember* && -z $EMBER_THREADS ]]; then
            CMD+=(--threads 1)
        fi
        eval "extra=($EMBER_ARGS)"
    else
        CMD=("$REDIS_BIN" --port "$port" --bind 127.0.0.1)
        eval "extra=($REDIS_ARGS)"
    fi
    if [[ ${#AOF_ARGS[@]} -gt 0 ]]; then
        CMD+=("${extra[@]}" "${AOF_ARGS[@]}")
    else
        CMD+=("${PERSIST_ARGS[@]}" "${extra[@]}")
    fi
}

quote_cmd() { local out="" a; for a in "$@"; do out+="$(printf '%q' "$a") "; done; echo "${out% }"; }

# start_server SIDE TAG [WRAPPER...] -> sets SRV_PID SRV_PORT
start_server() {
    local side=$1 tag=$2; shift 2
    local wrapper=("$@") attempt port pid logf timeout=15
    [[ ${#wrapper[@]} -gt 0 ]] && timeout=180
    for attempt in 1 2 3; do
        port=$("${HELPER[@]}" freeport)
        server_cmd "$side" "$port"
        logf="$RESULTS_DIR/$side-$tag.log"
        (cd "${SRV_DIR:-$RESULTS_DIR}" && exec "${SERVER_PIN[@]}" "${wrapper[@]}" "${CMD[@]}") \
            >"$logf" 2>&1 </dev/null &
        pid=$!
        STARTED_PIDS+=("$pid")
        if wait_ready "$pid" "$port" "$timeout"; then
            SRV_PID=$pid SRV_PORT=$port
            return 0
        fi
        stop_pid "$pid"
        log "  $side did not start on port $port (attempt $attempt); log $logf:"
        tail -n 15 "$logf" | sed 's/^/    /' >&2
    done
    die "could not start $side: $(quote_cmd "${CMD[@]}")"
}

wait_ready() {
    local pid=$1 port=$2 timeout=$3 i
    for ((i = 0; i < timeout * 10; i++)); do
        alive "$pid" || return 1
        if [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null) == PONG ]]; then
            sleep 0.1
            alive "$pid" || return 1
            return 0
        fi
        sleep 0.1
    done
    return 1
}

cli() { timeout 30 redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }

server_version() {
    cli "$1" INFO server 2>/dev/null | tr -d '\r' | awk -F: '
        /^redis_version:/ {v=$2} /^ember_version:/ {e=$2}
        END { if (e != "") print "ember " e; else if (v != "") print "version " v; else print "unknown version" }'
}

# load_keys PORT COUNT [VSIZE PREFIX]: SET PREFIX%012d -> VSIZE (VALUE_SIZE) bytes, via
# redis-cli --pipe; checks that DBSIZE grew by COUNT (the key sets never overlap).
load_keys() {
    local port=$1 count=$2 vsize=${3:-$VALUE_SIZE} prefix=${4:-key:} out dbsize before
    before=$(cli "$port" DBSIZE | tr -d '\r')
    out=$("${HELPER[@]}" resp "$count" "$vsize" "$prefix" |
          "${CLIENT_PIN[@]}" redis-cli -h 127.0.0.1 -p "$port" --pipe 2>&1) ||
        die "redis-cli --pipe failed on port $port: $out"
    [[ $out == *"errors: 0, replies: $count"* ]] ||
        die "unexpected redis-cli --pipe result on port $port: $out"
    dbsize=$(cli "$port" DBSIZE | tr -d '\r')
    [[ $dbsize == "$((before + count))" ]] ||
        die "DBSIZE on port $port is '$dbsize', expected $((before + count))"
}

MIX_VALUE=$(printf '%*s' "$MIX_VALUE_SIZE" '' | tr ' ' x)
# bench_args PORT TEST PIPELINE REQUESTS [CLIENTS] -> BENCH (one redis-benchmark command).
# TEST: set get incr mset (redis-benchmark -t; MSET has 10 keys), mget (custom MGET of 10
# keys: redis-benchmark replaces every __rand_int__ with its own random number), mixset /
# mixget (custom SET/GET of mix:__rand_int__ with MIX_VALUE_SIZE-byte values).
bench_args() {
    local c=${5:-$CLIENTS} base
    base=(redis-benchmark -h 127.0.0.1 -p "$1" -c "$c" -n "$4" -P "$3" --csv)
    case $2 in
        set|get|incr|mset) BENCH=("${base[@]}" -d "$VALUE_SIZE" -r "$KEYSPACE" -t "$2") ;;
        mget) BENCH=("${base[@]}" -r "$KEYSPACE" MGET key:__rand_int__ key:__rand_int__
                     key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__
                     key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__) ;;
        mixset) BENCH=("${base[@]}" -r "$MIX_KEYSPACE" SET mix:__rand_int__ "$MIX_VALUE") ;;
        mixget) BENCH=("${base[@]}" -r "$MIX_KEYSPACE" GET mix:__rand_int__) ;;
        *) die "bench_args: unknown test $2" ;;
    esac
}

# Short command line for the report (the 1 KB value shown as <1024 bytes>).
bench_cmd_text() { quote_cmd "${CLIENT_PIN[@]}" "${BENCH[@]}" | sed "s/$MIX_VALUE/<$MIX_VALUE_SIZE bytes>/"; }

# The mix workload: 1 SET process and MIX_GETS GET processes, started together, each with
# MIX_PROC_CLIENTS clients and N/(1+MIX_GETS) requests. Equal processes keep the ratio over
# the whole run: when the client core is the bottleneck (-P 1) the scheduler gives every
# process the same CPU share; when the server is (-P 16) it serves every connection in turn.
# (One SET process with 5 clients next to one GET process with 45 does not: both get half of
# the client core, so the SETs run at ~1:3 and finish long before the GETs.)
run_mix_clients() {   # PORT PIPELINE N OUT ERR (runs all processes, waits for all)
    local port=$1 pipe=$2 n=$3 out=$4 err=$5 rc=0 i pids=() each
    each=$(( n / (MIX_GETS + 1) ))
    bench_args "$port" mixset "$pipe" "$each" "$MIX_PROC_CLIENTS"
    "${CLIENT_PIN[@]}" "${BENCH[@]}" >"$out.0" 2>"$err.0" &
    pids+=($!)
    bench_args "$port" mixget "$pipe" "$each" "$MIX_PROC_CLIENTS"
    for ((i = 1; i <= MIX_GETS; i++)); do
        "${CLIENT_PIN[@]}" "${BENCH[@]}" >"$out.$i" 2>"$err.$i" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || rc=1; done
    for ((i = 0; i <= MIX_GETS; i++)); do cat "$err.$i"; done >"$err"
    return $rc
}

# run_bench SIDE PID PORT TEST PIPELINE REQUESTS -> sets R_RPS R_SRV_CPU R_WALL R_CLI_CPU
# R_DETAIL (mix: the two processes' req/s)
run_bench() {
    local side=$1 pid=$2 port=$3 test=$4 pipe=$5 n=$6
    local t0 t1 tf=$RESULTS_DIR/.time out=$RESULTS_DIR/.bench.out err=$RESULTS_DIR/.bench.err
    R_DETAIL=""
    local u0 s0 u1 s1
    read -r u0 s0 < <("${HELPER[@]}" cpusplit "$pid")
    local TIMEFORMAT='%R %U %S'
    if [[ $test == mix ]]; then
        { time run_mix_clients "$port" "$pipe" "$n" "$out" "$err"; } 2>"$tf" ||
            die "redis-benchmark (mix) failed against $side: $(cat "$err")"
    else
        bench_args "$port" "$test" "$pipe" "$n"
        { time "${CLIENT_PIN[@]}" "${BENCH[@]}" >"$out" 2>"$err"; } 2>"$tf" ||
            die "redis-benchmark failed against $side: $(cat "$err")"
    fi
    read -r u1 s1 < <("${HELPER[@]}" cpusplit "$pid")
    alive "$pid" || die "$side (pid $pid) died during the benchmark; see $RESULTS_DIR/$side-*.log"
    t0=$((u0 + s0)) t1=$((u1 + s1))
    R_SRV_USER=$(awk -v a="$u0" -v b="$u1" -v hz="$CLK_TCK" 'BEGIN{printf "%.3f", (b-a)/hz}')
    R_SRV_SYS=$(awk -v a="$s0" -v b="$s1" -v hz="$CLK_TCK" 'BEGIN{printf "%.3f", (b-a)/hz}')
    if [[ $test == mix ]]; then
        local i x sum=0 sets="" gets=""
        for ((i = 0; i <= MIX_GETS; i++)); do
            x=$("${HELPER[@]}" csvrps '*' <"$out.$i") ||
                die "could not parse redis-benchmark output for $side mix: $(cat "$out.$i" "$err")"
            sum=$(awk -v a="$sum" -v b="$x" 'BEGIN{printf "%.2f", a + b}')
            if ((i == 0)); then sets=$x; else gets+="${gets:+,}$x"; fi
            rm -f "$out.$i" "$err.$i"
        done
        R_RPS=$sum
        R_DETAIL="set=$sets;get=$gets"
    else
        R_RPS=$("${HELPER[@]}" csvrps '*' <"$out") ||
            die "could not parse redis-benchmark output for $side $test: $(cat "$out" "$err")"
    fi
    R_SRV_CPU=$(awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" 'BEGIN{printf "%.3f", (b-a)/hz}')
    local u s
    read -r R_WALL u s <"$tf"
    R_CLI_CPU=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.3f", u+s}')
}

requests_for() {   # PIPELINE [TEST]
    local n
    if [[ $1 == 1 ]]; then n=$REQUESTS_P1; else n=$REQUESTS_P16; fi
    case ${2:-} in
        mset|mget) n=$((n / MULTI_DIV)) ;;
        mix) n=$(( n / (MIX_GETS + 1) * (MIX_GETS + 1) )) ;;   # what the processes send
    esac
    echo "$n"
}

workload_name() {   # TEST PIPELINE
    case $1 in
        mset) echo "MSET10 P$2" ;;
        mget) echo "MGET10 P$2" ;;
        mix) echo "MIX1:$MIX_GETS ${MIX_VALUE_SIZE}B P$2" ;;
        *) echo "${1^^} P$2" ;;
    esac
}

LABEL_E=$EMBER_LABEL LABEL_R=$REDIS_LABEL

# ------------------------------------------------------------ metadata
CPU_MODEL=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
[[ -n $CPU_MODEL ]] || CPU_MODEL=$(uname -m)
server_cmd ember PORT; EMBER_CMD=$(quote_cmd "${SERVER_PIN[@]}" "${CMD[@]}")
server_cmd redis PORT; REDIS_CMD=$(quote_cmd "${SERVER_PIN[@]}" "${CMD[@]}")
bench_args PORT set P N
BENCH_CMD=$(bench_cmd_text | sed 's/ -P P / -P {'"${PIPELINES// /,}"'} /; s/ -t set$/ -t TEST (or a custom command, below)/')
BENCH_CMDS=()
for t in $TESTS; do
    if [[ $t == mix ]]; then
        bench_args PORT mixset P "N/$((MIX_GETS + 1))" "$MIX_PROC_CLIENTS"
        BENCH_CMDS+=("mix: $(bench_cmd_text) & ")
        bench_args PORT mixget P "N/$((MIX_GETS + 1))" "$MIX_PROC_CLIENTS"
        BENCH_CMDS[-1]+="$MIX_GETS x $(bench_cmd_text) (all at once)"
    else
        bench_args PORT "$t" P N
        BENCH_CMDS+=("$t: $(bench_cmd_text)")
    fi
done
AOF_ARGS=(--appendonly yes --appendfsync POLICY --save '')
server_cmd ember PORT
AOF_EMBER_CMD=$(quote_cmd "${SERVER_PIN[@]}" "${CMD[@]}" | sed "s/ POLICY / {${AOF_FSYNC// /,}} /")
server_cmd redis PORT
AOF_REDIS_CMD=$(quote_cmd "${SERVER_PIN[@]}" "${CMD[@]}" | sed "s/ POLICY / {${AOF_FSYNC// /,}} /")
AOF_ARGS=()
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
NOTE=""
if [[ $(basename "$EMBER_BIN") != *ember* ]]; then
    NOTE="EMBER_BIN is $EMBER_BIN, not Ember: this run compares a stand-in with Redis."
fi
{
    echo "DATE=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "NPROC=$NPROC"
    echo "CPU_MODEL=$CPU_MODEL"
    echo "KERNEL=$(uname -r)"
    echo "EMBER_CMD=$EMBER_CMD"
    echo "REDIS_CMD=$REDIS_CMD"
    echo "REDIS_VERSION=$("$REDIS_BIN" --version 2>/dev/null | awk '{print $1, $2, $3}')"
    echo "BENCH_CMD=$BENCH_CMD"
    for ((i = 0; i < ${#BENCH_CMDS[@]}; i++)); do echo "BENCH_CMD_$i=${BENCH_CMDS[i]}"; done
    echo "REQUESTS_P1=$REQUESTS_P1"
    echo "REQUESTS_P16=$REQUESTS_P16"
    echo "MULTI_DIV=$MULTI_DIV"
    echo "KEYSPACE=$KEYSPACE"
    echo "MIX=SET:GET 1:$MIX_GETS: 1 SET + $MIX_GETS GET redis-benchmark processes at once, $MIX_PROC_CLIENTS clients and N/$((MIX_GETS + 1)) requests each ($(( (MIX_GETS + 1) * MIX_PROC_CLIENTS )) connections), $MIX_VALUE_SIZE-byte values, $MIX_KEYSPACE keys mix:%012d"
    echo "LABEL=$LABEL"
    echo "EMBER_BIN=$EMBER_BIN"
    echo "EMBER_GIT=$(git -C "$(dirname "$EMBER_BIN")" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "BENCH_VERSION=$(redis-benchmark --version 2>/dev/null)"
    echo "PINNING=$PINNING"
    echo "LOADAVG=$LOADAVG"
    echo "INVOCATION=$INVOCATION"
    echo "CLIENTS=$CLIENTS"
    echo "VALUE_SIZE=$VALUE_SIZE"
    echo "EMBER_LABEL=$LABEL_E"
    echo "REDIS_LABEL=$LABEL_R"
    echo "NOTE=$NOTE"
    if [[ $AOF == 1 ]]; then
        echo "AOF_EMBER_CMD=$AOF_EMBER_CMD"
        echo "AOF_REDIS_CMD=$AOF_REDIS_CMD"
        echo "AOF_BENCH_CMD=$(quote_cmd "${CLIENT_PIN[@]}" redis-benchmark -h 127.0.0.1 -p PORT \
            -c "$CLIENTS" -n N -d "$VALUE_SIZE" -r "$AOF_KEYSPACE" -P P -t set --csv |
            sed 's/ -P P / -P {'"${AOF_PIPELINES// /,}"'} /')"
        echo "AOF_TMPDIR=$AOF_TMPDIR"
    fi
} >"$RESULTS_DIR/meta.env"

log "== Ember vs Redis benchmark"
log "   results: $RESULTS_DIR"
log "   machine: $NPROC cores, $CPU_MODEL, Linux $(uname -r); pinning: $PINNING"
log "   ember:   $EMBER_CMD"
log "   redis:   $REDIS_CMD"
[[ -z $NOTE ]] || log "   note:    $NOTE"
if awk -v l="${LOADAVG%% *}" 'BEGIN{exit !(l > 0.5)}'; then
    log "   WARNING: load average is $LOADAVG before starting: other work on this machine will"
    log "            make the figures noisy (compare CPU s/M req rather than req/s, or rerun)."
fi

label() { if [[ $1 == ember ]]; then echo "$LABEL_E"; else echo "$LABEL_R"; fi; }

# ------------------------------------------------------------ throughput
declare -A PID PORT
if [[ $SKIP_THROUGHPUT != 1 ]]; then
    log ""
    log "== Throughput: $ROUNDS round(s); pipelines $PIPELINES; tests $TESTS; -c $CLIENTS -d $VALUE_SIZE -r $KEYSPACE"
    for side in ember redis; do
        start_server "$side" throughput
        PID[$side]=$SRV_PID PORT[$side]=$SRV_PORT
        log "   $(label $side): pid $SRV_PID port $SRV_PORT ($(server_version "$SRV_PORT"))"
        load_keys "$SRV_PORT" "$KEYSPACE"
        log "   $(label $side): prefilled $KEYSPACE keys"
        if [[ " $TESTS " == *" mix "* ]]; then
            load_keys "$SRV_PORT" "$MIX_KEYSPACE" "$MIX_VALUE_SIZE" mix:
            log "   $(label $side): prefilled $MIX_KEYSPACE keys mix:%012d with $MIX_VALUE_SIZE-byte values"
        fi
        if [[ $WARMUP == 1 ]]; then
            run_bench "$side" "$SRV_PID" "$SRV_PORT" set 16 $((KEYSPACE < 100000 ? KEYSPACE : 100000))
            log "   $(label $side): warm-up done"
        fi
    done
    printf 'round\tserver\tworkload\ttest\tpipeline\trequests\trps\tserver_cpu_s\twall_s\tclient_cpu_s\tloadavg\tdetail\tserver_user_s\tserver_sys_s\n' \
        >"$RESULTS_DIR/throughput.tsv"
    for ((round = 1; round <= ROUNDS; round++)); do
        if ((round % 2)); then order=(ember redis); else order=(redis ember); fi
        for p in $PIPELINES; do
            for t in $TESTS; do
                n=$(requests_for "$p" "$t")
                wl=$(workload_name "$t" "$p")
                for side in "${order[@]}"; do
                    run_bench "$side" "${PID[$side]}" "${PORT[$side]}" "$t" "$p" "$n"
                    la=$(cut -d' ' -f1 /proc/loadavg)
                    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$side" "$wl" "$t" \
                        "$p" "$n" "$R_RPS" "$R_SRV_CPU" "$R_WALL" "$R_CLI_CPU" "$la" "$R_DETAIL" \
                        "$R_SRV_USER" "$R_SRV_SYS" \
                        >>"$RESULTS_DIR/throughput.tsv"
                    log "   [round $round/$ROUNDS] $(printf '%-16s %-8s %12.0f req/s  server cpu %6.2fs  wall %6.2fs  load %s' \
                        "$wl" "$(label $side)" "$R_RPS" "$R_SRV_CPU" "$R_WALL" "$la")"
                done
            done
        done
    done

    # ---------------------------------------------------------- syscalls (perf)
    if [[ $PERF == 1 ]]; then
        if ! command -v perf >/dev/null; then
            log "   PERF=1 but perf is not installed (apt-get install -y linux-perf); skipping"
        elif ! perf stat -x, -e raw_syscalls:sys_enter -- true >/dev/null 2>&1; then
            log "   PERF=1 but 'perf stat -e raw_syscalls:sys_enter' does not work here; skipping"
        else
            log ""
            log "== Syscalls per request (perf stat -e raw_syscalls:sys_enter -p PID)"
            printf 'server\tworkload\trequests\tsyscalls\n' >"$RESULTS_DIR/syscalls.tsv"
            for p in $PIPELINES; do
                for t in $TESTS; do
                    n=$(requests_for "$p" "$t")
                    wl=$(workload_name "$t" "$p")
                    for side in ember redis; do
                        pf=$RESULTS_DIR/perf-$side-$t-P$p.txt
                        perf stat -x, -e raw_syscalls:sys_enter -p "${PID[$side]}" -o "$pf" \
                            >/dev/null 2>&1 &
                        perf_pid=$!
                        STARTED_PIDS+=("$perf_pid")
                        sleep 0.5
                        run_bench "$side" "${PID[$side]}" "${PORT[$side]}" "$t" "$p" "$n"
                        kill -INT "$perf_pid" 2>/dev/null || true
                        wait "$perf_pid" 2>/dev/null || true
                        stop_pid "$perf_pid"
                        if c=$("${HELPER[@]}" perfcount "$pf" raw_syscalls:sys_enter); then
                            printf '%s\t%s\t%s\t%s\n' "$side" "$wl" "$n" "$c" \
                                >>"$RESULTS_DIR/syscalls.tsv"
                            log "   $(printf '%-16s %-8s %8.3f syscalls/request' "$wl" \
                                "$(label $side)" "$(awk -v c="$c" -v n="$n" 'BEGIN{print c/n}')")"
                        else
                            log "   could not read perf output $pf"
                        fi
                    done
                done
            done
        fi
    fi

    for side in ember redis; do stop_pid "${PID[$side]}"; done
fi

# ------------------------------------------------------------ memory
if [[ $SKIP_MEMORY != 1 ]]; then
    log ""
    log "== Memory: $MEM_KEYS keys key:%012d with $VALUE_SIZE-byte values, fresh instances"
    printf 'server\tkeys\trss_before_kb\trss_after_kb\n' >"$RESULTS_DIR/memory.tsv"
    for side in ember redis; do
        start_server "$side" memory
        sleep 0.5
        before=$("${HELPER[@]}" rss "$SRV_PID")
        load_keys "$SRV_PORT" "$MEM_KEYS"
        sleep 1
        after=$("${HELPER[@]}" rss "$SRV_PID")
        printf '%s\t%s\t%s\t%s\n' "$side" "$MEM_KEYS" "$before" "$after" >>"$RESULTS_DIR/memory.tsv"
        log "   $(label $side): RSS $before kB -> $after kB; $(awk -v a="$before" -v b="$after" \
            -v n="$MEM_KEYS" 'BEGIN{printf "%.1f", (b-a)*1024/n}') bytes/key"
        stop_pid "$SRV_PID"
    done
fi

# ------------------------------------------------------------ append-only file
# SET throughput with appendonly yes, per appendfsync policy. Every run gets a fresh server in
# a fresh directory under AOF_TMPDIR (an empty keyspace and an empty AOF; the directory is
# deleted after the run), so files never accumulate and every run starts alike. The default
# request counts keep the AOF below auto-aof-rewrite-min-size (64mb): no rewrite runs during a
# measurement (the aof_rewrites column checks it).

# aof_start SIDE POLICY TAG -> sets SRV_PID SRV_PORT AOF_RUN_DIR
aof_start() {
    local side=$1 policy=$2 tag=$3
    AOF_RUN_DIR=$(mktemp -d "$AOF_TMPDIR/ember-aofbench.XXXXXX") ||
        die "cannot create a directory under AOF_TMPDIR=$AOF_TMPDIR"
    AOF_ARGS=(--appendonly yes --appendfsync "$policy" --save '')
    SRV_DIR=$AOF_RUN_DIR
    start_server "$side" "$tag"
    SRV_DIR="" AOF_ARGS=()
}

# aof_stop: stops the server, records the AOF's size (AOF_BYTES) and rewrites, removes its dir
aof_stop() {
    AOF_REWRITES=$(cli "$SRV_PORT" INFO persistence 2>/dev/null | tr -d '\r' |
                   awk -F: '/^aof_rewrites:/ {print $2}')
    [[ -n $AOF_REWRITES ]] || AOF_REWRITES=-1
    stop_pid "$SRV_PID"
    # Bytes of every file the server wrote in the AOF directory (manifest, base, incr).
    AOF_BYTES=$(du -sb "$AOF_RUN_DIR/appendonlydir" 2>/dev/null | cut -f1)
    [[ -n $AOF_BYTES ]] || AOF_BYTES=0
    rm -rf "$AOF_RUN_DIR"
    AOF_RUN_DIR=""
}

# aof_bench SIDE POLICY PIPELINE REQUESTS -> R_* from run_bench
aof_bench() {
    local side=$1 pipe=$3 n=$4 saved=$KEYSPACE
    KEYSPACE=$AOF_KEYSPACE
    run_bench "$side" "$SRV_PID" "$SRV_PORT" set "$pipe" "$n"
    KEYSPACE=$saved
}

aof_requests() { if [[ $1 == 1 ]]; then echo "$AOF_REQUESTS_P1"; else echo "$AOF_REQUESTS_P16"; fi; }

if [[ $AOF == 1 ]]; then
    [[ -d $AOF_TMPDIR && -w $AOF_TMPDIR ]] || die "AOF_TMPDIR=$AOF_TMPDIR is not a writable directory"
    log ""
    log "== AOF: SET with appendonly yes; appendfsync $AOF_FSYNC; pipelines $AOF_PIPELINES;" \
        "$ROUNDS round(s); -c $CLIENTS -d $VALUE_SIZE -r $AOF_KEYSPACE; a fresh server and" \
        "directory (in $AOF_TMPDIR, $(df -P "$AOF_TMPDIR" | awk 'NR==2 {print $1}')) per run"
    log "   load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'round\tserver\tfsync\tworkload\tpipeline\trequests\trps\tserver_cpu_s\twall_s\tclient_cpu_s\taof_bytes\trewrites\tloadavg\n' \
        >"$RESULTS_DIR/aof.tsv"
    for ((round = 1; round <= ROUNDS; round++)); do
        if ((round % 2)); then order=(ember redis); else order=(redis ember); fi
        for policy in $AOF_FSYNC; do
            for p in $AOF_PIPELINES; do
                n=$(aof_requests "$p")
                for side in "${order[@]}"; do
                    aof_start "$side" "$policy" "aof-$policy"
                    aof_bench "$side" "$policy" "$p" "$n"
                    la=$(cut -d' ' -f1 /proc/loadavg)
                    aof_stop
                    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$side" \
                        "$policy" "SET P$p" "$p" "$n" "$R_RPS" "$R_SRV_CPU" "$R_WALL" "$R_CLI_CPU" \
                        "$AOF_BYTES" "$AOF_REWRITES" "$la" >>"$RESULTS_DIR/aof.tsv"
                    log "   [round $round/$ROUNDS] $(printf '%-8s %-7s %-6s %12.0f req/s  server cpu %6.2fs  wall %6.2fs  aof %5.1f B/req  load %s' \
                        "$policy" "SET P$p" "$(label $side)" "$R_RPS" "$R_SRV_CPU" "$R_WALL" \
                        "$(awk -v b="$AOF_BYTES" -v n="$n" 'BEGIN{print b/n}')" "$la")"
                done
            done
        done
    done
    log "   load average after the AOF rounds: $(cut -d' ' -f1-3 /proc/loadavg)"

    # One more run per cell with perf counting the whole server process (every thread):
    # fsyncs explain 'always' (how many replies one fsync covers: group commit), and writes,
    # futex calls and context switches show what the threads do per request.
    AOF_EVENTS=syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync,syscalls:sys_enter_write,syscalls:sys_enter_futex,raw_syscalls:sys_enter,context-switches
    if [[ $AOF_SYSCALLS == 1 ]]; then
        if ! command -v perf >/dev/null; then
            log "   perf is not installed (apt-get install -y linux-perf): no fsync counts"
        elif ! perf stat -x, -e "$AOF_EVENTS" -- true >/dev/null 2>&1; then
            log "   'perf stat -e $AOF_EVENTS' does not work here: no fsync counts"
        else
            log ""
            log "== AOF system calls (perf stat -p PID, all threads; one extra run per cell)"
            printf 'server\tfsync\tworkload\trequests\tfdatasync\tfsync_calls\twrite\tfutex\tsyscalls\tcontext_switches\n' \
                >"$RESULTS_DIR/aof_syscalls.tsv"
            for policy in $AOF_FSYNC; do
                for p in $AOF_PIPELINES; do
                    n=$(aof_requests "$p")
                    for side in ember redis; do
                        aof_start "$side" "$policy" "aof-$policy-perf"
                        pf=$RESULTS_DIR/perf-aof-$side-$policy-P$p.txt
                        perf stat -x, -e "$AOF_EVENTS" -p "$SRV_PID" -o "$pf" >/dev/null 2>&1 &
                        perf_pid=$!
                        STARTED_PIDS+=("$perf_pid")
                        sleep 0.5
                        aof_bench "$side" "$policy" "$p" "$n"
                        kill -INT "$perf_pid" 2>/dev/null || true
                        wait "$perf_pid" 2>/dev/null || true
                        stop_pid "$perf_pid"
                        aof_stop
                        vals=()
                        for ev in syscalls:sys_enter_fdatasync syscalls:sys_enter_fsync \
                                  syscalls:sys_enter_write syscalls:sys_enter_futex \
                                  raw_syscalls:sys_enter context-switches; do
                            vals+=("$("${HELPER[@]}" perfcount "$pf" "$ev" 2>/dev/null || echo -1)")
                        done
                        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$side" "$policy" \
                            "SET P$p" "$n" "${vals[@]}" >>"$RESULTS_DIR/aof_syscalls.tsv"
                        log "   $(printf '%-8s %-7s %-6s fsyncs %7d  writes/req %.3f  futex/req %.3f  ctx-sw/req %.3f  syscalls/req %.3f' \
                            "$policy" "SET P$p" "$(label $side)" "$((vals[0] + vals[1]))" \
                            "$(awk -v c="${vals[2]}" -v n="$n" 'BEGIN{print c/n}')" \
                            "$(awk -v c="${vals[3]}" -v n="$n" 'BEGIN{print c/n}')" \
                            "$(awk -v c="${vals[5]}" -v n="$n" 'BEGIN{print c/n}')" \
                            "$(awk -v c="${vals[4]}" -v n="$n" 'BEGIN{print c/n}')")"
                    done
                done
            done
        fi
    fi
fi

# ------------------------------------------------------------ instructions (callgrind)
# One fresh server under callgrind per (server, test): prefill CG_KEYSPACE keys (not counted),
# zero the counters, send CG_REQUESTS requests at -P 1, dump. callgrind_annotate of the dump
# (self cost per function) goes to callgrind-SIDE-TEST.annotate.txt: the profile breakdown.
if [[ $CALLGRIND == 1 ]]; then
    if ! command -v valgrind >/dev/null; then
        log "   CALLGRIND=1 but valgrind is not installed (apt-get install -y valgrind); skipping"
    else
        log ""
        log "== Instructions per request: callgrind, $CG_REQUESTS requests of each of $CG_TESTS at -P 1 (slow)"
        printf 'server\ttest\trequests\tinstructions\tscope\n' >"$RESULTS_DIR/callgrind.tsv"
        for t in $CG_TESTS; do
            for side in ember redis; do
                rm -f "$RESULTS_DIR/callgrind.$side.$t".*
                start_server "$side" "callgrind-$t" valgrind --tool=callgrind \
                    "--callgrind-out-file=$RESULTS_DIR/callgrind.$side.$t.%p.out"
                if [[ $t == get ]]; then
                    saved=$KEYSPACE; KEYSPACE=$CG_KEYSPACE
                    load_keys "$SRV_PORT" "$CG_KEYSPACE"
                    KEYSPACE=$saved
                fi
                scope="requests only"
                if ! callgrind_control -z "$SRV_PID" >/dev/null 2>&1; then
                    scope="whole process (startup+load+shutdown)"
                fi
                saved=$KEYSPACE; KEYSPACE=$CG_KEYSPACE
                bench_args "$SRV_PORT" "$t" 1 "$CG_REQUESTS"
                KEYSPACE=$saved
                "${CLIENT_PIN[@]}" "${BENCH[@]}" >"$RESULTS_DIR/.bench.out" 2>&1 ||
                    die "redis-benchmark under callgrind failed: $(cat "$RESULTS_DIR/.bench.out")"
                if [[ $scope == "requests only" ]] && ! callgrind_control -d "$SRV_PID" >/dev/null 2>&1; then
                    scope="whole process (startup+load+shutdown)"
                fi
                stop_pid "$SRV_PID"
                if [[ $scope == "requests only" ]]; then
                    files=("$RESULTS_DIR/callgrind.$side.$t".*.out.*)
                else
                    files=("$RESULTS_DIR/callgrind.$side.$t".*)
                fi
                if ir=$("${HELPER[@]}" cgsummary "${files[@]}"); then
                    printf '%s\t%s\t%s\t%s\t%s\n' "$side" "$t" "$CG_REQUESTS" "$ir" "$scope" \
                        >>"$RESULTS_DIR/callgrind.tsv"
                    log "   $(label $side) ${t^^}: $ir instructions, $((ir / CG_REQUESTS)) per request ($scope)"
                    if command -v callgrind_annotate >/dev/null; then
                        biggest=$(ls -S "${files[@]}" | head -n 1)
                        callgrind_annotate --inclusive=no --threshold=100 "$biggest" 2>/dev/null | head -n 80 \
                            >"$RESULTS_DIR/callgrind-$side-$t.annotate.txt" || true
                        callgrind_annotate --inclusive=yes --threshold=100 "$biggest" 2>/dev/null | head -n 80 \
                            >"$RESULTS_DIR/callgrind-$side-$t.inclusive.txt" || true
                    fi
                else
                    log "   $(label $side) ${t^^}: no callgrind output found"
                fi
            done
        done
    fi
fi

# ------------------------------------------------------------ summary
rm -f "$RESULTS_DIR/.time" "$RESULTS_DIR/.bench.out" "$RESULTS_DIR/.bench.err"
"${HELPER[@]}" report "$RESULTS_DIR" >"$RESULTS_DIR/summary.md"
echo
cat "$RESULTS_DIR/summary.md"
log "(summary saved to $RESULTS_DIR/summary.md)"
