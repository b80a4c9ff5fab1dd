#!/usr/bin/python3
"""The pause that starts a background save or an AOF rewrite, Ember vs Redis, under writes.

Redis forks: every client waits while the kernel copies the page tables (INFO stats
latest_fork_usec). Ember does not fork: it locks every partition for the instant of the
snapshot and, for a rewrite, switches the AOF to its next incremental file in that instant
(the disk round trips, fsyncs and the manifest, run before and after it). Ember reports that
pause in the same INFO field. This script measures both servers in the same run, rounds
alternating Ember, Redis, Redis, Ember, ...

Usage (standard library only; run from anywhere):

    bench/snapshot_pause.py                  # 1M keys, 3 rounds per server, ~3 minutes
    bench/snapshot_pause.py --keys 10000000  # 10M keys
    bench/snapshot_pause.py --quick          # 100k keys, 1 round, 2 starts each (smoke test)
    bench/snapshot_pause.py --ember OLD/ember-server   # an older build, for a before/after

Method, per server and round: a fresh server on a free 127.0.0.1 port in a temporary
directory (pinned to CPU 1 with 2+ CPUs; clients on CPU 0), AOF on (`appendfsync everysec`),
automatic rewrites and save points off. DEBUG POPULATE KEYS, one BGREWRITEAOF to start from
a base holding them, then a write load for the rest of the run (another process sends RATE
SETs per second, default 20000, in a pipelined batch every 1 ms, on random keys of the
keyspace, 64-byte values: a steady rate that leaves the clients' core mostly idle, so the
probe is not delayed on its own side), and a probe thread sending a GET of an existing key
every 1 ms. Then STARTS times BGREWRITEAOF and STARTS times BGSAVE, each waited
for, with 300 ms between. For each start: INFO stats latest_fork_usec once it has ended, and
the probe's slowest reply from 5 ms before the command to 200 ms after it.

Output: per server and command, latest_fork_usec and the probe max around the start
(medians over every start of every round, [min-max]), and the probe's p99.9 over the run.
"""

import argparse
import multiprocessing
import os
import random
import shutil
import socket
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
COMMANDS = {"BGREWRITEAOF": ("aof_rewrite_in_progress", "aof_rewrite_scheduled"),
            "BGSAVE": ("rdb_bgsave_in_progress",)}


class Probe(threading.Thread):
    """GET of one existing key every period; samples are (start, round trip)."""

    def __init__(self, port, key, period_s=0.001):
        super().__init__(daemon=True)
        self.conn = Resp(port)
        self.key = key
        self.period = period_s
        self.samples = []
        self.stop = threading.Event()

    def run(self):
        nxt = time.monotonic()
        while not self.stop.is_set():
            t = time.monotonic()
            self.conn.call("GET", self.key)
            self.samples.append((t, time.monotonic() - t))
            nxt = max(nxt + self.period, time.monotonic())
            time.sleep(max(0.0, nxt - time.monotonic()))

    def max_between(self, t0, t1):
        v = [rt for (t, rt) in self.samples if t0 <= t <= t1]
        return max(v) if v else float("nan")


