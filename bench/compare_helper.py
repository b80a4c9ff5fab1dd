#!/usr/bin/python3
"""Helper for bench/compare.sh (standard library only).

Subcommands:
  freeport                      print a free TCP port on 127.0.0.1
  resp COUNT VALUE_SIZE [PREFIX]  write a RESP stream of COUNT "SET PREFIX%012d <value>"
                                commands to stdout (for `redis-cli --pipe`; PREFIX key:)
  cputicks PID                  print utime+stime (clock ticks, all threads) of PID
  cpusplit PID                  print utime and stime (clock ticks, all threads) of PID
  rss PID                       print VmRSS of PID in kB
  csvrps TEST                   read redis-benchmark --csv output on stdin, print
                                the requests/s of TEST (e.g. SET, or a prefix such as
                                MSET; * = the first test); exit 1 if absent
  cgsummary FILE...             print the largest callgrind "summary:"/"totals:" Ir
  perfcount FILE EVENT          print the count of EVENT from `perf stat -x,` output
  report RESULTS_DIR            print the summary from the files compare.sh wrote
"""

import csv
import os
import statistics
import sys

from benchlib import free_port, load_tsv, read_meta


def die(msg):
    print(f"compare_helper: {msg}", file=sys.stderr)
    sys.exit(1)


def cmd_freeport(_args):
    print(free_port())


def cmd_resp(args):
    count = int(args[0])
    vsize = int(args[1])
    prefix = (args[2] if len(args) > 2 else "key:").encode()
    value = ("v" * vsize).encode()
    head = b"*3\r\n$3\r\nSET\r\n$%d\r\n%s" % (len(prefix) + 12, prefix)
    tail = b"\r\n$%d\r\n%s\r\n" % (vsize, value)
    out = sys.stdout.buffer
    chunk = 10000
    for base in range(0, count, chunk):
        end = min(base + chunk, count)
        out.write(b"".join(head + b"%012d" % i + tail for i in range(base, end)))
    out.flush()


def read_stat(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read().decode(errors="replace")
    # comm (field 2) may contain spaces and parentheses: split after the last ')'.
    rest = data[data.rindex(")") + 2:].split()
    # rest[0] is field 3 (state); utime is field 14, stime field 15.
    return int(rest[11]) + int(rest[12])


def cmd_cputicks(args):
    print(read_stat(int(args[0])))


def cmd_cpusplit(args):
    """utime and stime (clock ticks, all threads) of PID, space-separated."""
    with open(f"/proc/{int(args[0])}/stat", "rb") as f:
        data = f.read().decode(errors="replace")
    rest = data[data.rindex(")") + 2:].split()
    print(int(rest[11]), int(rest[12]))


def cmd_rss(args):
    with open(f"/proc/{int(args[0])}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                print(line.split()[1])
                return
    die("no VmRSS line")


def cmd_csvrps(args):
    want = args[0].upper()
    for row in csv.reader(sys.stdin):
        name = row[0].upper() if row else ""
        if len(row) >= 2 and (want == "*" or name == want or name.startswith(want + " ")):
            try:
                print(float(row[1]))
                return
            except ValueError:
                pass
    sys.exit(1)


def cmd_cgsummary(args):
    best = None
    for path in args:
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(("summary:", "totals:")):
                        v = int(line.split()[1])
                        best = v if best is None else max(best, v)
        except (OSError, ValueError, IndexError):
            pass
    if best is None:
        sys.exit(1)
    print(best)


def cmd_perfcount(args):
    path, event = args
    with open(path) as f:
        for line in f:
            parts = line.strip().split(",")
            if len(parts) >= 3 and event in parts[2]:
                try:
                    print(int(float(parts[0])))
                    return
                except ValueError:
                    die(f"perf could not count {event}: {line.strip()}")
    sys.exit(1)


# ---------------------------------------------------------------- report

def fmt_rps(v):
    return f"{v:,.0f}"


def fmt_f(v, nd=2):
    return f"{v:.{nd}f}"


def table(header, rows, align=None):
    align = align or ["l"] + ["r"] * (len(header) - 1)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    def line(cells):
        out = []
        for c, w, a in zip(cells, widths, align):
            out.append(str(c).rjust(w) if a == "r" else str(c).ljust(w))
        return "| " + " | ".join(out) + " |"
    sep = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2))
                         for w, a in zip(widths, align)) + "|"
    return "\n".join([line(header), sep] + [line(r) for r in rows])


