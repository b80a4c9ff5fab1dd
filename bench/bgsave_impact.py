#!/usr/bin/python3
"""BGSAVE impact: extra memory and client latency during a background save, Ember vs Redis.

The persistence issue asks: "BGSAVE gives a point-in-time image of the whole dataset and does
not block clients. Measure and report: extra peak RSS during a BGSAVE of 1M keys under a 50%
write load, and p99 latency of a concurrent client during it versus without it."

Usage (standard library only; run from anywhere):

    bench/bgsave_impact.py                      # 1M keys, 3 rounds per server, ~3-5 minutes
    bench/bgsave_impact.py --quick              # 100k keys, 1 round, ~30 s (smoke test)
    bench/bgsave_impact.py --keys 2000000 --rounds 5 --rate 60000
    bench/bgsave_impact.py --rate 0 --rounds 1                # the save alone, no load
    bench/bgsave_impact.py --rate 20000 --write-pct 0         # reads only
    bench/bgsave_impact.py --ember /usr/bin/redis-server   # harness check: Redis vs Redis

Every option also reads an environment variable (KEYS, ROUNDS, EMBER_BIN, REDIS_BIN, RATE, WRITE_PCT, ...;
see --help). Progress goes to stderr, the report to stdout.

Method (one "run" = one server, one round; rounds alternate Ember, Redis, Redis, Ember, ...)

 1. Server. A fresh server in its own temporary directory (--dir, and its working directory),
    on a free 127.0.0.1 port, persistence otherwise off:
      Ember: ember-server --port P --bind 127.0.0.1 --dir D --appendonly no --save "" --threads 1
      Redis: redis-server --port P --bind 127.0.0.1 --dir D --appendonly no --save ""
    With 2+ CPUs the server is pinned to CPU 1 (taskset) and everything on the client side
    (this script, the load generator, the probe, redis-cli) to CPU 0. NOTE: the BGSAVE child
    inherits the server's affinity, so parent and child share CPU 1. That is the worst case
    for latency (on a big machine the child would get its own core) and the same for both.
 2. Data. KEYS keys "key:%012d" (16 bytes, the format of redis-benchmark -r) with 64-byte
    random hex values (incompressible for LZF, so RDB compression does not make one server's
    file trivially small), streamed as RESP into `redis-cli --pipe`; DBSIZE is checked.
    (DEBUG POPULATE is not used: Redis 7 refuses DEBUG unless enable-debug-command is set,
    and its values are "value:N" padded with zero bytes, i.e. very compressible.)
 3. "50% write load". A separate load-generator process sends a fixed rate of RATE commands
    per second (default 40000) over one connection, in small pipelined batches every 1 ms,
    alternating GET and SET: 50% of the commands are writes (WRITE_PCT, default 50), i.e.
    RATE/2 SETs per second, each on a uniformly random key of the whole keyspace (64-byte
    random values). Diagnostic variants: --rate 0 (no load: what the save costs by itself)
    and --write-pct 0 (reads only: do reads alone cause copy-on-write?). The load is the
    same for both servers and runs through the baseline window and the save. The report shows
    the SETs that landed during each save and the expected share of keys they overwrote
    (1 - exp(-SETs/KEYS)). Writes dirty memory pages, which the kernel must then copy for the
    fork (copy-on-write); with ~40-60 keys per 4 kB page, overwriting even 2% of the keys at
    random touches most pages, so this load makes the copy-on-write cost close to its worst.
 4. Latency probe. Another process sends one GET (random existing key) every PROBE_US
    microseconds (default 1000) on its own connection and records each round trip (send to
    complete reply, CLOCK_MONOTONIC). A late reply delays the next request (no catch-up
    burst), so a stall shows up once, as one large sample (max), not as many.
      baseline window: BASELINE seconds (default 5) of load without a save, after 2 s warm-up;
      save window: from sending BGSAVE until INFO persistence shows rdb_bgsave_in_progress:0.
    Both servers notice the child's exit in their cron (10 Hz), so the save window can run
    up to ~100 ms past the child's exit.
 5. Memory. From BGSAVE until the save is over, every SAMPLE_MS ms (default 10) the script
    reads VmRSS of the server and of its children (found through /proc/PID/task/*/children),
    and the child's /proc/CHILD/smaps_rollup (Private_Clean + Private_Dirty).
      "RSS-sum extra"  = max(parent RSS + child RSS) - parent RSS just before BGSAVE.
                         What the issue literally asks for, but it counts every page the
                         parent and child still share twice: right after fork() the child's
                         RSS is the whole dataset although no memory was copied.
      "real extra"     = max(parent RSS + child private) - parent RSS just before BGSAVE.
                         Pages private to the child are the pages copied on write (the parent
                         wrote its copy) plus the child's own buffers: the memory the machine
                         really needs on top of the server. THIS is the figure to compare.
    Redis also reports its own copy-on-write estimate (INFO rdb_last_cow_size), shown as a
    cross-check.
 6. Fork cost. The round trip of the BGSAVE command itself (Ember: lock all 1024 partitions
    of every database, fork(), unlock; Redis: fork()), and Redis's INFO latest_fork_usec.
    Ember has no latest_fork_usec. The probe's max latency shows whether clients felt it.
 7. Durations. "save window" (BGSAVE sent -> INFO says done) and "child lifetime" (first to
    last 10 ms sample in which the child process existed and was not a zombie).

Summary: the median over rounds, with [min-max], and the Ember/Redis ratio of the medians.
The machine may be shared: the load average at start and end is printed; rerun with more
rounds if it is high. Stops only processes it started, by PID; removes its temp directories.
"""

