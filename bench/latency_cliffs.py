#!/usr/bin/python3
"""Latency cliffs: does a steady client ever see a slow reply while the server does big work?

The performance issue (target 4) asks: "No latency cliffs: while one client fills the keyspace
from 0 to 10M keys, a second client sending PING/GET at a steady rate never sees a reply slower
than 5 ms (table growth must be incremental or segmented, never one stop-the-world rehash); same
while 1M keys expire at the same second, during FLUSHALL ASYNC of 10M keys, and during BGSAVE.
Report max and p99.9 for each."

Usage (standard library only, plus redis-cli and redis-server from Debian):

    bench/latency_cliffs.py                 # 10M keys, 1 round of the 10M scenarios, 3 of expiry
    bench/latency_cliffs.py --quick         # 1M keys (expiry: 100k+100k), 1 round each
    bench/latency_cliffs.py --servers ember1,redis --expiry-rounds 5
    bench/latency_cliffs.py --ember /usr/bin/redis-server     # harness check: Redis vs Redis

Servers (each row is a fresh process, persistence off explicitly, since Ember's defaults are
appendonly yes and a save schedule):
    ember1: ember-server --port P --bind 127.0.0.1 --dir D --appendonly no --save "" --threads 1
    ember2: the same with --threads 2
    redis:  redis-server --port P --bind 127.0.0.1 --dir D --appendonly no --save ""
With 2+ CPUs the server is pinned to CPU 1 (taskset; so ember2's two event loops share one
core) and every client (this script, the probe, redis-cli, the write load) to CPU 0. As root
the servers run under `nice -n -10` (--server-nice; 0 = off) so that other tenants of a
shared machine cannot preempt them for long: what remains is the server's own stalls.

The probe: its own process and connection; sends one GET of a random existing-or-not key
every PROBE_US (default 1000 us) and times each round trip with time.perf_counter_ns
(CLOCK_MONOTONIC). A late reply delays the next request (no catch-up burst), so one stall is
one large sample. When running as root it runs under SCHED_FIFO (chrt -f 1) so that the
filler sharing CPU 0 cannot delay it: what it measures is the server, not the client's CPU.

Scenarios (per server; the three 10M-key scenarios share one server process, in this order,
and the server is stopped afterwards so its memory is freed):
 1. fill:  `redis-cli --pipe` streams a pre-generated file of KEYS "SET k:%08d vvvvvvvv"
           (8-byte values, all keys distinct) as fast as the server takes it. Window: from
           starting redis-cli to its exit. Reports the fill rate and DBSIZE is checked.
 4. bgsave: (with the KEYS keys) a light write load (LOAD_RATE SET/s on random keys, default
           2000, in batches every 1 ms) plus the probe; BGSAVE is sent and INFO persistence
           polled every 50 ms until rdb_bgsave_in_progress:0. Window: BGSAVE sent -> done.
           Reports the BGSAVE round trip (the fork stall as the caller sees it), INFO
           latest_fork_usec (Redis; Ember if it has it) and the save duration.
 3. flushall: FLUSHALL ASYNC of the KEYS keys; window: FLUSHALL sent -> +5 s. Reports the
           command's own round trip and when DBSIZE read 0.
 2. expiry (separate fresh server per round): EXPIRE_KEYS keys without TTL ("p:%07d"), then
           EXPIRE_KEYS keys "e:%07d" with SET ... PXAT T, all at the same millisecond T (~3 s
           after the load finishes). The probe GETs the p: keys. Window: T-1 s -> until DBSIZE
           is back to EXPIRE_KEYS, at least T+7 s. Reports the reclaim time (T -> DBSIZE ==
           EXPIRE_KEYS, DBSIZE polled every 10 ms: the active expiry cycle's speed).

Per scenario table: max, p99.9, p99 (ms), samples, samples over 5 ms, the offset of the max from
the window start, and Ember/Redis ratios of max and p99.9. With --sched-trace (root, perf, 2+
CPUs) the server CPU's context switches and both CPUs' wake-ups are recorded too, and each slow
sample is split into the probe's wait for its CPU once the reply woke it, and, until the reply, the
server's own threads' time, idle time and other tasks' time (bench/README.md); host steal
(time the hypervisor kept the server's vCPU while one of its threads seemed to run) is found
where the scheduler's runtime updates add less than the wall time between them, and the table
gives the largest sample without it too. Rounds: the 10M scenarios 1 round by
default (--rounds), expiry 3 (--expiry-rounds); with more rounds, the median per figure and the
worst max. Stops only processes it started, by PID; removes its temp directories (keeps the
pre-generated fill file in /tmp for reuse unless --no-cache).
"""

import argparse
import array
import bisect
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
STALL_MS = 5.0


def now_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


# ---------------------------------------------------------------- child roles

def role_probe(a):
    """GET <prefix><random index> every probe_us; on SIGTERM write (send_ns, rtt_ns) pairs."""
    state = install_stop_handler()
    rec = array.array("q")
    rnd = random.Random(12345)
    interval = a.probe_us * 1000
    fmt = a.probe_fmt.encode()
    sock = None
    perf = time.perf_counter_ns
    try:
        sock = socket.create_connection(("127.0.0.1", a._port), timeout=120)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        nxt = perf()
        while True:
            now = perf()
            if now < nxt:
                time.sleep((nxt - now) / 1e9)
            k = fmt % rnd.randrange(a.probe_keys)
            req = b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(k), k)
            t0 = perf()
            sock.sendall(req)
            buf = b""
            need = None
            while True:
                d = sock.recv(4096)
                if not d:
                    raise ConnectionError("closed")
                buf += d
                if need is None:
                    i = buf.find(b"\r\n")
                    if i < 0:
                        continue
                    if buf[:1] != b"$":
                        raise RuntimeError(f"probe: unexpected reply {buf[:80]!r}")
                    n = int(buf[1:i])
                    need = i + 2 + (n + 2 if n >= 0 else 0)
                if len(buf) >= need:
                    break
            t1 = perf()
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
        with open(a._out, "wb") as f:
            rec.tofile(f)


