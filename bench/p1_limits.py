#!/usr/bin/python3
"""What bounds pipeline 1: measures, for Ember and Redis in the same run, how far a server can
move the P1 figures of the performance issue (req/s and server CPU per request with
redis-benchmark, 50 clients, one request in flight per connection).

Per test (SET, GET), alternating servers, ROUNDS rounds:
  1. a plain run: req/s, server CPU per request (/proc/PID/stat, every thread), client CPU per
     request (the redis-benchmark process's rusage), and how busy each core was;
  2. after the rounds, one profiled run per server: `perf record -g` of the server and, at the
     same time, of redis-benchmark, split into:
       server: kernel TCP send (tcp_sendmsg, which on loopback also runs the client socket's
               TCP input), kernel TCP receive (tcp_recvmsg), epoll_wait, user space, the rest;
       client: notifying the server (sock_def_readable: queueing the request wakes the server's
               epoll or thread), and everything else the client does for itself.

From these it prints two bounds, each an estimate from sampled shares times measured CPU:
  - the CPU floor: the server's kernel TCP send + receive per request, which any server that
    reads each request and writes each reply with its own system call pays, over Redis's CPU
    per request;
  - the req/s ceiling: the client's own CPU per request (its CPU per request against Ember less
    its share notifying the server); redis-benchmark cannot go faster than one core allows,
    whatever the server does: 1e6 / that, over Redis's req/s.

It is a benchmark script: it prints figures and fails only when something cannot run.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from benchlib import log  # noqa: E402
from compare_helper import read_stat as cpu_ticks  # noqa: E402  (utime + stime, clock ticks)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICK = os.sysconf("SC_CLK_TCK")

SERVER_PARTS = [  # (label, perf symbol whose inclusive share is the part)
    ("kernel TCP send", "tcp_sendmsg"),
    ("kernel TCP receive", "tcp_recvmsg"),
    ("epoll_wait", "__x64_sys_epoll_wait"),
]
CLIENT_NOTIFY = "sock_def_readable"


def pinned(cpu, cmd):
    return ["taskset", "-c", cpu] + cmd if cpu else cmd


def bench_cmd(args, port, test, requests):
    return ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-c", str(args.clients),
            "-n", str(requests), "-P", "1", "-d", "64", "-r", str(args.keyspace), "-t", test,
            "--csv"]


def parse_rps(out):
    for line in out.splitlines():
        m = re.match(r'"([A-Z]+)[^"]*","([0-9.]+)"', line)
        if m:
            return float(m.group(2))
    raise SystemExit(f"no req/s in redis-benchmark output:\n{out}")


def plain_run(args, srv, test):
    """One redis-benchmark run: req/s, server and client CPU µs per request, core use."""
    n = args.requests
    t0 = cpu_ticks(srv["proc"].pid)
    w0 = time.monotonic()
    p = subprocess.Popen(pinned(args.client_cpu, bench_cmd(args, srv["port"], test, n)),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    benchlib.STARTED.append(p)
    out = p.stdout.read().decode(errors="replace")
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    benchlib.STARTED.remove(p)
    wall = time.monotonic() - w0
    t1 = cpu_ticks(srv["proc"].pid)
    if p.returncode != 0:
        raise SystemExit(f"redis-benchmark failed ({p.returncode}):\n{out}")
    srv_s = (t1 - t0) / TICK
    cli_s = ru.ru_utime + ru.ru_stime
    return {"rps": parse_rps(out), "srv_us": srv_s * 1e6 / n, "cli_us": cli_s * 1e6 / n,
            "srv_busy": 100 * srv_s / wall, "cli_busy": 100 * cli_s / wall}


def perf_shares(data):
    """{symbol: (inclusive %, self %)}, the user-space self total and its 4 largest
    (self %, symbol) of one perf.data."""
    out = subprocess.run(["perf", "report", "-i", data, "--children", "--sort", "sym", "-q",
                          "-g", "none", "--percent-limit", "0"],
                         capture_output=True, text=True).stdout
    shares, user, top = {}, 0.0, {}
    for line in out.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+([0-9.]+)%\s+\[(.)\]\s+(.*\S)", line)
        if not m:
            continue
        inc, self_, kind, sym = float(m.group(1)), float(m.group(2)), m.group(3), m.group(4)
        if sym not in shares:
            shares[sym] = (inc, self_)
        if kind == ".":
            user += self_
            top[sym] = top.get(sym, 0.0) + self_
    return shares, user, sorted(((v, k) for k, v in top.items()), reverse=True)[:4]


def profiled_run(args, srv, test, d):
    """perf record of the server and of redis-benchmark during one run: the parts in %."""
    sdata = os.path.join(d, f"server-{srv['name']}-{test}.perf.data")
    cdata = os.path.join(d, f"client-{srv['name']}-{test}.perf.data")
    rec = ["perf", "record", "-q", "-g", "-e", "cpu-clock", "-F", str(args.perf_freq)]
    sp = subprocess.Popen(rec + ["-p", str(srv["proc"].pid), "-o", sdata],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    benchlib.STARTED.append(sp)
    time.sleep(0.5)
    cp = subprocess.run(rec + ["-o", cdata, "--"] +
                        pinned(args.client_cpu, bench_cmd(args, srv["port"], test, args.requests)),
                        capture_output=True, text=True)
    benchlib.stop_proc(sp, sig=signal.SIGINT)
    if cp.returncode != 0:
        raise SystemExit(f"perf record of redis-benchmark failed:\n{cp.stdout}{cp.stderr}")
    sshares, suser, stop = perf_shares(sdata)
    cshares, _, _ = perf_shares(cdata)
    if not sshares or not cshares:  # perf could not sample (permissions, no symbols)
        log(f"perf recorded nothing usable for {srv['name']} {test}: the profile is skipped")
        return None
    parts = {}
    for label, sym in SERVER_PARTS:
        parts[label] = sshares.get(sym, (0.0, 0.0))[0]
    parts["user space"] = suser
    parts["other kernel"] = max(0.0, 100.0 - sum(parts.values()))
    notify = cshares.get(CLIENT_NOTIFY, (0.0, 0.0))[0]
    return {"server": parts, "notify": notify, "user_top": stop}


def start(args, name, d):
    sd = os.path.join(d, name)
    os.makedirs(sd)
    binary, extra = (args.ember, ["--threads", "1"]) if name == "ember" else (args.redis, [])

    def cmd(port):
        return pinned(args.server_cpu, [binary, "--port", str(port), "--bind", "127.0.0.1",
                                        "--save", "", "--appendonly", "no"] + extra)
    proc, port, conn = benchlib.launch_server(cmd, sd, name)
    conn.close()
    return {"name": name, "proc": proc, "port": port}


def prefill(args, srv):
    gen = subprocess.Popen(["/usr/bin/python3", os.path.join(REPO, "bench", "compare_helper.py"),
                            "resp", str(args.keyspace), "64", "key:"], stdout=subprocess.PIPE)
    out = subprocess.run(pinned(args.client_cpu, ["redis-cli", "-p", str(srv["port"]), "--pipe"]),
                         stdin=gen.stdout, capture_output=True, text=True).stdout
    gen.wait()
    if f"errors: 0, replies: {args.keyspace}" not in out:
        raise SystemExit(f"prefill of {srv['name']} failed: {out}")


def med(vals):
    return statistics.median(vals), min(vals), max(vals)


def fmt(vals, spec):
    m, lo, hi = med(vals)
    return f"{m:{spec}} [{lo:{spec}}-{hi:{spec}}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ember", default=os.path.join(REPO, "build", "ember-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--tests", default="set,get")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=300000)
    ap.add_argument("--keyspace", type=int, default=1000000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--server-cpu", default="0", help="taskset list for the servers ('' = none)")
    ap.add_argument("--client-cpu", default="1", help="taskset list for redis-benchmark")
    ap.add_argument("--perf-freq", type=int, default=2999)
    ap.add_argument("--no-perf", action="store_true", help="skip the profiled runs")
    ap.add_argument("--out", default="", help="results directory (default bench/results/...)")
    args = ap.parse_args()
    benchlib.ensure_deps()
    args.ember = os.path.abspath(args.ember)
    use_perf = not args.no_perf and shutil.which("perf") is not None
    if not args.no_perf and not use_perf:
        log("perf not found (apt-get install -y linux-perf): the profiled runs are skipped")
    out_dir = args.out or os.path.join(REPO, "bench", "results",
                                       time.strftime("%Y%m%d-%H%M%S") + "-p1limits")
    os.makedirs(out_dir, exist_ok=True)
    tests = [t for t in args.tests.split(",") if t]
    work = tempfile.mkdtemp(prefix="ember-p1limits.")
    try:
        servers = {name: start(args, name, work) for name in ("ember", "redis")}
        if "get" in tests:
            for srv in servers.values():
                log(f"prefilling {srv['name']} with {args.keyspace} keys")
                prefill(args, srv)
        runs = {(t, s): [] for t in tests for s in servers}
        tsv = open(os.path.join(out_dir, "p1_runs.tsv"), "w")
        tsv.write("round\tserver\ttest\trequests\trps\tsrv_us_req\tcli_us_req\tsrv_busy\tcli_busy\n")
        for r in range(1, args.rounds + 1):
            order = ["ember", "redis"] if r % 2 else ["redis", "ember"]
            for t in tests:
                for s in order:
                    x = plain_run(args, servers[s], t)
                    runs[(t, s)].append(x)
                    tsv.write(f"{r}\t{s}\t{t}\t{args.requests}\t{x['rps']:.0f}\t{x['srv_us']:.3f}\t"
                              f"{x['cli_us']:.3f}\t{x['srv_busy']:.1f}\t{x['cli_busy']:.1f}\n")
                    log(f"[round {r}/{args.rounds}] {t.upper()} P1 {s:5} {x['rps']:9.0f} req/s  "
                        f"server {x['srv_us']:.2f} µs/req ({x['srv_busy']:.0f}% busy)  "
                        f"client {x['cli_us']:.2f} µs/req ({x['cli_busy']:.0f}% busy)")
        tsv.close()
        prof = {}
        if use_perf:
            for t in tests:
                for s in ("ember", "redis"):
                    log(f"profiling {t.upper()} P1 {s}")
                    prof[(t, s)] = profiled_run(args, servers[s], t, out_dir)
            if any(v is None for v in prof.values()):
                prof = {}
        for srv in servers.values():
            benchlib.stop_proc(srv["proc"])
    finally:
        benchlib.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    report = render(args, tests, runs, prof)
    with open(os.path.join(out_dir, "summary.md"), "w") as f:
        f.write(report)
    print(report)
    log(f"raw data: {out_dir}")


def render(args, tests, runs, prof):
    L = [f"## What bounds pipeline 1 (redis-benchmark -c {args.clients} -P 1 -d 64 -r "
         f"{args.keyspace}, {args.requests} requests, {args.rounds} alternating rounds)", ""]
    L += ["| test | server | req/s | server µs CPU/req | client µs CPU/req | server core busy | "
          "client core busy |", "|---|---|---:|---:|---:|---:|---:|"]
    for t in tests:
        for s in ("ember", "redis"):
            rr = runs[(t, s)]
            L.append(f"| {t.upper()} | {s} | {fmt([x['rps'] for x in rr], ',.0f')} | "
                     f"{fmt([x['srv_us'] for x in rr], '.2f')} | "
                     f"{fmt([x['cli_us'] for x in rr], '.2f')} | "
                     f"{med([x['srv_busy'] for x in rr])[0]:.0f}% | "
                     f"{med([x['cli_busy'] for x in rr])[0]:.0f}% |")
    if not prof:
        return "\n".join(L) + "\n"
    labels = [lbl for lbl, _ in SERVER_PARTS] + ["user space", "other kernel"]
    L += ["", "Server CPU per request by part (share of the profiled run's samples × the median "
          "µs/request above):", "",
          "| test | server | " + " | ".join(labels) + " |",
          "|---|---|" + "---:|" * len(labels)]
    for t in tests:
        for s in ("ember", "redis"):
            us = med([x["srv_us"] for x in runs[(t, s)]])[0]
            parts = prof[(t, s)]["server"]
            L.append(f"| {t.upper()} | {s} | " + " | ".join(
                f"{parts[lbl] * us / 100:.2f} ({parts[lbl]:.0f}%)" for lbl in labels) + " |")
    L += ["", "Largest user-space functions of the servers (self share of the samples):", ""]
    for t in tests:
        for s in ("ember", "redis"):
            L.append(f"- {t.upper()} {s}: " + ", ".join(
                f"`{sym}` {sh:.1f}%" for sh, sym in prof[(t, s)]["user_top"]))
    L += ["", "Client (redis-benchmark) CPU per request: the part that notifies the server "
          f"(`{CLIENT_NOTIFY}`: waking its epoll or thread) and the client's own:", "",
          "| test | server | client µs/req | notifying the server | client's own |",
          "|---|---|---:|---:|---:|"]
    for t in tests:
        for s in ("ember", "redis"):
            us = med([x["cli_us"] for x in runs[(t, s)]])[0]
            nt = prof[(t, s)]["notify"]
            L.append(f"| {t.upper()} | {s} | {us:.2f} | {nt * us / 100:.2f} ({nt:.1f}%) | "
                     f"{us * (1 - nt / 100):.2f} |")
    L += ["", "Bounds (estimates: sampled shares × measured CPU):", ""]
    for t in tests:
        e_us = med([x["srv_us"] for x in runs[(t, "ember")]])[0]
        r_us = med([x["srv_us"] for x in runs[(t, "redis")]])[0]
        r_rps = med([x["rps"] for x in runs[(t, "redis")]])[0]
        e_rps = med([x["rps"] for x in runs[(t, "ember")]])[0]
        ep = prof[(t, "ember")]["server"]
        tcp = (ep["kernel TCP send"] + ep["kernel TCP receive"]) * e_us / 100
        c_us = med([x["cli_us"] for x in runs[(t, "ember")]])[0]
        own = c_us * (1 - prof[(t, "ember")]["notify"] / 100)
        ceiling = 1e6 / own
        L.append(f"- {t.upper()} P1: Ember's kernel TCP send + receive is {tcp:.2f} µs/request, "
                 f"{tcp / r_us:.2f}x of Redis's whole {r_us:.2f} µs (the CPU target is 0.6x: "
                 f"{max(0.0, 0.6 * r_us - tcp):.2f} µs/request would be left for everything "
                 f"else; Ember now spends {e_us - tcp:.2f}). The client's own work is "
                 f"{own:.2f} µs/request: one core of it gives at most {ceiling:,.0f} req/s, "
                 f"{ceiling / r_rps:.2f}x of Redis's {r_rps:,.0f} (the target is 1.3x; Ember "
                 f"measured {e_rps / r_rps:.2f}x).")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