def cmd_report(args):
    d = args[0]
    meta = read_meta(d)
    ember = meta.get("EMBER_LABEL", "Ember")
    redis = meta.get("REDIS_LABEL", "Redis")
    out = []
    title = f"## {ember} vs {redis} ({meta.get('DATE', '')})"
    if meta.get("LABEL"):
        title += f" [{meta['LABEL']}]"
    out.append(title)
    out.append("")
    out.append(f"- Machine: {meta.get('NPROC', '?')} cores, {meta.get('CPU_MODEL', '?')}, "
               f"Linux {meta.get('KERNEL', '?')}")
    out.append(f"- Ember: `{meta.get('EMBER_CMD', '?')}`")
    out.append(f"- Redis: `{meta.get('REDIS_CMD', '?')}` ({meta.get('REDIS_VERSION', '?')})")
    out.append(f"- Client: `{meta.get('BENCH_CMD', '?')}` ({meta.get('BENCH_VERSION', '?')})")
    i = 0
    while f"BENCH_CMD_{i}" in meta:
        test, _, cmdline = meta[f"BENCH_CMD_{i}"].partition(": ")
        out.append(f"  - {test}: `{cmdline}`")
        i += 1
    if "REQUESTS_P1" in meta:
        out.append(f"- Requests per run: {meta['REQUESTS_P1']} at -P 1, {meta['REQUESTS_P16']} "
                   f"at other depths; MSET/MGET (10 keys each) / {meta.get('MULTI_DIV', '?')}")
    if meta.get("MIX"):
        out.append(f"- Mix: {meta['MIX']}; req/s = the sum of all processes' req/s")
    if meta.get("EMBER_GIT"):
        out.append(f"- Ember binary: `{meta.get('EMBER_BIN', '?')}` (git {meta['EMBER_GIT']})")
    out.append(f"- Pinning: {meta.get('PINNING', '?')}; load average at start: "
               f"{meta.get('LOADAVG', '?')}")
    out.append(f"- Command: `{meta.get('INVOCATION', '?')}`")
    if meta.get("NOTE"):
        out.append(f"- Note: {meta['NOTE']}")
    out.append("")

    rows = load_tsv(os.path.join(d, "throughput.tsv"))
    if rows:
        workloads = []
        for r in rows:
            if r["workload"] not in workloads:
                workloads.append(r["workload"])
        nrounds = len({r["round"] for r in rows})
        loads = [float(r["loadavg"]) for r in rows if r.get("loadavg")]
        out.append(f"### Throughput ({nrounds} round(s), median [min-max] req/s)")
        if loads:
            out.append("")
            out.append(f"1-minute load average after each run: median "
                       f"{statistics.median(loads):.2f}, range {min(loads):.2f}-{max(loads):.2f}")
        out.append("")
        trows, drows = [], []
        for w in workloads:
            per = {}
            for side in ("ember", "redis"):
                rs = [r for r in rows if r["workload"] == w and r["server"] == side]
                if not rs:
                    per[side] = None
                    continue
                rps = [float(r["rps"]) for r in rs]
                cpu_per_m = [float(r["server_cpu_s"]) / int(r["requests"]) * 1e6 for r in rs]
                srv_util = [float(r["server_cpu_s"]) / float(r["wall_s"]) * 100
                            for r in rs if float(r["wall_s"]) > 0]
                cli_util = [float(r["client_cpu_s"]) / float(r["wall_s"]) * 100
                            for r in rs if float(r["wall_s"]) > 0]
                per[side] = dict(
                    med=statistics.median(rps), lo=min(rps), hi=max(rps),
                    cpu=statistics.median(cpu_per_m),
                    srv=statistics.median(srv_util) if srv_util else float("nan"),
                    cli=statistics.median(cli_util) if cli_util else float("nan"),
                    n=int(rs[0]["requests"]))
            e, r_ = per["ember"], per["redis"]
            def cell(p):
                if p is None:
                    return "-"
                return f"{fmt_rps(p['med'])} [{fmt_rps(p['lo'])}-{fmt_rps(p['hi'])}]"
            ratio = f"{e['med'] / r_['med']:.2f}x" if e and r_ and r_["med"] else "-"
            cratio = f"{e['cpu'] / r_['cpu']:.2f}x" if e and r_ and r_["cpu"] else "-"
            trows.append([w, cell(e), cell(r_), ratio,
                          fmt_f(e["cpu"]) if e else "-", fmt_f(r_["cpu"]) if r_ else "-", cratio])
            drows.append([w, f"{(e or r_)['n']:,}",
                          f"{e['srv']:.0f}%" if e else "-", f"{r_['srv']:.0f}%" if r_ else "-",
                          f"{e['cli']:.0f}%" if e else "-", f"{r_['cli']:.0f}%" if r_ else "-"])
        out.append(table(["Workload", f"{ember} req/s", f"{redis} req/s", f"{ember}/{redis}",
                          f"{ember} CPU s/M req", f"{redis} CPU s/M req", "CPU E/R"], trows))
        out.append("")
        out.append("CPU s/M req: server process utime+stime per million requests (median).")
        out.append("")
        out.append("Utilisation during the runs (median; ~100% client CPU means the client, "
                   "not the server, is the bottleneck):")
        out.append("")
        out.append(table(["Workload", "Requests/run", f"{ember} server CPU", f"{redis} server CPU",
                          "client CPU (vs Ember)", "client CPU (vs Redis)"], drows))
        out.append("")

    mem = {r["server"]: r for r in load_tsv(os.path.join(d, "memory.tsv"))}
    if mem:
        out.append(f"### Memory ({int(next(iter(mem.values()))['keys']):,} keys "
                   f"`key:%012d`, {meta.get('VALUE_SIZE', '?')}-byte values, loaded with "
                   f"`redis-cli --pipe`)")
        out.append("")
        mrows = []
        bpk = {}
        for side, label in (("ember", ember), ("redis", redis)):
            m = mem.get(side)
            if not m:
                continue
            before, after, keys = int(m["rss_before_kb"]), int(m["rss_after_kb"]), int(m["keys"])
            bpk[side] = (after - before) * 1024 / keys
            mrows.append([label, f"{before / 1024:.1f} MiB", f"{after / 1024:.1f} MiB",
                          f"{(after - before) / 1024:.1f} MiB", f"{bpk[side]:.1f}"])
        out.append(table(["Server", "RSS before", "RSS after", "Growth", "Bytes/key"], mrows))
        out.append("")
        if "ember" in bpk and "redis" in bpk and bpk["redis"] > 0:
            out.append(f"{ember}/{redis} bytes per key: {bpk['ember'] / bpk['redis']:.2f}x")
            out.append("")

    cgrows = load_tsv(os.path.join(d, "callgrind.tsv"))
    if cgrows:
        out.append(f"### Instructions per request (callgrind, {int(cgrows[0]['requests']):,} "
                   f"requests per test, -P 1, -c {meta.get('CLIENTS', '?')})")
        out.append("")
        tests = []
        for r in cgrows:
            if r.get("test", "set") not in tests:
                tests.append(r.get("test", "set"))
        crows = []
        for t in tests:
            ipr = {}
            for side, label in (("ember", ember), ("redis", redis)):
                c = [r for r in cgrows if r["server"] == side and r.get("test", "set") == t]
                if c:
                    ipr[side] = int(c[0]["instructions"]) / int(c[0]["requests"])
                    scope = c[0]["scope"]
            crows.append([t.upper(), f"{ipr['ember']:,.0f}" if "ember" in ipr else "-",
                          f"{ipr['redis']:,.0f}" if "redis" in ipr else "-",
                          f"{ipr['ember'] / ipr['redis']:.2f}x" if len(ipr) == 2 else "-",
                          scope])
        out.append(table(["Test", f"{ember} Ir/request", f"{redis} Ir/request",
                          f"{ember}/{redis}", "Counted"], crows))
        out.append("")
        out.append("Ir: user-space instructions of the server process (all threads) "
                   "between callgrind_control -z and -d; the kernel is not counted.")
        out.append("")

    sc = load_tsv(os.path.join(d, "syscalls.tsv"))
    if sc:
        out.append("### System calls per request (perf stat -e raw_syscalls:sys_enter)")
        out.append("")
        ws = []
        for r in sc:
            if r["workload"] not in ws:
                ws.append(r["workload"])
        srows = []
        for w in ws:
            cells = [w]
            vals = {}
            for side in ("ember", "redis"):
                rr = [r for r in sc if r["workload"] == w and r["server"] == side]
                if rr:
                    vals[side] = int(rr[0]["syscalls"]) / int(rr[0]["requests"])
                    cells.append(f"{vals[side]:.3f}")
                else:
                    cells.append("-")
            cells.append(f"{vals['ember'] / vals['redis']:.2f}x"
                         if len(vals) == 2 and vals["redis"] else "-")
            srows.append(cells)
        out.append(table(["Workload", f"{ember} syscalls/req", f"{redis} syscalls/req",
                          f"{ember}/{redis}"], srows))
        out.append("")

    out.extend(aof_report(d, meta, ember, redis))

    print("\n".join(out))


