#!/usr/bin/python3
"""Flushes during a background save: how long FLUSHDB / FLUSHALL / SWAPDB take, and what a probe sees.

A snapshot without fork (Ember's BGSAVE and AOF rewrite) must keep what the save still needs
of the keys a command removes. Until 2026-11-23 a FLUSHALL or FLUSHDB during one copied every
entry the save had not written yet, with every partition locked: 5.2 s at 10M keys, every
client stalled (SWAPDB copied both databases' the same way). Now the save takes the flushed
tables whole and frees them once written, follows swapped databases to where they went, and
FLUSHALL stops a BGSAVE first, as Redis 7.0 does (it kills its child). This script measures
both servers in the same run, rounds alternating Ember, Redis, Redis, Ember, ...

Usage (standard library only; run from anywhere):

    bench/flush_during_save.py                  # 10M keys, 3 rounds per server, ~6-8 minutes
    bench/flush_during_save.py --quick          # 1M keys, 1 round (smoke test)
    bench/flush_during_save.py --ember OLD/ember-server   # an older build, for a before/after

Method, per server and round: a fresh server on a free 127.0.0.1 port in a temporary
directory (pinned to CPU 1 with 2+ CPUs; this script on CPU 0), AOF on for the rewrite case
and automatic rewrites and save points off (`--save "" --auto-aof-rewrite-percentage 0`).
For each case: DEBUG POPULATE KEYS (16-byte-ish keys "key:N", values "value:N"), start the
save, wait 300 ms (--wait-ms; the save is under way: it takes seconds at 10M keys), send the flush and
time its reply, then wait for the save to end. A probe thread sends PING every 1 ms from the
save's start to its end (a late reply delays the next PING: one stall, one sample).

Cases:
  flushdb-async-during-bgsave   FLUSHDB ASYNC while BGSAVE runs (neither server stops the save)
  flushall-async-during-bgsave  FLUSHALL ASYNC while BGSAVE runs (both stop the save)
  flushall-async-during-aofrw   FLUSHALL ASYNC while BGREWRITEAOF runs (neither stops it)
  swapdb-during-bgsave          SWAPDB 0 1 while BGSAVE runs (db 1 empty; neither stops it)

Output: per case and server, the flush's reply time and the probe's max and p99 (medians over
the rounds, [min-max]), and whether the save ended well (status ok / stopped).
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Resp, cleanup, ensure_deps, launch_server, log, pct, stop_proc  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = {
    "flushdb-async-during-bgsave": (["BGSAVE"], ["FLUSHDB", "ASYNC"], "rdb"),
    "flushall-async-during-bgsave": (["BGSAVE"], ["FLUSHALL", "ASYNC"], "rdb"),
    "flushall-async-during-aofrw": (["BGREWRITEAOF"], ["FLUSHALL", "ASYNC"], "aof"),
    "swapdb-during-bgsave": (["BGSAVE"], ["SWAPDB", "0", "1"], "rdb"),
}


class Probe(threading.Thread):
    def __init__(self, port, period_s=0.001):
        super().__init__(daemon=True)
        self.conn = Resp(port)
        self.period = period_s
        self.samples = []
        self.slowest = (0.0, 0.0)  # (round trip, when it started: time.monotonic())
        self.stop = threading.Event()

    def run(self):
        nxt = time.monotonic()
        while not self.stop.is_set():
            t = time.monotonic()
            self.conn.call("PING")
            rt = time.monotonic() - t
            self.samples.append(rt)
            self.slowest = max(self.slowest, (rt, t))
            nxt = max(nxt + self.period, time.monotonic())
            time.sleep(max(0.0, nxt - time.monotonic()))


def in_progress(c, kind):
    info = c.info("persistence")
    if kind == "rdb":
        return info.get("rdb_bgsave_in_progress") == "1", info.get("rdb_last_bgsave_status")
    return info.get("aof_rewrite_in_progress") == "1", info.get("aof_last_bgrewrite_status")


def run_case(a, name, binary, case, d):
    start, flush, kind = CASES[case]
    pin = ["taskset", "-c", "1"] if a.pinned else []
    args = ["--bind", "127.0.0.1", "--dir", d, "--save", "",
            "--appendonly", "yes" if kind == "aof" else "no",
            "--auto-aof-rewrite-percentage", "0", "--enable-debug-command", "yes"]
    if name == "ember":
        args += ["--threads", "1"]

    def cmd(port):
        return pin + [binary, "--port", str(port)] + args

    p, port, c = launch_server(cmd, d, name)
    c.sock.settimeout(a.timeout)  # DEBUG POPULATE of 10M keys takes seconds
    try:
        c.call("DEBUG", "POPULATE", str(a.keys))
        if c.call("DBSIZE") != a.keys:
            raise SystemExit(f"{name}: DBSIZE is not {a.keys}")
        while in_progress(c, kind)[0]:  # an AOF rewrite at start-up (Ember's first base)
            time.sleep(0.05)
        probe = Probe(port)
        probe.start()
        t0 = time.monotonic()
        c.call(*start)
        time.sleep(a.wait_ms / 1000)
        running_at_flush = in_progress(c, kind)[0]
        t = time.monotonic()
        c.call(*flush)
        flush_ms = (time.monotonic() - t) * 1e3
        deadline = time.monotonic() + a.timeout
        while True:
            running, status = in_progress(c, kind)
            if not running or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        t_end = time.monotonic()
        save_s = t_end - t0
        probe.stop.set()
        probe.join()
        s = sorted(probe.samples)
        return {"flush_ms": flush_ms, "max_ms": s[-1] * 1e3 if s else float("nan"),
                "p99_ms": pct(s, 99) * 1e3, "samples": len(s), "status": status,
                "save_s": save_s, "running_at_flush": running_at_flush,
                "max_at": probe.slowest[1] - t, "max_before_end": t_end - probe.slowest[1]}
    finally:
        stop_proc(p)


def fmt(vals):
    return f"{statistics.median(vals):.2f} [{min(vals):.2f}-{max(vals):.2f}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=10_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ember", default=os.environ.get(
        "EMBER_BIN", os.path.join(REPO, "build", "ember-server")))
    ap.add_argument("--redis", default=os.environ.get("REDIS_BIN", "/usr/bin/redis-server"))
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated; default all")
    ap.add_argument("--wait-ms", type=float, default=300,
                    help="from the save's start to the flush (default 300; --quick 50)")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--quick", action="store_true", help="1M keys, 1 round")
    a = ap.parse_args()
    ensure_deps()
    if a.quick:
        a.keys, a.rounds, a.wait_ms = 1_000_000, 1, 50
    a.pinned = len(os.sched_getaffinity(0)) >= 2 and shutil.which("taskset") is not None
    if a.pinned:
        os.sched_setaffinity(0, {0})
    binaries = {"ember": os.path.abspath(a.ember), "redis": os.path.abspath(a.redis)}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cases = a.cases.split(",")
    res = {(c, n): [] for c in cases for n in binaries}
    order = ["ember", "redis"]
    try:
        for r in range(a.rounds):
            for name in (order if r % 2 == 0 else order[::-1]):
                for case in cases:
                    with tempfile.TemporaryDirectory(prefix="flushsave-") as d:
                        x = run_case(a, name, binaries[name], case, d)
                    log(f"round {r + 1} {name:5} {case}: flush {x['flush_ms']:.2f} ms, probe "
                        f"max {x['max_ms']:.2f} p99 {x['p99_ms']:.2f} ms ({x['samples']} "
                        f"samples) {x['max_at']:+.3f} s from the flush, "
                        f"{x['max_before_end']:.3f} s before the save's end seen, "
                        f"save {x['save_s']:.1f} s, status {x['status']}, "
                        f"running at the flush: {x['running_at_flush']}")
                    res[(case, name)].append(x)
    finally:
        cleanup()
    ver = subprocess.run([binaries["redis"], "--version"], capture_output=True, text=True)
    print(f"# Flushes during a background save ({a.keys:,} keys, {a.rounds} round(s), "
          f"{'pinned: server CPU 1, clients CPU 0' if a.pinned else 'not pinned'})")
    print(f"- ember: {binaries['ember']}\n- redis: {ver.stdout.strip()}\n")
    print("| case | server | flush reply, ms | probe max, ms | probe p99, ms | save status "
          "| flush Ember/Redis |")
    print("|---|---|---:|---:|---:|---|---:|")
    for case in cases:
        med = {n: statistics.median(x["flush_ms"] for x in res[(case, n)]) for n in binaries}
        for n in binaries:
            xs = res[(case, n)]
            st = ",".join(sorted({str(x["status"]) for x in xs}))
            ratio = f"{med['ember'] / med['redis']:.2f}x" if n == "ember" else ""
            print(f"| {case} | {n} | {fmt([x['flush_ms'] for x in xs])} | "
                  f"{fmt([x['max_ms'] for x in xs])} | {fmt([x['p99_ms'] for x in xs])} | "
                  f"{st} | {ratio} |")
    not_running = [(c, n) for (c, n), xs in res.items() if not all(x["running_at_flush"]
                                                                   for x in xs)]
    if not_running:
        print(f"\nNOTE: the save had already ended at the flush in: {not_running}")


if __name__ == "__main__":
    main()