def write_load(port, keys, rate, stop):
    """RATE SETs per second on random keys "key:N" (DEBUG POPULATE's), a batch every 1 ms."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rnd = random.Random(1)
    value = b"v" * 64
    per_ms = max(1, rate // 1000)
    nxt = time.monotonic()
    while not stop.is_set():
        batch = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$64\r\n%s\r\n" % (len(k), k, value)
                         for k in (b"key:%d" % rnd.randrange(keys) for _ in range(per_ms)))
        s.sendall(batch)
        want, got = 5 * per_ms, b""
        while len(got) < want:
            chunk = s.recv(65536)
            if not chunk:
                return
            got += chunk
        nxt = max(nxt + 0.001, time.monotonic())
        time.sleep(max(0.0, nxt - time.monotonic()))


def busy(c, fields):
    info = c.info("persistence")
    return any(info.get(f, "0") != "0" for f in fields)


def wait_done(c, fields, timeout):
    deadline = time.monotonic() + timeout
    while busy(c, fields):
        if time.monotonic() > deadline:
            raise SystemExit(f"still running after {timeout} s: {fields}")
        time.sleep(0.01)


def run_server(a, name, binary, d):
    pin = ["taskset", "-c", "1"] if a.pinned else []
    args = ["--bind", "127.0.0.1", "--dir", d, "--save", "", "--appendonly", "yes",
            "--appendfsync", "everysec", "--auto-aof-rewrite-percentage", "0",
            "--enable-debug-command", "yes"]
    if name == "ember":
        args += ["--threads", "1"]

    def cmd(port):
        return pin + [binary, "--port", str(port)] + args

    p, port, c = launch_server(cmd, d, name)
    c.sock.settimeout(a.timeout)
    load = None
    probe = None
    try:
        c.call("DEBUG", "POPULATE", str(a.keys))
        if c.call("DBSIZE") != a.keys:
            raise SystemExit(f"{name}: DBSIZE is not {a.keys}")
        wait_done(c, COMMANDS["BGREWRITEAOF"], a.timeout)  # Ember's first base, if any
        c.call("BGREWRITEAOF")
        wait_done(c, COMMANDS["BGREWRITEAOF"], a.timeout)
        stop_load = multiprocessing.Event()
        load = multiprocessing.Process(target=write_load, args=(port, a.keys, a.rate, stop_load),
                                       daemon=True)
        load.start()
        probe = Probe(port, "key:1")
        probe.start()
        time.sleep(1.0)
        out = {cmd: [] for cmd in COMMANDS}
        for cmd_name, fields in COMMANDS.items():
            for _ in range(a.starts):
                t = time.monotonic()
                c.call(cmd_name)
                wait_done(c, fields, a.timeout)
                fork_us = int(c.info("stats")["latest_fork_usec"])
                time.sleep(0.3)
                out[cmd_name].append({"fork_ms": fork_us / 1e3,
                                      "probe_ms": probe.max_between(t - 0.005, t + 0.2) * 1e3})
        probe.stop.set()
        probe.join()
        rts = sorted(rt for _, rt in probe.samples)
        return out, pct(rts, 99.9) * 1e3, len(rts)
    finally:
        if probe is not None:
            probe.stop.set()
        if load is not None:
            stop_load.set()
            load.join(5)
            if load.is_alive():
                load.terminate()
        stop_proc(p)


def fmt(vals):
    return f"{statistics.median(vals):.2f} [{min(vals):.2f}-{max(vals):.2f}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--starts", type=int, default=5, help="of each command per round")
    ap.add_argument("--ember", default=os.environ.get(
        "EMBER_BIN", os.path.join(REPO, "build", "ember-server")))
    ap.add_argument("--redis", default=os.environ.get("REDIS_BIN", "/usr/bin/redis-server"))
    ap.add_argument("--rate", type=int, default=20000, help="SETs per second during the run")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--quick", action="store_true", help="100k keys, 1 round, 2 starts")
    a = ap.parse_args()
    ensure_deps()
    if a.quick:
        a.keys, a.rounds, a.starts = 100_000, 1, 2
    a.pinned = len(os.sched_getaffinity(0)) >= 2 and shutil.which("taskset") is not None
    if a.pinned:
        os.sched_setaffinity(0, {0})
    binaries = {"ember": os.path.abspath(a.ember), "redis": os.path.abspath(a.redis)}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    res = {(cmd, n): [] for cmd in COMMANDS for n in binaries}
    p999 = {n: [] for n in binaries}
    order = ["ember", "redis"]
    try:
        for r in range(a.rounds):
            for name in (order if r % 2 == 0 else order[::-1]):
                with tempfile.TemporaryDirectory(prefix="snappause-") as d:
                    out, q, n = run_server(a, name, binaries[name], d)
                for cmd, xs in out.items():
                    res[(cmd, name)] += xs
                    log(f"round {r + 1} {name:5} {cmd}: latest_fork_usec ms " +
                        " ".join(f"{x['fork_ms']:.2f}" for x in xs) + "; probe max ms " +
                        " ".join(f"{x['probe_ms']:.2f}" for x in xs))
                log(f"round {r + 1} {name:5} probe p99.9 {q:.2f} ms over {n} samples")
                p999[name].append(q)
    finally:
        cleanup()
    ver = subprocess.run([binaries["redis"], "--version"], capture_output=True, text=True)
    print(f"# The pause that starts a background save or rewrite ({a.keys:,} keys, {a.rounds} "
          f"round(s) x {a.starts} starts, {'pinned: server CPU 1, clients CPU 0' if a.pinned else 'not pinned'})")
    print(f"- ember: {binaries['ember']}\n- redis: {ver.stdout.strip()}\n")
    print("| command | server | latest_fork_usec, ms | probe max around the start, ms "
          "| pause Ember/Redis |")
    print("|---|---|---:|---:|---:|")
    for cmd in COMMANDS:
        med = {n: statistics.median(x["fork_ms"] for x in res[(cmd, n)]) for n in binaries}
        for n in binaries:
            xs = res[(cmd, n)]
            ratio = f"{med['ember'] / med['redis']:.3f}x" if n == "ember" and med["redis"] else ""
            print(f"| {cmd} | {n} | {fmt([x['fork_ms'] for x in xs])} | "
                  f"{fmt([x['probe_ms'] for x in xs])} | {ratio} |")
    print("\nprobe p99.9 over each run, ms: " +
          "; ".join(f"{n} {fmt(v)}" for n, v in p999.items()))


if __name__ == "__main__":
    main()
