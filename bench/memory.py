#!/usr/bin/python3
"""Memory per key: Ember vs Redis, and Ember under different allocators.

For each scenario a fresh server starts in its own temp directory (Ember: --threads 1
--appendonly no --save ""; Redis: --appendonly no --save ""), pinned to --server-cpu.
The script reads VmRSS from /proc/PID/status, loads N keys with `redis-cli --pipe`
(keys "key:%012d", exactly 16 bytes; values "v" + digits, never a canonical integer, so
neither server stores them as ints; optionally `PX <far future>` on every key), checks
that --pipe reported 0 errors and DBSIZE == N, waits --settle seconds and reads VmRSS
again. Bytes per key = (RSS_after - RSS_before) / N. INFO memory used_memory is
reported too (each server's own accounting, not comparable across allocators).

Scenarios (names for --scenarios):
  1m-64      1,000,000 keys x 64-byte values      (--rounds, default 3)
  10m-8      10,000,000 keys x 8-byte values      (--rounds-large, default 1)
  10m-8-ttl  10,000,000 keys x 8-byte values, SET ... PX 3600000000 on every key

--allocator chooses Ember's malloc by LD_PRELOAD (comma list = allocator study):
  glibc (no preload), glibc-arena1 / glibc-arena2 (MALLOC_ARENA_MAX=1/2),
  jemalloc (libjemalloc.so.2), mimalloc (libmimalloc.so.2)
Ember's used_memory comes from glibc's malloc statistics: it reads 0 under a preloaded
allocator (shown as n/a).
--throughput adds, per allocator (and for Redis unless --no-redis): redis-benchmark
-t set and -t get, -n 1000000 -r 1000000 -d 64 -c 50 -P 16, server pinned to
--server-cpu, client to --client-cpu, --tp-rounds rounds in alternating order, with
the server's CPU time per request from /proc/PID/stat (utime+stime, all threads).

Examples:
  bench/memory.py                                   # Ember (glibc) vs Redis, ~7 min
  bench/memory.py --quick                           # keys / 10, 1 round, ~30 s
  bench/memory.py --no-redis --allocator glibc,glibc-arena2,jemalloc,mimalloc --throughput
  bench/memory.py --scenarios 1m-64 --allocator jemalloc
Report to stdout (and --out FILE), progress to stderr. Stops only the servers it
started, by PID. Standard library only.
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import ensure_deps  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBDIR = "/usr/lib/x86_64-linux-gnu"
ALLOCATORS = {
    "glibc": {},
    "glibc-arena1": {"MALLOC_ARENA_MAX": "1"},
    "glibc-arena2": {"MALLOC_ARENA_MAX": "2"},
    "jemalloc": {"LD_PRELOAD": f"{LIBDIR}/libjemalloc.so.2"},
    "mimalloc": {"LD_PRELOAD": f"{LIBDIR}/libmimalloc.so.2"},
}
SCENARIOS = {  # name: (keys, value size, ttl)
    "1m-64": (1_000_000, 64, False),
    "10m-8": (10_000_000, 8, False),
    "10m-8-ttl": (10_000_000, 8, True),
}
CLK_TCK = os.sysconf("SC_CLK_TCK")
STARTED = []  # Popen objects we started


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (all threads)


def cli(port, *args, timeout=60):
    r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args],
                       capture_output=True, text=True, timeout=timeout)
    return r.stdout.strip()


def info_field(port, section, field):
    for line in cli(port, "INFO", section).splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    return None


class Server:
    def __init__(self, kind, binary, allocator, cpu):
        self.kind, self.allocator = kind, allocator
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix=f"memory-{kind}-")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--appendonly", "no", "--save", ""]
        if kind == "ember":
            args += ["--threads", "1"]
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        env.pop("MALLOC_ARENA_MAX", None)
        env.update(ALLOCATORS[allocator] if kind == "ember" else {})
        cmd = (["taskset", "-c", str(cpu)] if cpu is not None else []) + args
        self.cmdline = " ".join(f"{k}={v}" for k, v in ALLOCATORS.get(allocator, {}).items()
                                if kind == "ember") + " " + " ".join(
            a if a else "''" for a in args)
        self.logf = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(cmd, cwd=self.dir, env=env, stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        STARTED.append(self.proc)
        self.pid = self.proc.pid  # taskset execs the server: same pid
        for _ in range(300):
            if self.proc.poll() is not None:
                raise RuntimeError(f"{kind} exited at start: see {self.dir}/server.log")
            if cli(self.port, "PING", timeout=5) == "PONG":
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"{kind} did not answer PING")
        time.sleep(0.5)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def resp_chunks(n, vsize, ttl, chunk=100_000):
    digits = vsize - 1
    mod = 10 ** digits
    tail = b"$2\r\nPX\r\n$10\r\n3600000000\r\n" if ttl else b""
    head = b"*5\r\n" if ttl else b"*3\r\n"
    tmpl = head + b"$3\r\nSET\r\n$16\r\nkey:%012d\r\n$" + str(vsize).encode() + \
        b"\r\nv%0" + str(digits).encode() + b"d\r\n" + tail
    for start in range(0, n, chunk):
        yield b"".join([tmpl % (i, i % mod) for i in range(start, min(n, start + chunk))])


def load(port, n, vsize, ttl, cpu):
    cmd = (["taskset", "-c", str(cpu)] if cpu is not None else []) + \
        ["redis-cli", "-h", "127.0.0.1", "-p", str(port), "--pipe"]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    for c in resp_chunks(n, vsize, ttl):
        p.stdin.write(c)
    p.stdin.close()
    out = p.stdout.read().decode()
    p.wait()
    if f"errors: 0, replies: {n}" not in out:
        raise RuntimeError(f"--pipe: {out.strip()}")
    dbsize = int(cli(port, "DBSIZE"))
    if dbsize != n:
        raise RuntimeError(f"DBSIZE {dbsize} != {n}")


def measure(kind, binary, allocator, scen, args):
    n, vsize, ttl = SCENARIOS[scen]
    n = n // args.scale
    srv = Server(kind, binary, allocator, args.server_cpu)
    try:
        before = rss_kb(srv.pid)
        um_before = int(info_field(srv.port, "memory", "used_memory") or 0)
        t0 = time.time()
        load(srv.port, n, vsize, ttl, args.client_cpu)
        load_s = time.time() - t0
        time.sleep(args.settle)
        after = rss_kb(srv.pid)
        um = int(info_field(srv.port, "memory", "used_memory") or 0)
        r = {"kind": kind, "alloc": allocator, "scen": scen, "n": n,
             "rss_before": before * 1024, "rss_after": after * 1024,
             "bpk": (after - before) * 1024 / n, "used_memory": um,
             "um_bpk": (um - um_before) / n, "load_s": load_s, "cmd": srv.cmdline.strip()}
        log(f"{kind}/{allocator} {scen}: {r['bpk']:.1f} B/key RSS "
            f"({before // 1024} -> {after // 1024} MB), used_memory {um / 2**20:.0f} MB, "
            f"load {load_s:.1f} s")
        return r
    finally:
        srv.stop()


def bench_run(port, test, args):
    cmd = (["taskset", "-c", str(args.client_cpu)] if args.client_cpu is not None else []) + [
        "redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", test,
        "-n", str(args.tp_requests), "-r", "1000000", "-d", "64", "-c", "50", "-P", "16",
        "--csv"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = [x.strip('"') for x in line.split(",")]
        if f and f[0].upper() == test.upper():
            return float(f[1])
    raise RuntimeError(f"no rps in {out!r}")


def throughput(targets, args):
    res = {}  # (kind, alloc, test) -> list of (rps, us_per_req)
    for rnd in range(args.tp_rounds):
        order = targets if rnd % 2 == 0 else list(reversed(targets))
        for kind, binary, alloc in order:
            srv = Server(kind, binary, alloc, args.server_cpu)
            try:
                for test in ("set", "get"):
                    c0, t0 = cpu_ticks(srv.pid), time.time()
                    rps = bench_run(srv.port, test, args)
                    cpu = (cpu_ticks(srv.pid) - c0) / CLK_TCK
                    us = cpu / args.tp_requests * 1e6
                    res.setdefault((kind, alloc, test), []).append((rps, us))
                    log(f"round {rnd + 1} {kind}/{alloc} {test}: {rps:,.0f} req/s, "
                        f"{us:.2f} us CPU/req, {time.time() - t0:.1f} s")
                rss = rss_kb(srv.pid) * 1024
                res.setdefault((kind, alloc, "rss"), []).append((rss, 0))
            finally:
                srv.stop()
    return res


def mmm(xs, fmt="{:.1f}"):
    if len(xs) == 1:
        return fmt.format(xs[0])
    return f"{fmt.format(statistics.median(xs))} [{fmt.format(min(xs))}-{fmt.format(max(xs))}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ember", default=os.environ.get("EMBER_BIN",
                                                      f"{REPO}/build/ember-server"))
    ap.add_argument("--redis", default=os.environ.get("REDIS_BIN", "/usr/bin/redis-server"))
    ap.add_argument("--allocator", default="glibc",
                    help="comma list of " + ", ".join(ALLOCATORS))
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--rounds", type=int, default=3, help="rounds for 1M-key scenarios")
    ap.add_argument("--rounds-large", type=int, default=1, help="rounds for 10M-key ones")
    ap.add_argument("--no-redis", action="store_true", help="Ember only")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory scenarios")
    ap.add_argument("--throughput", action="store_true")
    ap.add_argument("--tp-rounds", type=int, default=3)
    ap.add_argument("--tp-requests", type=int, default=1_000_000)
    ap.add_argument("--settle", type=float, default=2.0, help="seconds before reading RSS")
    ap.add_argument("--server-cpu", default="1")
    ap.add_argument("--client-cpu", default="0")
    ap.add_argument("--quick", action="store_true", help="keys / 10, one round")
    ap.add_argument("--out", help="also write the report here")
    args = ap.parse_args()
    ensure_deps()
    args.scale = 10 if args.quick else 1
    if args.quick:
        args.rounds = args.rounds_large = args.tp_rounds = 1
        args.tp_requests //= 10
    if (os.cpu_count() or 1) < 2:
        args.server_cpu = args.client_cpu = None
    allocs = args.allocator.split(",")
    for a in allocs:
        if a not in ALLOCATORS:
            ap.error(f"unknown allocator {a}")
        lib = ALLOCATORS[a].get("LD_PRELOAD")
        if lib and not os.path.exists(lib):
            ap.error(f"{lib} missing (apt-get install libjemalloc2 libmimalloc2.0)")
    scens = args.scenarios.split(",")
    targets = [("ember", args.ember, a) for a in allocs]
    if not args.no_redis:
        targets.append(("redis", args.redis, "jemalloc(builtin)"))

    t_start = time.time()
    lines = []
    out = lines.append
    try:
        with open("/proc/loadavg") as f:
            load0 = f.read().split()[0]
        cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                          if l.startswith("model name")), "?")
        out(f"# Memory per key: {time.strftime('%Y-%m-%d %H:%M:%S')}")
        out(f"machine: {os.cpu_count()} cores, {cpu_model}, load average at start {load0}")
        out(f"ember: {args.ember}; redis: {args.redis} "
            f"({subprocess.run([args.redis, '--version'], capture_output=True, text=True).stdout.strip()})")
        out(f"command: bench/memory.py {' '.join(sys.argv[1:])}")
        out(f"server pinned to CPU {args.server_cpu}, redis-cli/redis-benchmark to CPU "
            f"{args.client_cpu}; RSS read {args.settle} s after the load")
        results = []
        if not args.no_memory:
            for scen in scens:
                rounds = args.rounds if SCENARIOS[scen][0] <= 1_000_000 else args.rounds_large
                for rnd in range(rounds):
                    order = targets if rnd % 2 == 0 else list(reversed(targets))
                    for kind, binary, alloc in order:
                        results.append(measure(kind, binary, alloc, scen, args))
            out("")
            out("## RSS growth per key (bytes), median [min-max] over rounds")
            out("")
            out("| scenario | keys | server / allocator | rounds | RSS B/key | vs Redis "
                "| used_memory B/key | RSS after load |")
            out("|---|---|---|---|---|---|---|---|")
            for scen in scens:
                redis_med = None
                rr = [r for r in results if r["scen"] == scen and r["kind"] == "redis"]
                if rr:
                    redis_med = statistics.median(r["bpk"] for r in rr)
                for kind, _, alloc in targets:
                    rs = [r for r in results if r["scen"] == scen and r["kind"] == kind
                          and r["alloc"] == alloc]
                    if not rs:
                        continue
                    med = statistics.median(r["bpk"] for r in rs)
                    ratio = f"{med / redis_med:.2f}x" if redis_med and kind != "redis" else "-"
                    out(f"| {scen} | {rs[0]['n']:,} | {kind} / {alloc} | {len(rs)} | "
                        f"{mmm([r['bpk'] for r in rs])} | {ratio} | "
                        f"{mmm([r['um_bpk'] for r in rs]) if rs[0]['used_memory'] else 'n/a (0)'} | "
                        f"{statistics.median(r['rss_after'] for r in rs) / 2**20:.0f} MB |")
            out("")
            out("Raw runs (scenario, server, allocator, keys, RSS before/after bytes, B/key, "
                "used_memory, load seconds):")
            for r in results:
                out(f"  {r['scen']}\t{r['kind']}\t{r['alloc']}\t{r['n']}\t{r['rss_before']}\t"
                    f"{r['rss_after']}\t{r['bpk']:.2f}\t{r['used_memory']}\t{r['load_s']:.1f}")
            out("Server command lines:")
            for cmdline in sorted({r["cmd"] for r in results}):
                out(f"  {cmdline}")
        if args.throughput:
            res = throughput(targets, args)
            out("")
            out(f"## Throughput: redis-benchmark -n {args.tp_requests} -r 1000000 -d 64 -c 50 "
                f"-P 16, {args.tp_rounds} alternating rounds, median [min-max]")
            out("")
            out("| server / allocator | SET req/s | SET server CPU us/req | GET req/s "
                "| GET server CPU us/req | RSS after |")
            out("|---|---|---|---|---|---|")
            for kind, _, alloc in targets:
                cells = []
                for test in ("set", "get"):
                    v = res[(kind, alloc, test)]
                    cells.append(mmm([x[0] for x in v], "{:,.0f}"))
                    cells.append(mmm([x[1] for x in v], "{:.3f}"))
                rss = statistics.median(x[0] for x in res[(kind, alloc, "rss")])
                out(f"| {kind} / {alloc} | " + " | ".join(cells) + f" | {rss / 2**20:.0f} MB |")
        with open("/proc/loadavg") as f:
            out("")
            out(f"load average at end: {f.read().split()[0]}; "
                f"total time {time.time() - t_start:.0f} s")
    finally:
        for p in STARTED:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
