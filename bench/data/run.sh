#!/bin/bash
# Final benchmark sequence (run from /work/main). Logs to /tmp/final.log
set -u
cd /work/main; mkdir -p bench/results/${PREFIX:-final}
R=bench/results/${PREFIX:-final}
B=/tmp/bm-src/build
log() { echo "[$(date -u +%H:%M:%S)] $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> /tmp/final.log; }
rm -rf /tmp/benchcopy; mkdir -p /tmp/benchcopy; cp -r /work/main/bench /tmp/benchcopy/bench; rm -rf /tmp/benchcopy/bench/results
log "start; ember $(git -C /tmp/bm-src rev-parse --short HEAD)"
{ lscpu; echo; uname -a; echo; cat /etc/debian_version; free -m; } > $R/machine.txt
log "t1 compare"
EMBER_BIN=$B/ember-server ROUNDS=3 KEYSPACE=1000000 REQUESTS_P1=100000 AOF_REQUESTS_P1=${AOF_P1:-100000} AOF_REQUESTS_P16=${AOF_P16:-500000} \
  PERF=1 CALLGRIND=1 LABEL=t1 RESULTS_DIR=$R/t1 /tmp/benchcopy/bench/compare.sh > $R/t1.md 2> $R/t1.log
log "t1 done rc=$?"
log "microbench"
$B/ember-microbench --benchmark_repetitions=3 --benchmark_min_time=0.3 \
  --benchmark_out=$R/micro.json --benchmark_out_format=json > $R/micro.txt 2>&1
log "micro done rc=$?"
log "t2 compare"
EMBER_BIN=$B/ember-server EMBER_ARGS="--threads 2" PIN=0 TESTS="set get" ROUNDS=3 KEYSPACE=1000000 \
  REQUESTS_P1=100000 SKIP_MEMORY=1 AOF=0 LABEL=t2 RESULTS_DIR=$R/t2 /tmp/benchcopy/bench/compare.sh > $R/t2.md 2> $R/t2.log
log "t2 done rc=$?"
if [ $(date -u +%H%M) -gt ${CLIFF_DEADLINE:-2359} ]; then log "cliffs skipped (late)"; /tmp/sysdiag_full.sh $R/sysdiag_p1.txt; log "end"; exit 0; fi
log "cliffs"
bench/latency_cliffs.py --quick --ember $B/ember-server > $R/latency_cliffs.txt 2> $R/latency_cliffs.log
log "cliffs done rc=$?"
log "sysdiag"
/tmp/sysdiag_full.sh $R/sysdiag_p1.txt
log "sysdiag done"
log "end"