def role_load(a):
    """load_rate SET/s on random k: keys, in batches every 1 ms."""
    state = install_stop_handler()
    rnd = random.Random(54321)
    per_tick = a.load_rate / 1000.0
    sock = None
    try:
        sock = socket.create_connection(("127.0.0.1", a._port), timeout=120)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        nxt = now_ns()
        carry = 0.0
        while True:
            now = now_ns()
            if now < nxt:
                time.sleep((nxt - now) / 1e9)
            carry += per_tick
            n = int(carry)
            carry -= n
            if n:
                sock.sendall(b"".join(b"*3\r\n$3\r\nSET\r\n$10\r\nk:%08d\r\n$8\r\nwwwwwwww\r\n"
                                      % rnd.randrange(a.keys) for _ in range(n)))
                got = 0
                while got < 5 * n:
                    d = sock.recv(1 << 16)
                    if not d:
                        raise ConnectionError("closed")
                    got += len(d)
            nxt += 1_000_000
            t1 = now_ns()
            if nxt < t1 - 50_000_000:
                nxt = t1
    except Stop:
        pass
    finally:
        state["armed"] = False
        if sock:
            sock.close()


# ---------------------------------------------------------------- process helpers

def fill_cmd(i):
    return b"*3\r\n$3\r\nSET\r\n$10\r\nk:%08d\r\n$8\r\nvvvvvvvv\r\n" % i


def generate_fill_file(path, n):
    """RESP stream of n distinct SETs; cached in /tmp (about 45 bytes per key)."""
    if os.path.exists(path) and os.path.getsize(path) == n * len(fill_cmd(0)):
        return
    log(f"  generating {path} ({n} SETs) ...")
    t = time.monotonic()
    tmp = path + ".tmp"
    pat = b"*3\r\n$3\r\nSET\r\n$10\r\nk:%08d\r\n$8\r\nvvvvvvvv\r\n"
    with open(tmp, "wb") as f:
        for base in range(0, n, 200000):
            f.write(b"".join([pat % i for i in range(base, min(n, base + 200000))]))
    os.replace(tmp, path)
    log(f"  generated in {time.monotonic() - t:.1f} s")


# ---------------------------------------------------------------- stall attribution