def aof_report(d, meta, ember, redis):
    out = []
    rows = load_tsv(os.path.join(d, "aof.tsv"))
    if not rows:
        return out
    cells = []
    for r in rows:
        if (r["fsync"], r["workload"]) not in cells:
            cells.append((r["fsync"], r["workload"]))
    nrounds = len({r["round"] for r in rows})
    loads = [float(r["loadavg"]) for r in rows if r.get("loadavg")]
    out.append(f"### Append-only file: SET, appendonly yes ({nrounds} round(s), "
               f"median [min-max] req/s)")
    out.append("")
    out.append(f"- Ember: `{meta.get('AOF_EMBER_CMD', '?')}`")
    out.append(f"- Redis: `{meta.get('AOF_REDIS_CMD', '?')}`")
    out.append(f"- Client: `{meta.get('AOF_BENCH_CMD', '?')}`")
    out.append(f"- A fresh server in a fresh directory under `{meta.get('AOF_TMPDIR', '?')}` "
               f"for every run (empty keyspace, empty AOF), deleted afterwards")
    if loads:
        out.append(f"- 1-minute load average at the end of the runs: median "
                   f"{statistics.median(loads):.2f}, range {min(loads):.2f}-{max(loads):.2f}")
    out.append("")
    trows = []
    for fs, w in cells:
        per = {}
        for side in ("ember", "redis"):
            rs = [r for r in rows if r["fsync"] == fs and r["workload"] == w and r["server"] == side]
            if not rs:
                per[side] = None
                continue
            rps = [float(r["rps"]) for r in rs]
            per[side] = dict(
                med=statistics.median(rps), lo=min(rps), hi=max(rps),
                cpu=statistics.median(float(r["server_cpu_s"]) / int(r["requests"]) * 1e6
                                      for r in rs),
                bpr=statistics.median(int(r["aof_bytes"]) / int(r["requests"]) for r in rs),
                rewrites=max(int(r["rewrites"]) for r in rs))
        e, r_ = per["ember"], per["redis"]
        def cell(p):
            if p is None:
                return "-"
            return f"{fmt_rps(p['med'])} [{fmt_rps(p['lo'])}-{fmt_rps(p['hi'])}]"
        ratio = f"{e['med'] / r_['med']:.2f}x" if e and r_ and r_["med"] else "-"
        trows.append([fs, w, cell(e), cell(r_), ratio,
                      fmt_f(e["cpu"]) if e else "-", fmt_f(r_["cpu"]) if r_ else "-",
                      f"{e['bpr']:.1f}" if e else "-", f"{r_['bpr']:.1f}" if r_ else "-",
                      f"{e['rewrites'] if e else '-'}/{r_['rewrites'] if r_ else '-'}"])
    out.append(table(["appendfsync", "Workload", f"{ember} req/s", f"{redis} req/s",
                      f"{ember}/{redis}", f"{ember} CPU s/M req", f"{redis} CPU s/M req",
                      f"{ember} AOF B/req", f"{redis} AOF B/req", "rewrites E/R"], trows,
                     align=["l", "l"] + ["r"] * 8))
    out.append("")
    out.append("AOF B/req: bytes in appendonlydir after the run (manifest, base and "
               "incremental file) per request. rewrites: the largest aof_rewrites seen "
               "(0: no rewrite ran during a measurement).")
    out.append("")

    sc = load_tsv(os.path.join(d, "aof_syscalls.tsv"))
    if sc:
        out.append("#### AOF system calls (perf stat -p PID, all threads, one extra run per cell)")
        out.append("")
        srows = []
        for r in sc:
            n = int(r["requests"])
            def per_req(k):
                v = int(r[k])
                return "?" if v < 0 else f"{v / n:.3f}"
            fsyncs = max(0, int(r["fdatasync"])) + max(0, int(r["fsync_calls"]))
            srows.append([r["fsync"], r["workload"], ember if r["server"] == "ember" else redis,
                          f"{n:,}", f"{fsyncs:,}", f"{n / fsyncs:,.1f}" if fsyncs else "-",
                          per_req("write"), per_req("futex"), per_req("context_switches"),
                          per_req("syscalls")])
        out.append(table(["appendfsync", "Workload", "Server", "Requests", "fsyncs",
                          "req/fsync", "write/req", "futex/req", "ctx-switch/req",
                          "syscalls/req"], srows, align=["l", "l", "l"] + ["r"] * 7))
        out.append("")
        out.append("fsyncs: fdatasync + fsync calls of every server thread during the run; "
                   "req/fsync is how many requests one fsync covered (group commit). write "
                   "counts both socket replies and AOF writes.")
        out.append("")
    return out


COMMANDS = {
    "freeport": cmd_freeport, "resp": cmd_resp, "cputicks": cmd_cputicks, "rss": cmd_rss,
    "cpusplit": cmd_cpusplit,
    "csvrps": cmd_csvrps, "cgsummary": cmd_cgsummary, "perfcount": cmd_perfcount,
    "report": cmd_report,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