import argparse
import array
import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import (STARTED, Stop, cleanup, ensure_deps, install_stop_handler, launch_server, log,
                      pct, proc_kb, stop_proc)

SCRIPT = os.path.abspath(__file__)
REPO = os.path.dirname(os.path.dirname(SCRIPT))
VSIZE = 64  # value size (bytes)


# ---------------------------------------------------------------- child roles

def key_bytes(i):
    return b"key:%012d" % i


def role_probe(a):
    """One GET every probe_us; on SIGTERM write (send_ns, rtt_ns) pairs to a.out."""
    state = install_stop_handler()
    rec = array.array("q")
    rnd = random.Random(12345)
    interval = a.probe_us * 1000
    expect = len(b"$%d\r\n" % VSIZE) + VSIZE + 2
    sock = None
    try:
        sock = socket.create_connection(("127.0.0.1", a.port), timeout=60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        nxt = time.monotonic_ns()
        while True:
            now = time.monotonic_ns()
            if now < nxt:
                time.sleep((nxt - now) / 1e9)
            k = key_bytes(rnd.randrange(a.keys))
            req = b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(k), k)
            t0 = time.monotonic_ns()
            sock.sendall(req)
            got = 0
            while got < expect:
                d = sock.recv(4096)
                if not d:
                    raise ConnectionError("closed")
                got += len(d)
            t1 = time.monotonic_ns()
            rec.append(t0)
            rec.append(t1 - t0)
            nxt += interval
            if nxt < t1:
                nxt = t1
    except Stop:
        pass
    finally:
        state["armed"] = False
        if sock:
            sock.close()
        with open(a.out, "wb") as f:
            rec.tofile(f)