class SchedTrace:
    """`perf record` of the scheduler's switches on the server's CPU and of wake-ups on the
    server's and the probe's CPUs, on the probe's clock.

    For a slow probe sample it tells who had the server's CPU meanwhile: the server's own
    threads (and its fork children), nobody (idle), or other tasks (kernel threads, other
    processes); and how long the probe, woken by the reply, waited for its own CPU. A sample
    minus the probe's wait and the other tasks' time is the server's own latency: what the
    sample would have been had the server had its core to itself and the probe run at once."""

    def __init__(self, cpu, probe_cpu, path):
        self.path = path
        self.cpu = cpu
        self.p = subprocess.Popen(["perf", "record", "-q", "-e", "sched:sched_switch", "-e",
                                   "sched:sched_stat_runtime", "-e", "sched:sched_wakeup",
                                   "-C", f"{cpu},{probe_cpu}",
                                   "-k", "CLOCK_MONOTONIC", "-o", path],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        STARTED.append(self.p)
        time.sleep(0.5)  # perf's start-up

    def stop(self):
        """Stops recording. Returns the server CPU's runs, [start_ns, end_ns, tgid, tid, comm],
        {tid: sorted wake-up times (ns)} from both CPUs, and the sorted wake-up times of any
        event-loop thread (LOOP_COMMS).

        A switch away from a task is recorded, a switch away from the idle task is not: a run
        that follows a recorded switch starts at it, one that follows an idle period starts
        its runtime (the sum of its sched_stat_runtime deltas) before it ends."""
        stop_proc(self.p, signal.SIGINT)
        out = subprocess.run(["perf", "script", "-i", self.path, "-F", "pid,tid,cpu,time,trace"],
                             capture_output=True, text=True).stdout
        os.unlink(self.path)
        runs, wakes, loop_wakes, steals = [], {}, [], []
        last_t, last_next = None, None  # the previous recorded switch and whom it ran
        ran = {}  # tid -> runtime (ns) since its last switch-out
        since = {}  # tid -> when the running task's last runtime update (or switch-in) was
        cur, tgid_of = None, {}  # the task running on the server CPU; thread -> process
        for line in out.splitlines():
            # "pid/tid [cpu] secs: comm=a pid=1 runtime=N [ns]" (sched_stat_runtime),
            # "pid/tid [cpu] secs: comm=a pid=1 prio=P target_cpu=C" (sched_wakeup) or
            # "pid/tid [cpu] secs: prev_comm=a prev_pid=1 ... ==> next_comm=b next_pid=2 ..."
            try:
                ids, cpu, rest = line.split(None, 2)
                ts, trace = rest.split(":", 1)
                pid, tid = (int(x) for x in ids.split("/"))
                cpu = int(cpu.strip("[]"))
                t = int(round(float(ts) * 1e9))
                if cpu == self.cpu:
                    cur, tgid_of[tid] = tid, pid
                if "==>" not in trace:  # a wake-up or a runtime update, of the task named
                    comm, after = trace.split("comm=", 1)[1].split(" pid=", 1)
                    named = int(after.split()[0])
                    if "target_cpu=" in trace:
                        wakes.setdefault(named, []).append(t)
                        if comm.startswith(LOOP_COMMS):
                            loop_wakes.append(t)
                    elif "runtime=" in trace and named == cur:
                        # (Only the running task's: a wake-up on the other CPU may record it
                        # there.) The runtime excludes the time the host kept the vCPU (steal,
                        # with CONFIG_PARAVIRT_TIME_ACCOUNTING); the trace's clock does not.
                        d = int(trace.split("runtime=", 1)[1].split()[0])
                        ran[named] = ran.get(named, 0) + d
                        if named in since and t - since[named] - d > STEAL_MIN_NS:
                            steals.append((since[named], t, t - since[named] - d,
                                           tgid_of.get(named, named), comm))
                        since[named] = t
                    continue
                if cpu != self.cpu:
                    continue
                prev, nxt = trace.split("==>")
                prev_comm = prev.split("prev_comm=", 1)[1].split(" prev_pid=")[0]
                next_tid = int(nxt.split("next_pid=", 1)[1].split()[0])
            except (ValueError, IndexError):
                continue
            if last_next == tid:
                start = last_t
            else:  # came from idle (or the recording began mid-run)
                start = t - ran.get(tid, 0)
                if last_t is not None:
                    start = max(start, last_t)
            runs.append([start, t, pid, tid, prev_comm])
            ran[tid] = 0
            since.pop(tid, None)
            since[next_tid] = t
            cur = next_tid
            last_t, last_next = t, next_tid
        runs.sort()
        steals.sort()
        for v in wakes.values():
            v.sort()
        loop_wakes.sort()
        # What no run covers is idle time (or a task that never switched out while recorded).
        return runs, wakes, loop_wakes, steals


# The threads that read requests: a wake-up of one marks when a request reached a sleeping
# server (Redis's main thread, or one of Ember's event loops).
LOOP_COMMS = ("ember-loop-", "redis-server")

# The server's threads have its PID as thread group; its fork children (Redis's BGSAVE, first
# named like their parent, then redis-rdb-bgsave) are the server's work too.
SERVER_COMMS = ("ember-", "redis-server", "redis-rdb", "redis-aof")


# Runtime updates come at every scheduler tick (4 ms at HZ=250) and at switches; a gap between
# their wall time and the runtime they add beyond this is host steal.
STEAL_MIN_NS = 100_000


def is_server(tgid, comm, server_pid):
    """A thread of the server process, or one of its fork children (named like the server)."""
    return tgid == server_pid or comm.startswith(SERVER_COMMS)


def steal_within(steals, window_ns, server_pid=None):
    """Host steal (ns) on the server CPU within [t0, t1], from the (start, end, steal, tgid,
    comm) spans of SchedTrace.stop, of any task or (given server_pid) of the server's; a span
    partly inside counts in proportion."""
    t0, t1 = window_ns
    total = 0
    for s, e, d, tgid, comm in steals:
        if e <= t0 or s >= t1:
            continue
        if server_pid is not None and not is_server(tgid, comm, server_pid):
            continue
        total += d * (min(e, t1) - max(s, t0)) / (e - s)
    return total


def attribute(runs, server_pid, window_ns):
    """Run time on the server CPU within [t0, t1]: server, idle, other, and by thread name
    (the server's threads, then the other tasks, largest first)."""
    t0, t1 = window_ns
    own = other = 0
    mine, theirs = {}, {}
    for s, e, tgid, tid, comm in runs:
        if e <= t0 or s >= t1:
            continue
        d = min(e, t1) - max(s, t0)
        if is_server(tgid, comm, server_pid):
            own += d
            mine[comm] = mine.get(comm, 0) + d
        else:
            other += d
            theirs[comm] = theirs.get(comm, 0) + d
    idle = max(0, (t1 - t0) - own - other)
    top = (sorted(mine.items(), key=lambda x: -x[1])[:3]
           + sorted(theirs.items(), key=lambda x: -x[1])[:3])
    return own, idle, other, top


def steal_ms(cpu=1):
    """Time the hypervisor kept CPU `cpu` from this VM so far (/proc/stat 'steal', 10 ms
    ticks). The guest's scheduler cannot see it: a thread shows as running meanwhile."""
    try:
        with open("/proc/stat") as f:
            for line in f:
                if line.startswith(f"cpu{cpu} "):
                    return int(line.split()[8]) * 1000.0 / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    return float("nan")


def wakes_within(times, s, e):
    """The wake-ups of a sorted list that fall in [s, e]."""
    return times[bisect.bisect_left(times, s):bisect.bisect_right(times, e)]


def explain_stalls(st, samples, trace, server_pid, probe_pid, t0, t1):
    """Adds each over-5 ms sample's breakdown to st, and st['own_max']: the largest sample
    minus the time the woken probe waited for its CPU and the time other tasks had the
    server's CPU until the reply; st['own_nosteal_max']: the same without host steal too."""
    runs, wakes, loop_wakes, steals = trace
    st["stalls"] = []
    st["steal_trace_ms"] = steal_within(steals, (t0, t1)) / 1e6
    own_max, worst, own_nosteal_max = 0, None, 0
    for s, r in samples:
        if not t0 <= s <= t1:
            continue
        # The reply woke the probe at its last wake-up in the sample (none: the reply came
        # before it slept).
        woke = wakes_within(wakes.get(probe_pid, []), s, s + r)
        w = woke[-1] if woke else s + r
        own, idle, other, top = attribute(runs, server_pid, (s, w))
        x = {"at": (s - t0) / 1e9, "mono": s / 1e9, "ms": r / 1e6, "server": own / 1e6, "idle": idle / 1e6,
             "other": other / 1e6, "probe": (s + r - w) / 1e6,
             "who": [(c, d / 1e6) for c, d in top]}
        x["own"] = x["ms"] - x["probe"] - x["other"]
        # Host steal while the server's threads "ran" (steal during other tasks' runs is
        # already out with them).
        x["steal"] = min(x["server"], steal_within(steals, (s, w), server_pid) / 1e6)
        own_nosteal_max = max(own_nosteal_max, x["own"] - x["steal"])
        # When the request woke a sleeping event loop (None: the loop was awake, polling or busy).
        lw = wakes_within(loop_wakes, s, w)
        x["loop_woken"] = (lw[0] - s) / 1e6 if lw else None
        if x["own"] * 1e6 > own_max:
            own_max, worst = x["own"] * 1e6, x
        if r > STALL_MS * 1e6:
            st["stalls"].append(x)
    if worst is not None and worst not in st["stalls"]:
        st["stalls"].append(dict(worst, own_worst=True))
    st["own_max"] = own_max / 1e6
    st["own_over"] = sum(1 for x in st["stalls"] if x["own"] > STALL_MS)
    st["own_nosteal_max"] = own_nosteal_max
    st["own_nosteal_over"] = sum(1 for x in st["stalls"] if x["own"] - x["steal"] > STALL_MS)


def fmt_loop_woken(x):
    """'; loop woken at +0.05' (ms into the sample), or '' when the loop did not sleep."""
    return "" if x.get("loop_woken") is None else f"; loop woken at +{x['loop_woken']:.2f}"


def fmt_who(x):
    """The threads that had the server's CPU during a sample: 'ember-loop-0 1.3, kdamond.0 4.1'."""
    return ", ".join(f"{c} {d:.1f}" for c, d in x["who"])


def fmt_stalls(st):
    if "stalls" not in st:
        return ""
    parts = [f"{x['ms']:.1f}ms@{x['at']:.2f}s [server {x['server']:.1f}"
             + (f" (host steal {x['steal']:.1f})" if x["steal"] >= 0.05 else "")
             + f", idle {x['idle']:.1f}, "
             f"others {x['other']:.1f}" + (": " + fmt_who(x) if x["who"] else "")
             + f"; probe waited {x['probe']:.1f}{fmt_loop_woken(x)}]" for x in st["stalls"]]
    more = f"; and {len(parts) - 6} more" if len(parts) > 6 else ""
    return (f"; without other tasks' time and the probe's wait: max {st['own_max']:.2f} ms, "
            f">5ms {st['own_over']}"
            f"; host steal on the server's CPU: {st.get('steal_ms', float('nan')):.0f} ms"
            f" (/proc/stat), {st['steal_trace_ms']:.1f} ms (trace)"
            f"; also without host steal: max {st['own_nosteal_max']:.2f} ms, "
            f">5ms {st['own_nosteal_over']}"
            + ("; stalls: " + "; ".join(parts[:6]) + more if parts else ""))


# ---------------------------------------------------------------- the benchmark

class Bench:
    def __init__(self, a):
        self.a = a
        self.pinned = len(os.sched_getaffinity(0)) >= 2
        self.server_pin = ["taskset", "-c", "1"] if self.pinned else []
        self.client_pin = ["taskset", "-c", "0"] if self.pinned else []
        self.rt = os.geteuid() == 0 and shutil.which("chrt") is not None and not a.no_rt
        if self.pinned:
            os.sched_setaffinity(0, {0})
        if a.server_nice and os.geteuid() == 0:
            self.server_pin = ["nice", "-n", str(a.server_nice)] + self.server_pin
        else:
            a.server_nice = 0
        self.tmpdirs = []
        self.trace = (a.sched_trace and self.pinned and os.geteuid() == 0
                      and shutil.which("perf") is not None)
        if a.sched_trace and not self.trace:
            log("  --sched-trace needs root, perf (Debian linux-perf) and 2+ CPUs: off")

    def start_trace(self, d):
        return SchedTrace(1, 0, os.path.join(d, "sched.data")) if self.trace else None

    def explain(self, tr, srv, kept):
        """Attributes the slow samples of each (label, stats, samples, t0, t1) in kept."""
        if tr is None:
            return
        trace = tr.stop()
        for label, st, samples, probe_pid, t0, t1 in kept:
            explain_stalls(st, samples, trace, srv.pid, probe_pid, t0, t1)
            log(f"    {label}{fmt_stalls(st)}")

    def server_cmd(self, side, port, d):
        a = self.a
        if side.startswith("ember"):
            cmd = [a.ember, "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                   "--appendonly", "no", "--save", ""]
            if "ember" in os.path.basename(a.ember):
                cmd += ["--threads", "2" if side == "ember2" else "1"]
                if a.ember_args:
                    cmd += a.ember_args.split()
        else:
            cmd = [a.redis, "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                   "--appendonly", "no", "--save", ""]
        return self.server_pin + cmd

    def start_server(self, side):
        d = tempfile.mkdtemp(prefix=f"cliffs-{side}-")
        self.tmpdirs.append(d)
        p, port, c = launch_server(lambda port: self.server_cmd(side, port, d), d, side)
        c.sock.settimeout(300)
        return p, port, c, d

    def stop_server(self, srv, d):
        stop_proc(srv)
        if not self.a.keep:
            shutil.rmtree(d, ignore_errors=True)
            if d in self.tmpdirs:
                self.tmpdirs.remove(d)

    def spawn_role(self, role, port, out, extra):
        pre = list(self.client_pin)
        if role == "probe" and self.rt:
            pre = ["chrt", "-f", "1"] + pre
        cmd = pre + [sys.executable, SCRIPT, "--_role", role, "--_port", str(port),
                     "--_out", out, "--keys", str(self.a.keys)] + extra
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True)
        STARTED.append(p)
        return p

    def start_probe(self, port, d, fmt, nkeys):
        out = os.path.join(d, f"probe-{now_ns()}.bin")
        p = self.spawn_role("probe", port, out, ["--probe-us", str(self.a.probe_us),
                                                 "--probe-fmt", fmt, "--probe-keys", str(nkeys)])
        time.sleep(0.5)
        if p.poll() is not None:
            raise SystemExit(f"probe exited early ({p.returncode})")
        return p, out

    def stop_probe(self, pr):
        p, out = pr
        stop_proc(p)
        arr = array.array("q")
        with open(out, "rb") as f:
            arr.frombytes(f.read())
        os.unlink(out)
        return [(arr[i], arr[i + 1]) for i in range(0, len(arr), 2)]

    @staticmethod
    def stats(samples, t0, t1):
        """Samples whose request was sent in [t0, t1]."""
        win = [(s, r) for s, r in samples if t0 <= s <= t1]
        rtts = sorted(r for _, r in win)
        if not rtts:
            return {"n": 0}
        top = sorted(win, key=lambda x: -x[1])[:5]
        return {
            "n": len(rtts),
            "max": rtts[-1] / 1e6,
            "p999": pct(rtts, 99.9) / 1e6,
            "p99": pct(rtts, 99) / 1e6,
            "p50": pct(rtts, 50) / 1e6,
            "over": sum(1 for r in rtts if r > STALL_MS * 1e6),
            "at": (top[0][0] - t0) / 1e9,
            "top": [((s - t0) / 1e9, r / 1e6) for s, r in top],
        }

    # ------------------------------------------------------------ 10M-key scenarios

    def run_big(self, side, rnd):
        a = self.a
        res = {}
        srv, port, conn, d = self.start_server(side)
        tr = self.start_trace(d)
        kept = []
        try:
            # 1. fill
            pr = self.start_probe(port, d, "k:%08d", a.keys)
            time.sleep(0.5)
            log(f"  [{side}] fill {a.keys} keys ...")
            with open(a.fill_file, "rb") as fin:
                steal0 = steal_ms()
                t0 = now_ns()
                p = subprocess.Popen(self.client_pin + ["redis-cli", "-h", "127.0.0.1", "-p",
                                                        str(port), "--pipe"],
                                     stdin=fin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                STARTED.append(p)
                out = p.stdout.read().decode(errors="replace")
                p.wait()
                t1 = now_ns()
                STARTED.remove(p)
            time.sleep(0.3)
            samples = self.stop_probe(pr)
            if f"errors: 0, replies: {a.keys}" not in out:
                raise SystemExit(f"redis-cli --pipe failed: {out}")
            n = conn.call("DBSIZE")
            if n != a.keys:
                raise SystemExit(f"DBSIZE {n}, expected {a.keys}")
            st = self.stats(samples, t0, t1)
            st["rate"] = a.keys / ((t1 - t0) / 1e9)
            st["secs"] = (t1 - t0) / 1e9
            st["rss_mb"] = (proc_kb(srv.pid) or 0) / 1024
            res["fill"] = st
            st["steal_ms"] = steal_ms() - steal0
            kept.append(("fill", st, samples, pr[0].pid, t0, t1))
            log(f"    fill: {st['secs']:.1f} s, {st['rate']:.0f} keys/s, max {st['max']:.2f} ms, "
                f"p99.9 {st['p999']:.2f} ms, >5ms {st['over']}, top {fmt_top(st['top'])}")

            # 4. BGSAVE (with a light write load)
            time.sleep(1)
            load = None
            if a.load_rate > 0:
                load = self.spawn_role("load", port, "/dev/null",
                                       ["--load-rate", str(a.load_rate)])
            pr = self.start_probe(port, d, "k:%08d", a.keys)
            time.sleep(1)
            steal0 = steal_ms()
            t0 = now_ns()
            reply = conn.call("BGSAVE")
            t_rtt = now_ns()
            done = None
            while now_ns() - t0 < a.timeout * 1e9:
                if conn.info("persistence").get("rdb_bgsave_in_progress") == "0":
                    done = now_ns()
                    break
                time.sleep(0.05)
            if done is None:
                raise SystemExit("BGSAVE did not finish")
            time.sleep(0.3)
            samples = self.stop_probe(pr)
            if load:
                stop_proc(load)
            st = self.stats(samples, t0, done)
            st["reply"] = reply
            st["cmd_ms"] = (t_rtt - t0) / 1e6
            st["secs"] = (done - t0) / 1e9
            info = conn.info()
            st["fork_us"] = info.get("latest_fork_usec", "n/a")
            st["status"] = info.get("rdb_last_bgsave_status", "?")
            res["bgsave"] = st
            st["steal_ms"] = steal_ms() - steal0
            kept.append(("bgsave", st, samples, pr[0].pid, t0, done))
            log(f"    bgsave: {st['secs']:.1f} s, BGSAVE rtt {st['cmd_ms']:.2f} ms, "
                f"latest_fork_usec {st['fork_us']}, max {st['max']:.2f} ms, "
                f"p99.9 {st['p999']:.2f} ms, >5ms {st['over']}, top {fmt_top(st['top'])}")
            for f in os.listdir(d):
                if f.endswith(".rdb"):
                    os.unlink(os.path.join(d, f))

            # 3. FLUSHALL ASYNC
            time.sleep(1)
            n = conn.call("DBSIZE")
            rss0 = proc_kb(srv.pid) or 0
            pr = self.start_probe(port, d, "k:%08d", a.keys)
            time.sleep(1)
            steal0 = steal_ms()
            t0 = now_ns()
            conn.call("FLUSHALL", "ASYNC")
            t_rtt = now_ns()
            zero_at = None
            while now_ns() - t0 < a.flush_window * 1e9:
                if zero_at is None and conn.call("DBSIZE") == 0:
                    zero_at = now_ns()
                time.sleep(0.02)
            t1 = now_ns()
            samples = self.stop_probe(pr)
            st = self.stats(samples, t0, t1)
            st["cmd_ms"] = (t_rtt - t0) / 1e6
            st["keys"] = n
            st["zero_ms"] = (zero_at - t0) / 1e6 if zero_at else float("nan")
            st["rss_before_mb"] = rss0 / 1024
            st["rss_after_mb"] = (proc_kb(srv.pid) or 0) / 1024
            res["flush"] = st
            st["steal_ms"] = steal_ms() - steal0
            kept.append(("flushall", st, samples, pr[0].pid, t0, t1))
            log(f"    flushall async ({n} keys): cmd rtt {st['cmd_ms']:.2f} ms, max {st['max']:.2f} ms, "
                f"p99.9 {st['p999']:.2f} ms, >5ms {st['over']}, RSS {st['rss_before_mb']:.0f} -> "
                f"{st['rss_after_mb']:.0f} MB, top {fmt_top(st['top'])}")
            self.explain(tr, srv, kept)
        finally:
            conn.close()
            self.stop_server(srv, d)
        return res

    # ------------------------------------------------------------ mass expiry

    def run_expiry(self, side, rnd):
        a = self.a
        n = a.expire_keys
        srv, port, conn, d = self.start_server(side)
        tr = self.start_trace(d)
        try:
            self.pipe_bytes(port, a.persist_blob, n)
            pr = self.start_probe(port, d, "p:%07d", n)
            time.sleep(0.5)
            load_est = max(1.0, n / 500000.0)  # generous: at 500k SET/s
            at_ms = int(time.time() * 1000 + (load_est + a.expire_delay) * 1000)
            t_wall = time.time()
            t_mono = now_ns()
            blob = a.expire_blob.replace(b"9999999999999", b"%013d" % at_ms)
            self.pipe_bytes(port, blob, n)
            loaded = time.time()
            if loaded * 1000 > at_ms - 500:
                log(f"  WARNING: TTL load finished only {at_ms - loaded * 1000:.0f} ms before T")
            if conn.call("DBSIZE") != 2 * n:
                log("  WARNING: DBSIZE != 2n after the load")
            t_exp = t_mono + int((at_ms / 1000.0 - t_wall) * 1e9)  # T on the monotonic clock
            while now_ns() < t_exp - 1_000_000_000:
                time.sleep(0.01)
            steal0 = steal_ms()
            while now_ns() < t_exp:
                time.sleep(0.01)
            reclaimed = None
            end = t_exp + int(a.expiry_window * 1e9)
            while True:
                t = now_ns()
                if reclaimed is None and conn.call("DBSIZE") <= n:
                    reclaimed = now_ns()
                if t > end and reclaimed is not None:
                    break
                if t > t_exp + a.timeout * 1e9:
                    break
                time.sleep(0.01)
            samples = self.stop_probe(pr)
            t_end = now_ns()
            st = self.stats(samples, t_exp - 1_000_000_000, t_end)
            st["reclaim_s"] = (reclaimed - t_exp) / 1e9 if reclaimed else float("nan")
            st["after"] = conn.call("DBSIZE")
            st["steal_ms"] = steal_ms() - steal0
            log(f"  [{side}] expiry round {rnd}: reclaim {st['reclaim_s']:.2f} s, max {st['max']:.2f} ms, "
                f"p99.9 {st['p999']:.2f} ms, >5ms {st['over']}, top {fmt_top(st['top'])}")
            self.explain(tr, srv, [(f"expiry round {rnd}", st, samples, pr[0].pid,
                                    t_exp - 1_000_000_000, t_end)])
        finally:
            conn.close()
            self.stop_server(srv, d)
        return st

    def pipe_bytes(self, port, data, n):
        p = subprocess.Popen(self.client_pin + ["redis-cli", "-h", "127.0.0.1", "-p", str(port),
                                                "--pipe"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        STARTED.append(p)
        out, _ = p.communicate(data)
        STARTED.remove(p)
        out = out.decode(errors="replace")
        if f"errors: 0, replies: {n}" not in out:
            raise SystemExit(f"redis-cli --pipe failed: {out}")


def fmt_top(top):
    return ", ".join(f"{ms:.1f}ms@{t:.2f}s" for t, ms in top[:3])


def ms(x):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


def med(vals):
    vals = [v for v in vals if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(vals) if vals else float("nan")


def ratio(x, y):
    try:
        return f"{x / y:.1f}x" if y > 0 else "-"
    except (TypeError, ZeroDivisionError):
        return "-"


def table(title, rows, extra_cols, note=""):
    """rows: side -> list of stats dicts (one per round)."""
    print(f"\n### {title}\n")
    if note:
        print(note + "\n")
    hdr = ["server", "max ms", "p99.9 ms", "p99 ms", "p50 ms", "samples", ">5ms", "max at s"]
    traced = all("own_max" in s for sts in rows.values() for s in sts)
    if traced:
        hdr += ["max w/o others ms", ">5ms w/o others", "host steal ms",
                "max w/o others and steal ms"]
    hdr += [c for c, _ in extra_cols] + ["max / Redis", "p99.9 / Redis"]
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    red = rows.get("redis")
    rmax = max(s["max"] for s in red) if red else None
    rp = med([s["p999"] for s in red]) if red else None
    for side, sts in rows.items():
        mx = max(s["max"] for s in sts)
        p999 = med([s["p999"] for s in sts])
        cells = [side, ms(mx)]
        if len(sts) > 1:
            cells[1] += " (" + "/".join(f"{s['max']:.1f}" for s in sts) + ")"
        cells += [ms(p999), ms(med([s["p99"] for s in sts])), ms(med([s["p50"] for s in sts])),
                  str(sum(s["n"] for s in sts)), str(sum(s["over"] for s in sts)),
                  ms(max(sts, key=lambda s: s["max"])["at"])]
        if traced:
            cells += [ms(max(s["own_max"] for s in sts)), str(sum(s["own_over"] for s in sts)),
                      "/".join(f"{s.get('steal_ms', float('nan')):.0f}" for s in sts),
                      ms(max(s["own_nosteal_max"] for s in sts))]
        for _, fn in extra_cols:
            cells.append(fn(sts))
        cells += [ratio(mx, rmax) if red else "-", ratio(p999, rp) if red else "-"]
        print("| " + " | ".join(cells) + " |")
    if traced:
        print("\nSamples over 5 ms, and the largest sample once other tasks' time and the probe's "
              "wait are taken out ('w/o others'), with what had the server's CPU until the reply "
              "and how long the probe, woken by the reply, waited for its own CPU (ms):\n")
        for side, sts in rows.items():
            for i, s in enumerate(sts):
                row = f"- {side}{f' round {i + 1}' if len(sts) > 1 else ''}: "
                shown = sorted(s["stalls"], key=lambda x: -x["own"])
                if len(shown) > 8:  # the largest own stalls first, and the largest samples
                    rest = sorted(shown[8:], key=lambda x: -x["ms"])
                    shown = shown[:8] + rest[:2]
                    print(f"{row}{len(s['stalls']) - len(shown)} more samples over 5 ms not listed")
                for x in shown:
                    who = fmt_who(x)
                    tag = "largest w/o others: " if x.get("own_worst") else ""
                    print(f"{row}{tag}{x['ms']:.2f} at {x['at']:.2f} s (CLOCK_MONOTONIC "
                          f"{x['mono']:.4f}): server {x['server']:.2f}, "
                          f"idle {x['idle']:.2f}, others {x['other']:.2f}"
                          f"{f' ({who})' if who else ''}; probe waited {x['probe']:.2f}"
                          f"{fmt_loop_woken(x)}; "
                          f"w/o others {x['own']:.2f}"
                          + (f"; host steal in the server's time {x['steal']:.2f}"
                             if x["steal"] >= 0.05 else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    env = os.environ.get
    ap.add_argument("--ember", default=env("EMBER_BIN", os.path.join(REPO, "build", "ember-server")))
    ap.add_argument("--ember-args", default=env("EMBER_ARGS", ""))
    ap.add_argument("--redis", default=env("REDIS_BIN", "/usr/bin/redis-server"))
    ap.add_argument("--servers", default=env("SERVERS", "ember1,ember2,redis"))
    ap.add_argument("--keys", type=int, default=int(env("KEYS", 10_000_000)))
    ap.add_argument("--expire-keys", type=int, default=int(env("EXPIRE_KEYS", 1_000_000)))
    ap.add_argument("--rounds", type=int, default=int(env("ROUNDS", 1)))
    ap.add_argument("--expiry-rounds", type=int, default=int(env("EXPIRY_ROUNDS", 3)))
    ap.add_argument("--probe-us", type=int, default=int(env("PROBE_US", 1000)))
    ap.add_argument("--load-rate", type=int, default=int(env("LOAD_RATE", 2000)))
    ap.add_argument("--expire-delay", type=float, default=3.0)
    ap.add_argument("--expiry-window", type=float, default=7.0)
    ap.add_argument("--flush-window", type=float, default=5.0)
    ap.add_argument("--timeout", type=float, default=180.0)
    ap.add_argument("--scenarios", default="big,expiry", help="big (fill, bgsave, flushall), expiry")
    ap.add_argument("--quick", action="store_true", help="1M keys, 100k+100k expiry, 1 round")
    ap.add_argument("--keep", action="store_true", help="keep server directories (logs)")
    ap.add_argument("--no-rt", action="store_true", help="do not run the probe under SCHED_FIFO")
    ap.add_argument("--sched-trace", action="store_true",
                    help="record the server CPU's context switches and both CPUs' wake-ups "
                         "(perf) and split each slow sample into the probe's wait for its CPU, "
                         "the server's own time and other tasks' time")
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--server-nice", type=int, default=int(env("SERVER_NICE", -10)),
                    help="nice value of the servers (root only; 0 = off). The machine may be "
                         "shared: a negative value keeps other tenants' CPU hogs on CPU 1 from "
                         "showing up as server stalls")
    ap.add_argument("--_role")
    ap.add_argument("--_port", type=int)
    ap.add_argument("--_out")
    ap.add_argument("--probe-fmt", default="k:%08d")
    ap.add_argument("--probe-keys", type=int, default=1)
    a = ap.parse_args()
    ensure_deps()
    if a._role == "probe":
        return role_probe(a)
    if a._role == "load":
        return role_load(a)
    if a.quick:
        a.keys, a.expire_keys, a.expiry_rounds = 1_000_000, 100_000, 1
    sides = [s.strip() for s in a.servers.split(",") if s.strip()]
    scen = a.scenarios.split(",")

    b = Bench(a)
    a.fill_file = f"/tmp/latency-cliffs-fill-{a.keys}.resp"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    la0 = os.getloadavg()
    t_start = time.monotonic()
    big = {s: [] for s in sides}
    exp = {s: [] for s in sides}
    try:
        if "big" in scen:
            generate_fill_file(a.fill_file, a.keys)
            for rnd in range(1, a.rounds + 1):
                order = sides if rnd % 2 else list(reversed(sides))
                for s in order:
                    log(f"== 10M-key scenarios ({a.keys} keys): {s}, round {rnd}")
                    big[s].append(b.run_big(s, rnd))
        if "expiry" in scen:
            n = a.expire_keys
            a.persist_blob = b"".join(b"*3\r\n$3\r\nSET\r\n$9\r\np:%07d\r\n$8\r\nvvvvvvvv\r\n" % i
                                      for i in range(n))
            a.expire_blob = b"".join(b"*5\r\n$3\r\nSET\r\n$9\r\ne:%07d\r\n$8\r\nvvvvvvvv\r\n"
                                     b"$4\r\nPXAT\r\n$13\r\n9999999999999\r\n" % i for i in range(n))
            for rnd in range(1, a.expiry_rounds + 1):
                order = sides if rnd % 2 else list(reversed(sides))
                for s in order:
                    exp[s].append(b.run_expiry(s, rnd))
    finally:
        cleanup()
        if not a.keep:
            for d in b.tmpdirs:
                shutil.rmtree(d, ignore_errors=True)
        if a.no_cache and os.path.exists(a.fill_file):
            os.unlink(a.fill_file)
    elapsed = time.monotonic() - t_start

    # ---------------------------------------------------------------- report
    print("## Latency cliffs: Ember vs Redis\n")
    print(f"- machine: {os.cpu_count()} CPUs, {platform_cpu()}, load average at start "
          f"{la0[0]:.2f}, at end {os.getloadavg()[0]:.2f}; run took {elapsed / 60:.1f} min")
    print(f"- servers: {', '.join(sides)}; ember = `{a.ember}` ({version(a.ember)}), "
          f"redis = `{a.redis}` ({version(a.redis)}); all with --appendonly no --save \"\"; "
          f"ember1/ember2 = --threads 1/2")
    print(f"- pinning: server on CPU 1, clients on CPU 0: {'yes' if b.pinned else 'no (1 CPU)'}; "
          f"probe under SCHED_FIFO: {'yes' if b.rt else 'no'}; servers run with nice "
          f"{a.server_nice} (their fork children and helper threads inherit it)")
    print(f"- probe: one GET every {a.probe_us} us on its own connection, round trip timed with "
          f"perf_counter_ns; a stall counts once. Threshold of the issue: {STALL_MS:.0f} ms.")
    print(f"- rounds: {a.rounds} for the {a.keys}-key scenarios (fill, BGSAVE, FLUSHALL ASYNC, "
          f"on one server process in that order), {a.expiry_rounds} for mass expiry "
          f"(fresh server each). With several rounds: worst max (per-round maxima in "
          f"brackets), median of the other figures.")
    if "big" in scen:
        table(f"1. Fill 0 -> {a.keys} keys (redis-cli --pipe, SET k:%08d, 8-byte values)",
              {s: [r["fill"] for r in v] for s, v in big.items()},
              [("fill s", lambda st: ms(med([s["secs"] for s in st]))),
               ("keys/s", lambda st: f"{med([s['rate'] for s in st]):,.0f}"),
               ("RSS MB", lambda st: f"{med([s['rss_mb'] for s in st]):.0f}")],
              "Window: redis-cli start -> exit. 'max at s' = seconds into the fill.")
        table(f"4. BGSAVE of {a.keys} keys (+{a.load_rate} SET/s random overwrites)",
              {s: [r["bgsave"] for r in v] for s, v in big.items()},
              [("BGSAVE rtt ms", lambda st: ms(med([s["cmd_ms"] for s in st]))),
               ("latest_fork_usec", lambda st: "/".join(str(s["fork_us"]) for s in st)),
               ("save s", lambda st: ms(med([s["secs"] for s in st])))],
              "Window: BGSAVE sent -> INFO rdb_bgsave_in_progress:0 (polled every 50 ms).")
        table(f"3. FLUSHALL ASYNC of {a.keys} keys",
              {s: [r["flush"] for r in v] for s, v in big.items()},
              [("FLUSHALL rtt ms", lambda st: ms(med([s["cmd_ms"] for s in st]))),
               ("DBSIZE 0 after ms", lambda st: ms(med([s["zero_ms"] for s in st]))),
               ("RSS MB before->after", lambda st: "/".join(
                   f"{s['rss_before_mb']:.0f}->{s['rss_after_mb']:.0f}" for s in st))],
              f"Window: FLUSHALL sent -> +{a.flush_window:.0f} s.")
    if "expiry" in scen:
        table(f"2. Mass expiry: {a.expire_keys} keys with the same PXAT (+{a.expire_keys} without TTL)",
              exp,
              [("reclaim s", lambda st: "/".join(ms(s["reclaim_s"]) for s in st))],
              f"Window: T-1 s -> max(T+{a.expiry_window:.0f} s, DBSIZE back to {a.expire_keys}). "
              "'reclaim s' = T -> DBSIZE back to the keys without TTL (per round). "
              "'max at s' = seconds after T-1 s (so 1.0 = the expiry moment).")


def platform_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def version(binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip().splitlines()[0][:80]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "?"


if __name__ == "__main__":
    main()