def role_load(a):
    """rate commands/s, write_pct% SET (evenly spread) and the rest GET, on random keys,
    in pipelined batches every 1 ms.

    On SIGTERM writes one (batch_start_ns, sets, gets) triple per batch to a.out."""
    state = install_stop_handler()
    rec = array.array("q")
    rnd = random.Random(54321)
    pool = [os.urandom(VSIZE // 2 + 1).hex()[:VSIZE].encode() for _ in range(4096)]
    get_reply = len(b"$%d\r\n" % VSIZE) + VSIZE + 2
    tick = 1_000_000  # ns
    per_tick = a.rate / 1000.0
    sock = None
    try:
        sock = socket.create_connection(("127.0.0.1", a.port), timeout=60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        nxt = time.monotonic_ns()
        carry = 0.0
        wacc = 0.0  # spreads the writes evenly: 50 -> GET, SET, GET, SET, ...
        while True:
            now = time.monotonic_ns()
            if now < nxt:
                time.sleep((nxt - now) / 1e9)
            carry += per_tick
            n = int(carry)
            carry -= n
            parts = []
            sets = gets = 0
            for _ in range(n):
                k = key_bytes(rnd.randrange(a.keys))
                wacc += a.write_pct / 100.0
                if wacc >= 1.0:
                    wacc -= 1.0
                    v = pool[rnd.randrange(4096)]
                    parts.append(b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$%d\r\n%s\r\n" % (k, len(v), v))
                    sets += 1
                else:
                    parts.append(b"*2\r\n$3\r\nGET\r\n$16\r\n%s\r\n" % k)
                    gets += 1
            t0 = time.monotonic_ns()
            if parts:
                sock.sendall(b"".join(parts))
                want = sets * 5 + gets * get_reply
                got = 0
                while got < want:
                    d = sock.recv(1 << 16)
                    if not d:
                        raise ConnectionError("closed")
                    got += len(d)
            rec.append(t0)
            rec.append(sets)
            rec.append(gets)
            nxt += tick
            t1 = time.monotonic_ns()
            if nxt < t1 - 50 * tick:  # more than 50 ms behind: drop the backlog, keep the rate
                nxt = t1
    except Stop:
        pass
    finally:
        state["armed"] = False
        if sock:
            sock.close()
        with open(a.out, "wb") as f:
            rec.tofile(f)


# ---------------------------------------------------------------- process helpers

def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return False
    return s[s.rindex(")") + 2:].split()[0] != "Z"


def children(pid):
    out = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


def smaps_private_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            tot = 0
            for line in f:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    tot += int(line.split()[1])
            return tot
    except OSError:
        return None


# ---------------------------------------------------------------- one run

class Bench:
    def __init__(self, a):
        self.a = a
        ncpu = len(os.sched_getaffinity(0))
        self.pinned = ncpu >= 2
        self.server_pin = ["taskset", "-c", "1"] if self.pinned else []
        self.client_pin = ["taskset", "-c", "0"] if self.pinned else []
        if self.pinned:
            os.sched_setaffinity(0, {0})

    def server_cmd(self, side, port, d):
        a = self.a
        if side == "ember":
            cmd = [a.ember, "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                   "--appendonly", "no", "--save", ""]
            if "ember" in os.path.basename(a.ember):
                cmd += ["--threads", "1"]
        else:
            cmd = [a.redis, "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                   "--appendonly", "no", "--save", ""]
        return self.server_pin + cmd

    def start_server(self, side, d):
        return launch_server(lambda port: self.server_cmd(side, port, d), d, side)

    def load_keys(self, port, conn):
        n = self.a.keys
        p = subprocess.Popen(self.client_pin + ["redis-cli", "-h", "127.0.0.1", "-p", str(port),
                                                "--pipe"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        STARTED.append(p)
        hb = VSIZE // 2 + 1
        chunk = 20000
        try:
            for base in range(0, n, chunk):
                end = min(base + chunk, n)
                blob = os.urandom((end - base) * hb).hex().encode()
                step = 2 * hb
                p.stdin.write(b"".join(
                    b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$%d\r\n%s\r\n"
                    % (i, VSIZE, blob[(i - base) * step:(i - base) * step + VSIZE])
                    for i in range(base, end)))
            p.stdin.close()
            out = p.stdout.read().decode(errors="replace")
            p.wait()
        finally:
            if p in STARTED:
                STARTED.remove(p)
        if f"errors: 0, replies: {n}" not in out:
            raise SystemExit(f"redis-cli --pipe failed: {out}")
        got = conn.call("DBSIZE")
        if got != n:
            raise SystemExit(f"DBSIZE is {got}, expected {n}")

    def spawn_role(self, role, port, out, extra):
        cmd = self.client_pin + [sys.executable, SCRIPT, "--_role", role, "--_port", str(port),
                                 "--_out", out, "--keys", str(self.a.keys)] + extra
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True)
        STARTED.append(p)
        return p

    def run(self, side, rnd):
        a = self.a
        d = tempfile.mkdtemp(prefix=f"bgsave-impact-{side}-")
        res = {"side": side, "round": rnd}
        srv = None
        try:
            srv, port, conn = self.start_server(side, d)
            res["version"] = self.version(conn)
            t = time.monotonic()
            self.load_keys(port, conn)
            res["load_s"] = time.monotonic() - t
            time.sleep(1)
            res["rss_loaded_kb"] = proc_kb(srv.pid)

            probe_out = os.path.join(d, "probe.bin")
            load_out = os.path.join(d, "load.bin")
            load = self.spawn_role("load", port, load_out,
                                   ["--rate", str(a.rate), "--write-pct", str(a.write_pct)])
            probe = self.spawn_role("probe", port, probe_out, ["--probe-us", str(a.probe_us)])
            time.sleep(2)  # warm-up
            for p, what in ((load, "load generator"), (probe, "probe")):
                if p.poll() is not None:
                    raise SystemExit(f"{what} exited early (status {p.returncode})")

            # Baseline window: load and probe, no save.
            b0 = time.monotonic_ns()
            base_rss = []
            while time.monotonic_ns() - b0 < a.baseline * 1e9:
                base_rss.append(proc_kb(srv.pid))
                time.sleep(0.05)
            b1 = time.monotonic_ns()
            if conn.info("persistence").get("rdb_bgsave_in_progress") != "0":
                raise SystemExit("a save is already running before BGSAVE")
            parent_before = proc_kb(srv.pid)
            res["rss_before_kb"] = parent_before
            res["rss_baseline_max_kb"] = max(base_rss)

            # The save.
            s0 = time.monotonic_ns()
            reply = conn.call("BGSAVE")
            s1 = time.monotonic_ns()
            res["bgsave_reply"] = reply
            res["bgsave_rtt_ms"] = (s1 - s0) / 1e6
            peak_sum = peak_real = peak_child_rss = peak_child_priv = peak_parent = 0
            child_first = child_last = None
            child_pids = set()
            next_info = 0
            done = None
            deadline = s0 + a.timeout * 1e9
            while True:
                now = time.monotonic_ns()
                par = proc_kb(srv.pid) or 0
                crss = cpriv = 0
                kids = children(srv.pid)
                live = False
                for c in kids:
                    r = proc_kb(c)
                    if r is None or not alive(c):
                        continue
                    live = True
                    child_pids.add(c)
                    pv = smaps_private_kb(c) or 0
                    crss += r
                    cpriv += pv
                if live:
                    if child_first is None:
                        child_first = now
                    child_last = now
                peak_parent = max(peak_parent, par)
                peak_sum = max(peak_sum, par + crss)
                peak_real = max(peak_real, par + cpriv)
                peak_child_rss = max(peak_child_rss, crss)
                peak_child_priv = max(peak_child_priv, cpriv)
                if now >= next_info:
                    next_info = now + a.info_ms * 1_000_000
                    if conn.info("persistence").get("rdb_bgsave_in_progress") == "0":
                        done = time.monotonic_ns()
                        break
                if now > deadline:
                    raise SystemExit(f"BGSAVE did not finish within {a.timeout} s")
                time.sleep(a.sample_ms / 1000.0)
            time.sleep(1)  # a little load after the save, then stop the clients
            stop_proc(probe)
            stop_proc(load)
            if probe.returncode not in (0, -signal.SIGTERM) or \
                    load.returncode not in (0, -signal.SIGTERM):
                raise SystemExit(f"probe/load exited with {probe.returncode}/{load.returncode}")

            pers = conn.info("persistence")
            stats = conn.info("stats")
            if pers.get("rdb_last_bgsave_status") != "ok":
                raise SystemExit(f"{side}: BGSAVE failed: {pers}")
            rdb = os.path.join(d, "dump.rdb")
            res["rdb_mb"] = os.path.getsize(rdb) / 2**20 if os.path.exists(rdb) else float("nan")
            res["fork_usec"] = int(stats["latest_fork_usec"]) if "latest_fork_usec" in stats else None
            res["cow_kb"] = int(pers["rdb_last_cow_size"]) // 1024 if "rdb_last_cow_size" in pers \
                else None
            res["save_window_s"] = (done - s0) / 1e9
            res["child_life_s"] = ((child_last - child_first) / 1e9) if child_first else float("nan")
            res["children_seen"] = len(child_pids)
            res["rss_peak_parent_kb"] = peak_parent
            res["extra_rss_sum_kb"] = peak_sum - parent_before
            res["extra_real_kb"] = peak_real - parent_before
            res["child_rss_peak_kb"] = peak_child_rss
            res["child_private_peak_kb"] = peak_child_priv
            res["rss_after_kb"] = proc_kb(srv.pid)

            # Latency windows.
            pr = array.array("q")
            with open(probe_out, "rb") as f:
                pr.frombytes(f.read())
            base_lat, save_lat = [], []
            for i in range(0, len(pr) - 1, 2):
                ts, rtt = pr[i], pr[i + 1]
                if b0 <= ts < b1:
                    base_lat.append(rtt / 1000.0)
                elif s0 <= ts < done:
                    save_lat.append(rtt / 1000.0)
            base_lat.sort()
            save_lat.sort()
            for name, lat in (("base", base_lat), ("save", save_lat)):
                res[f"{name}_n"] = len(lat)
                for p in (50, 99, 99.9):
                    res[f"{name}_p{p}"] = pct(lat, p)
                res[f"{name}_max"] = lat[-1] if lat else float("nan")

            lr = array.array("q")
            with open(load_out, "rb") as f:
                lr.frombytes(f.read())
            b_ops = s_ops = s_sets = 0
            for i in range(0, len(lr) - 2, 3):
                ts, sets, gets = lr[i], lr[i + 1], lr[i + 2]
                if b0 <= ts < b1:
                    b_ops += sets + gets
                elif s0 <= ts < done:
                    s_ops += sets + gets
                    s_sets += sets
            res["base_ops_s"] = b_ops / ((b1 - b0) / 1e9)
            res["save_ops_s"] = s_ops / ((done - s0) / 1e9)
            res["save_sets"] = s_sets
            res["keys_overwritten_pct"] = 100.0 * (1 - math.exp(-s_sets / a.keys))
            conn.close()
            return res
        finally:
            if srv is not None:
                stop_proc(srv)
            for p in list(STARTED):  # probe/load if we bailed out early
                stop_proc(p)
            if a.keep:
                log(f"  kept {d}")
            else:
                shutil.rmtree(d, ignore_errors=True)

    @staticmethod
    def version(conn):
        info = conn.info("server")
        if "ember_version" in info:
            return "ember " + info["ember_version"]
        return "redis " + info.get("redis_version", "?")


# ---------------------------------------------------------------- report

def mb(kb):
    return kb / 1024.0


ROWS = [
    # (label, key, transform, format)
    ("RSS after loading (MB)", "rss_before_kb", mb, "{:.1f}"),
    ("extra peak RSS, RSS sum (MB)", "extra_rss_sum_kb", mb, "{:.1f}"),
    ("extra peak, real: child private (MB)", "extra_real_kb", mb, "{:.1f}"),
    ("  child private peak (MB)", "child_private_peak_kb", mb, "{:.1f}"),
    ("  child RSS peak (MB)", "child_rss_peak_kb", mb, "{:.1f}"),
    ("  Redis's own COW figure (MB)", "cow_kb", mb, "{:.1f}"),
    ("BGSAVE command round trip (ms)", "bgsave_rtt_ms", None, "{:.2f}"),
    ("fork, INFO latest_fork_usec (ms)", "fork_usec", lambda v: v / 1000.0, "{:.2f}"),
    ("save window: BGSAVE -> done (s)", "save_window_s", None, "{:.2f}"),
    ("child lifetime (s)", "child_life_s", None, "{:.2f}"),
    ("RDB file (MB)", "rdb_mb", None, "{:.1f}"),
    ("SETs during the save", "save_sets", None, "{:.0f}"),
    ("keys overwritten during save (%)", "keys_overwritten_pct", None, "{:.1f}"),
    ("load: ops/s baseline", "base_ops_s", None, "{:.0f}"),
    ("load: ops/s during save", "save_ops_s", None, "{:.0f}"),
    ("probe p50 without BGSAVE (us)", "base_p50", None, "{:.0f}"),
    ("probe p50 during BGSAVE (us)", "save_p50", None, "{:.0f}"),
    ("probe p99 without BGSAVE (us)", "base_p99", None, "{:.0f}"),
    ("probe p99 during BGSAVE (us)", "save_p99", None, "{:.0f}"),
    ("probe p99.9 without BGSAVE (us)", "base_p99.9", None, "{:.0f}"),
    ("probe p99.9 during BGSAVE (us)", "save_p99.9", None, "{:.0f}"),
    ("probe max without BGSAVE (us)", "base_max", None, "{:.0f}"),
    ("probe max during BGSAVE (us)", "save_max", None, "{:.0f}"),
    ("probe samples without / during", None, None, None),
]


def summarize(results, names):
    lines = []
    hdr = f"| {'metric':<38} | {names['ember'] + ' median [min-max]':<30} | " \
          f"{names['redis'] + ' median [min-max]':<30} | {'E/R':>5} |"
    lines.append(hdr)
    lines.append("|" + "-" * 40 + "|" + "-" * 32 + "|" + "-" * 32 + "|" + "-" * 7 + "|")
    for label, key, tf, fmt in ROWS:
        cells = []
        meds = []
        if key is None:
            for side in ("ember", "redis"):
                rs = [r for r in results if r["side"] == side]
                cells.append(f"{statistics.median([r['base_n'] for r in rs]):.0f} / "
                             f"{statistics.median([r['save_n'] for r in rs]):.0f}")
            lines.append(f"| {label:<38} | {cells[0]:<30} | {cells[1]:<30} | {'':>5} |")
            continue
        for side in ("ember", "redis"):
            vals = [r.get(key) for r in results if r["side"] == side]
            vals = [v for v in vals if v is not None and not (isinstance(v, float) and math.isnan(v))]
            if not vals:
                cells.append("n/a")
                meds.append(None)
                continue
            if tf:
                vals = [tf(v) for v in vals]
            m = statistics.median(vals)
            meds.append(m)
            cells.append(f"{fmt.format(m)} [{fmt.format(min(vals))}-{fmt.format(max(vals))}]")
        ratio = f"{meds[0] / meds[1]:.2f}" if None not in meds and meds[1] else ""
        lines.append(f"| {label:<38} | {cells[0]:<30} | {cells[1]:<30} | {ratio:>5} |")
    return "\n".join(lines)


def per_round(results, names):
    cols = [("server", None), ("rnd", "round"), ("RSS0 MB", "rss_before_kb"),
            ("+sum MB", "extra_rss_sum_kb"), ("+real MB", "extra_real_kb"),
            ("rtt ms", "bgsave_rtt_ms"), ("save s", "save_window_s"),
            ("child s", "child_life_s"), ("SETs", "save_sets"),
            ("p99 base", "base_p99"), ("p99 save", "save_p99"),
            ("p99.9 b", "base_p99.9"), ("p99.9 s", "save_p99.9"),
            ("max base", "base_max"), ("max save", "save_max")]
    out = ["  ".join(f"{c:>9}" for c, _ in cols)]
    for r in results:
        row = []
        for c, k in cols:
            if k is None:
                row.append(f"{names[r['side']]:>9}")
                continue
            v = r.get(k)
            if k.endswith("_kb"):
                v = mb(v)
            row.append(f"{v:>9.2f}" if isinstance(v, float) and v < 100 else f"{v:>9.0f}")
        out.append("  ".join(row))
    return "\n".join(out)


def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=int(env("KEYS", 1000000)),
                    help="keys loaded before the save (env KEYS; default 1000000)")
    ap.add_argument("--rounds", type=int, default=int(env("ROUNDS", 3)),
                    help="rounds per server, alternating (env ROUNDS; default 3)")
    ap.add_argument("--ember", default=env("EMBER_BIN", os.path.join(REPO, "build", "ember-server")),
                    help="Ember binary (env EMBER_BIN; default build/ember-server)")
    ap.add_argument("--redis", default=env("REDIS_BIN", "/usr/bin/redis-server"),
                    help="Redis binary (env REDIS_BIN; default /usr/bin/redis-server)")
    ap.add_argument("--rate", type=int, default=int(env("RATE", 40000)),
                    help="background load, commands/s (env RATE; default 40000)")
    ap.add_argument("--write-pct", type=float, default=float(env("WRITE_PCT", 50)),
                    help="share of the background load that is SET (env WRITE_PCT; default 50)")
    ap.add_argument("--probe-us", type=int, default=int(env("PROBE_US", 1000)),
                    help="probe interval in microseconds (env PROBE_US; default 1000)")
    ap.add_argument("--baseline", type=float, default=float(env("BASELINE", 5)),
                    help="seconds of the no-save baseline window (env BASELINE; default 5)")
    ap.add_argument("--sample-ms", type=float, default=float(env("SAMPLE_MS", 10)),
                    help="RSS sampling period during the save (env SAMPLE_MS; default 10)")
    ap.add_argument("--info-ms", type=float, default=float(env("INFO_MS", 50)),
                    help="INFO persistence polling period (env INFO_MS; default 50)")
    ap.add_argument("--timeout", type=float, default=float(env("SAVE_TIMEOUT", 300)),
                    help="give up on a save after this many seconds (default 300)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 100k keys, 1 round, 2 s baseline")
    ap.add_argument("--keep", action="store_true", help="keep the temp directories")
    ap.add_argument("--_role", help=argparse.SUPPRESS)
    ap.add_argument("--_port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--_out", help=argparse.SUPPRESS)
    a = ap.parse_args()
    ensure_deps()
    a.port, a.out = a._port, a._out
    if a._role == "probe":
        return role_probe(a)
    if a._role == "load":
        return role_load(a)
    if a.quick:
        a.keys, a.rounds, a.baseline = 100000, 1, 2.0

    a.ember, a.redis = os.path.abspath(a.ember), os.path.abspath(a.redis)
    for b in (a.ember, a.redis):
        if not os.access(b, os.X_OK):
            raise SystemExit(f"not executable: {b}")
    for tool in ("redis-cli",) + (("taskset",) if len(os.sched_getaffinity(0)) >= 2 else ()):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found (apt-get install -y redis-tools util-linux)")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = Bench(a)
    names = {"ember": "Ember", "redis": "Redis"}
    if "ember" not in os.path.basename(a.ember):
        names["ember"] = "Stand-in"
    load0 = open("/proc/loadavg").read().split()[:3]
    try:
        thp = open("/sys/kernel/mm/transparent_hugepage/enabled").read().strip()
    except OSError:
        thp = "n/a"
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), os.uname().machine)
    log(f"== BGSAVE impact: {a.keys} keys, {a.rounds} round(s), load {a.rate} cmd/s"
        f" ({a.write_pct:g}% SET)")
    log(f"   load average at start: {' '.join(load0)}")
    t_start = time.monotonic()
    results = []
    try:
        for rnd in range(1, a.rounds + 1):
            order = ("ember", "redis") if rnd % 2 else ("redis", "ember")
            for side in order:
                log(f"-- round {rnd}/{a.rounds}: {names[side]}")
                r = bench.run(side, rnd)
                results.append(r)
                log(f"   {r['version']}: loaded in {r['load_s']:.1f} s, RSS {mb(r['rss_before_kb']):.0f} MB;"
                    f" BGSAVE rtt {r['bgsave_rtt_ms']:.2f} ms, save {r['save_window_s']:.2f} s;"
                    f" extra RSS-sum {mb(r['extra_rss_sum_kb']):.0f} MB, real {mb(r['extra_real_kb']):.0f} MB;"
                    f" p99 {r['base_p99']:.0f} -> {r['save_p99']:.0f} us,"
                    f" max {r['base_max']:.0f} -> {r['save_max']:.0f} us")
    finally:
        cleanup()
    load1 = open("/proc/loadavg").read().split()[:3]

    ver = {s: next(r["version"] for r in results if r["side"] == s) for s in ("ember", "redis")}
    out = []
    out.append("BGSAVE impact: Ember vs Redis (bench/bgsave_impact.py)")
    out.append("")
    out.append(f"date:        {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    out.append(f"machine:     {os.cpu_count()} CPUs,"
               f" {cpu}, Linux {os.uname().release}, THP {thp}")
    out.append(f"load avg:    {' '.join(load0)} at start, {' '.join(load1)} at end"
               f" (shared machine: figures are noisy when this is high)")
    out.append(f"pinning:     " + ("server (and so its BGSAVE child) on CPU 1; script, load, probe,"
                                   " redis-cli on CPU 0" if bench.pinned else "none (1 CPU)"))
    out.append(f"ember:       {' '.join(bench.server_cmd('ember', 'PORT', 'TMPDIR'))}  ({ver['ember']})")
    out.append(f"redis:       {' '.join(bench.server_cmd('redis', 'PORT', 'TMPDIR'))}  ({ver['redis']})")
    out.append(f"dataset:     {a.keys} keys key:%012d, {VSIZE}-byte random hex values,"
               f" loaded with redis-cli --pipe into a fresh server per run")
    out.append(f"write load:  {a.rate} cmd/s on 1 connection, 1 ms pipelined batches, {a.write_pct:g}%"
               f" SET / {100 - a.write_pct:g}% GET ({a.rate * a.write_pct / 100:.0f} SET/s) on random keys")
    out.append(f"probe:       1 connection, GET of a random key every {a.probe_us} us; baseline"
               f" window {a.baseline:g} s without a save, save window = BGSAVE sent ->"
               f" rdb_bgsave_in_progress:0")
    out.append(f"memory:      parent + child VmRSS and child smaps_rollup private every"
               f" {a.sample_ms:g} ms during the save")
    out.append(f"rounds:      {a.rounds} per server, alternating; {time.monotonic() - t_start:.0f} s total")
    out.append("")
    out.append("Summary (median over rounds [min-max]; E/R = Ember median / Redis median)")
    out.append("")
    out.append(summarize(results, names))
    out.append("")
    out.append("Per run (MB, ms, s, us)")
    out.append("")
    out.append(per_round(results, names))
    out.append("")
    out.append("Reading it:")
    out.append("- 'extra peak RSS, RSS sum' is max(parent RSS + child RSS) minus the parent's RSS just")
    out.append("  before BGSAVE: the literal figure, but it counts every page parent and child still")
    out.append("  share twice (right after fork() the child's RSS is the whole dataset). It overstates.")
    out.append("- 'extra peak, real' replaces the child's RSS by its private memory (smaps_rollup")
    out.append("  Private_Clean+Private_Dirty): the pages copied on write plus the child's own buffers.")
    out.append("  This is the memory the save really costs; Redis's own rdb_last_cow_size agrees with it.")
    out.append("- BGSAVE round trip = how long the server's thread is busy starting the save (Ember: lock")
    out.append("  every partition of every database, fork(), unlock; Redis: fork()). Clients on that")
    out.append("  thread wait that long; the probe's 'max during BGSAVE' shows it.")
    out.append("- Parent and child share CPU 1 (the child inherits the affinity), so the latency during")
    out.append("  the save includes CPU contention with the child: a worst case, the same for both.")
    print("\n".join(out))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        cleanup()
        sys.exit(130)
