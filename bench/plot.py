#!/usr/bin/python3
"""Draw the benchmark plots (PNG) and the Markdown tables of BENCHMARKS.md from raw data.

Reads only files the benchmark scripts write, never numbers typed by hand:

  T1 dir    bench/compare.sh results of Ember --threads 1 vs Redis: throughput.tsv,
            memory.tsv, callgrind.tsv, syscalls.tsv, aof.tsv, aof_syscalls.tsv, meta.env
  T2 dir    bench/compare.sh results of the --threads 2 run (throughput.tsv, meta.env)
  micro     ember-microbench --benchmark_out=FILE --benchmark_out_format=json
  cliffs    bench/latency_cliffs.py stdout (its Markdown tables)
  memory    bench/memory.py --out files (their "Raw runs" lines), several allowed
  bgsave    bench/bgsave_impact.py stdout (its summary table)

Usage:
  bench/plot.py                           # bench/data/{t1,t2,micro.json,...} -> bench/plots/
  bench/plot.py --t1 bench/results/X --t2 bench/results/Y --micro m.json --out /tmp/p
  bench/plot.py --tables-only             # print the Markdown tables, draw nothing
  bench/plot.py --fill BENCHMARKS.md      # also refresh the table blocks of BENCHMARKS.md

Every missing input is skipped with a note on stderr. Writes OUT/*.png and OUT/tables.md.
Needs matplotlib (Debian: python3-matplotlib) for the PNGs; the tables need nothing else.
"""

import argparse
import json
import os
import re
import statistics
import sys

from benchlib import ensure_deps, load_tsv, read_meta

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def note(msg):
    print(f"plot.py: {msg}", file=sys.stderr)


# ---------------------------------------------------------------- readers

def stats(vals):
    return dict(med=statistics.median(vals), lo=min(vals), hi=max(vals), n=len(vals))


def throughput(d):
    """workload -> side -> {rps: stats, cpu_us: stats, pipeline, test}; keeps file order."""
    rows = load_tsv(os.path.join(d, "throughput.tsv"))
    out = {}
    for r in rows:
        w = out.setdefault(r["workload"], {"pipeline": int(r["pipeline"]), "test": r["test"]})
        s = w.setdefault(r["server"], {"rps": [], "cpu_us": [], "load": [], "detail": [],
                                       "user_us": [], "sys_us": []})
        s["rps"].append(float(r["rps"]))
        s["cpu_us"].append(float(r["server_cpu_s"]) / int(r["requests"]) * 1e6)
        if r.get("server_user_s"):
            s["user_us"].append(float(r["server_user_s"]) / int(r["requests"]) * 1e6)
            s["sys_us"].append(float(r["server_sys_s"]) / int(r["requests"]) * 1e6)
        if r.get("loadavg"):
            s["load"].append(float(r["loadavg"]))
        if r.get("detail"):
            s["detail"].append(r["detail"])
    for w in out.values():
        for side in ("ember", "redis"):
            if side in w:
                w[side]["rps_s"] = stats(w[side]["rps"])
                w[side]["cpu_s"] = stats(w[side]["cpu_us"])
    return out


def micro(path):
    """name -> {real, cpu (ns), items_per_second, bytes_per_second, threads, reps} (medians)."""
    with open(path) as f:
        data = json.load(f)
    per = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        name = b.get("run_name", b["name"])
        unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        e = per.setdefault(name, {"real": [], "cpu": [], "ips": [], "bps": [],
                                  "threads": b.get("threads", 1)})
        e["real"].append(b["real_time"] * unit)
        e["cpu"].append(b["cpu_time"] * unit)
        if "items_per_second" in b:
            e["ips"].append(b["items_per_second"])
        if "bytes_per_second" in b:
            e["bps"].append(b["bytes_per_second"])
    return per, data.get("context", {})


def md_tables(path):
    """Markdown tables of a text file: list of (heading, header, rows)."""
    out, heading, cur = [], "", None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                heading = line.lstrip("# ").strip()
                cur = None
                continue
            if line.startswith("|"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if all(re.fullmatch(r":?-+:?", c) for c in cells if c):
                    continue
                if cur is None:
                    cur = (heading, cells, [])
                    out.append(cur)
                else:
                    cur[2].append(cells)
            else:
                cur = None
    return out


def first_float(s):
    m = re.search(r"-?\d[\d,]*\.?\d*", s)
    return float(m.group(0).replace(",", "")) if m else float("nan")


def memory_raw(paths):
    """(scenario, server/allocator) -> [B/key] from bench/memory.py 'Raw runs' lines."""
    out = {}
    for p in paths:
        if not os.path.exists(p):
            note(f"no {p}")
            continue
        with open(p) as f:
            for line in f:
                parts = line.strip().split("\t")
                if len(parts) == 9 and parts[3].isdigit():
                    key = (parts[0], f"{parts[1]} {parts[2]}")
                    out.setdefault(key, []).append(float(parts[6]))
    return out


# ---------------------------------------------------------------- tables

def fmt_rps(v):
    return f"{v:,.0f}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def cell(s, f=fmt_rps):
    return f"{f(s['med'])} [{f(s['lo'])}-{f(s['hi'])}]"


def tp_tables(tp, meta, targets=True):
    e_label = meta.get("EMBER_LABEL", "Ember")
    r_label = meta.get("REDIS_LABEL", "Redis")
    rows, crows = [], []
    for w, d in tp.items():
        if "ember" not in d or "redis" not in d:
            continue
        e, r = d["ember"], d["redis"]
        ratio = e["rps_s"]["med"] / r["rps_s"]["med"]
        cratio = e["cpu_s"]["med"] / r["cpu_s"]["med"]
        tgt = ""
        if targets and d["test"] in ("set", "get"):
            need = 1.3 if d["pipeline"] == 1 else 2.0
            tgt = f"≥{need}x: {'met' if ratio >= need else 'missed'}"
        rows.append([w, cell(e["rps_s"]), cell(r["rps_s"]), f"{ratio:.2f}x", tgt])
        ctgt = ""
        if targets and d["test"] in ("set", "get"):
            need = 0.6 if d["pipeline"] == 1 else 0.5
            ctgt = f"≤{need}x: {'met' if cratio <= need else 'missed'}"
        f2 = lambda v: f"{v:.2f}"

        def split(x):
            if not x["user_us"]:
                return "-"
            return f"{statistics.median(x['user_us']):.2f} / {statistics.median(x['sys_us']):.2f}"
        crows.append([w, cell(e["cpu_s"], f2), cell(r["cpu_s"], f2), f"{cratio:.2f}x",
                      split(e), split(r), ctgt])
    h = ["workload", f"{e_label} req/s", f"{r_label} req/s", f"{e_label}/{r_label}"]
    ch = ["workload", f"{e_label} µs CPU/req", f"{r_label} µs CPU/req", f"{e_label}/{r_label}",
          f"{e_label} user / sys", f"{r_label} user / sys"]
    if targets:
        h.append("target")
        ch.append("target")
    else:
        rows = [r[:-1] for r in rows]
        crows = [r[:-1] for r in crows]
    return table(h, rows), table(ch, crows)


SECTION_IDS = [("Throughput, --threads 1", "t1_tp"), ("Server CPU per request", "t1_cpu"),
               ("Instructions per request", "cg"), ("System calls per request", "sc"),
               ("Memory (compare.sh", "mem"), ("AOF on", "aof"), ("AOF system calls", "aof_sc"),
               ("Microbenchmarks", "micro"),
               ("Contention", "contention"), ("Latency cliffs", "cliffs"),
               ("BGSAVE impact", "bgsave"), ("Memory per key, bench/memory.py", "memory_py"),
               ("", "t2")]


def sections(text):
    """tables.md text -> {id: body}; ids from SECTION_IDS (the t2 run's heading varies)."""
    out, cur, body = {}, None, []
    for line in text.split("\n") + ["## "]:
        if line.startswith("## "):
            if cur:
                out[cur] = "\n".join(body).strip("\n")
            head = line[3:]
            cur = next((i for p, i in SECTION_IDS if head.startswith(p)), None) if head else None
            body = []
        else:
            body.append(line)
    return out


def fill(path, text):
    """Replace each <!-- table:ID --> ... <!-- /table:ID --> block of PATH with section ID."""
    secs = sections(text)
    with open(path) as f:
        doc = f.read()
    for sid, body in secs.items():
        pat = re.compile(r"(<!-- table:%s -->\n).*?(<!-- /table:%s -->)" % (sid, sid), re.S)
        doc, n = pat.subn(lambda m: m.group(1) + body + "\n" + m.group(2), doc)
        if n:
            note(f"filled table:{sid} in {path}")
    with open(path, "w") as f:
        f.write(doc)


def write_tables(a, out):
    parts = []
    if a.t1 and os.path.exists(os.path.join(a.t1, "throughput.tsv")):
        meta = read_meta(a.t1)
        tp = throughput(a.t1)
        loads = [x for d in tp.values() for s in ("ember", "redis") if s in d for x in d[s]["load"]]
        t, c = tp_tables(tp, meta)
        parts += ["## Throughput, --threads 1 vs Redis (median [min-max] req/s)", "",
                  f"Load average (1 min) after each run: median {statistics.median(loads):.2f}, "
                  f"range {min(loads):.2f}-{max(loads):.2f}" if loads else "", "", t, "",
                  "## Server CPU per request (µs = utime+stime / requests)", "", c, ""]
        mix = [(w, s, d[s]["detail"]) for w, d in tp.items() if d["test"] == "mix"
               for s in ("ember", "redis") if s in d]
        if mix:
            parts += ["Mix runs, req/s of the SET process and range of the 10 GET processes, per "
                      "round (equal rates = the 1:10 ratio held for the whole run):", ""]
            for w, s, det in mix:
                cells = []
                for d_ in det:
                    kv = dict(x.split("=", 1) for x in d_.split(";") if "=" in x)
                    gets = [float(g) for g in kv.get("get", "").split(",") if g]
                    if "set" in kv and gets:
                        cells.append(f"{float(kv['set']):,.0f} / {min(gets):,.0f}-{max(gets):,.0f}")
                parts.append(f"- {w}, {s}: " + "; ".join(cells))
            parts.append("")
        cg = load_tsv(os.path.join(a.t1, "callgrind.tsv"))
        if cg:
            rows = []
            for t_ in dict.fromkeys(r.get("test", "set") for r in cg):
                ipr = {r["server"]: int(r["instructions"]) / int(r["requests"])
                       for r in cg if r.get("test", "set") == t_}
                rows.append([t_.upper() + " P1", f"{ipr.get('ember', 0):,.0f}",
                             f"{ipr.get('redis', 0):,.0f}",
                             f"{ipr['ember'] / ipr['redis']:.2f}x" if len(ipr) == 2 else "-"])
            parts += ["## Instructions per request (callgrind, user space)", "",
                      table(["workload", "Ember Ir/req", "Redis Ir/req", "Ember/Redis"], rows), ""]
        sc = load_tsv(os.path.join(a.t1, "syscalls.tsv"))
        if sc:
            per = {}
            for r in sc:
                per.setdefault(r["workload"], {})[r["server"]] = int(r["syscalls"]) / int(r["requests"])
            rows = [[w, f"{v.get('ember', 0):.3f}", f"{v.get('redis', 0):.3f}",
                     f"{v['ember'] / v['redis']:.2f}x" if len(v) == 2 and v["redis"] else "-"]
                    for w, v in per.items()]
            parts += ["## System calls per request (perf stat raw_syscalls:sys_enter)", "",
                      table(["workload", "Ember", "Redis", "Ember/Redis"], rows), ""]
        mem = {r["server"]: r for r in load_tsv(os.path.join(a.t1, "memory.tsv"))}
        if len(mem) == 2:
            bpk = {s: (int(m["rss_after_kb"]) - int(m["rss_before_kb"])) * 1024 / int(m["keys"])
                   for s, m in mem.items()}
            parts += ["## Memory (compare.sh, RSS growth per key)", "",
                      table(["keys", "Ember B/key", "Redis B/key", "Ember/Redis"],
                            [[f"{int(mem['ember']['keys']):,} × {meta.get('VALUE_SIZE', '?')} B",
                              f"{bpk['ember']:.1f}", f"{bpk['redis']:.1f}",
                              f"{bpk['ember'] / bpk['redis']:.2f}x"]]), ""]
        aof = load_tsv(os.path.join(a.t1, "aof.tsv"))
        if aof:
            rows = []
            for fs in dict.fromkeys(r["fsync"] for r in aof):
                for w in dict.fromkeys(r["workload"] for r in aof):
                    v = {}
                    for s in ("ember", "redis"):
                        rs = [r for r in aof if r["fsync"] == fs and r["workload"] == w and r["server"] == s]
                        if rs:
                            v[s] = (stats([float(r["rps"]) for r in rs]),
                                    stats([float(r["server_cpu_s"]) / int(r["requests"]) * 1e6 for r in rs]))
                    if len(v) == 2:
                        rows.append([fs, w, cell(v["ember"][0]), cell(v["redis"][0]),
                                     f"{v['ember'][0]['med'] / v['redis'][0]['med']:.2f}x",
                                     f"{v['ember'][1]['med']:.2f}", f"{v['redis'][1]['med']:.2f}"])
            parts += ["## AOF on: SET req/s (median [min-max]) and µs CPU/req", "",
                      table(["appendfsync", "workload", "Ember req/s", "Redis req/s", "Ember/Redis",
                             "Ember µs/req", "Redis µs/req"], rows), ""]
        asc = load_tsv(os.path.join(a.t1, "aof_syscalls.tsv"))
        if asc:
            rows = []
            for r in asc:
                n = int(r["requests"])
                fs = max(0, int(r["fdatasync"])) + max(0, int(r["fsync_calls"]))
                rows.append([r["fsync"], r["workload"], r["server"], f"{n:,}", f"{fs:,}",
                             f"{n / fs:,.1f}" if fs else "-",
                             *(f"{int(r[k]) / n:.3f}" for k in ("write", "futex",
                                                                 "context_switches", "syscalls"))])
            parts += ["## AOF system calls per request (perf stat -p PID, all threads)", "",
                      table(["appendfsync", "workload", "server", "requests", "fsyncs", "req/fsync",
                             "write/req", "futex/req", "ctx-switch/req", "syscalls/req"], rows), ""]
    if a.t2 and os.path.exists(os.path.join(a.t2, "throughput.tsv")):
        meta = read_meta(a.t2)
        t, c = tp_tables(throughput(a.t2), meta, targets=False)
        parts += [f"## {meta.get('EMBER_LABEL', 'Ember t2')} vs {meta.get('REDIS_LABEL', '?')} "
                  f"(same run; pinning: {meta.get('PINNING', '?')})", "", t, "", c, ""]
    if a.micro and os.path.exists(a.micro):
        per, ctx = micro(a.micro)
        rows = []
        for name, e in per.items():
            ns = stats(e["real"] if "real_time" in name else e["cpu"])
            extra = ""
            if e["ips"] and not name.startswith("BM_ParseLargeBulk"):
                extra = f"{statistics.median(e['ips']) / 1e6:.1f} M items/s"
            if e["bps"] and name.startswith(("BM_ParsePipelined", "BM_WriteBulk")):
                extra += f", {statistics.median(e['bps']) / 1e9:.2f} GB/s"
            if name.startswith("BM_ParseLargeBulk"):
                extra = "ns per bulk (zero-copy: bytes/s meaningless)"
            rows.append([name, f"{ns['med']:,.1f} [{ns['lo']:,.1f}-{ns['hi']:,.1f}]",
                         ns["n"], extra])
        parts += ["## Microbenchmarks (ember-microbench; ns per iteration, median [min-max] "
                  "over repetitions)", "",
                  f"Context: {ctx.get('num_cpus', '?')} CPUs, "
                  f"{ctx.get('mhz_per_cpu', '?')} MHz, load average "
                  f"{', '.join(f'{x:.2f}' for x in ctx.get('load_avg', []))} at start; "
                  "time: real for the */real_time (multi-thread) benchmarks, CPU for the "
                  "others", "",
                  table(["benchmark", "ns/iteration", "reps", "throughput"], rows), ""]
        crow = []
        for fam in ("BM_Contention", "BM_ContentionGlobalLock", "BM_ContentionHotKey"):
            pts = sorted((e["threads"], statistics.median(e["ips"])) for n, e in per.items()
                         if n.split("/")[0] == fam and e["ips"])
            if pts:
                base = pts[0][1]
                crow.append([fam] + [f"{v / 1e6:.2f} ({v / base:.2f}x)" for _, v in pts])
                hdr = ["benchmark"] + [f"{t} thr M ops/s" for t, _ in pts]
        if crow:
            parts += ["## Contention (total M ops/s over all threads, vs 1 thread)", "",
                      table(hdr, crow), ""]
    if a.cliffs and os.path.exists(a.cliffs):
        tabs = [t for t in md_tables(a.cliffs) if t[1] and t[1][0] == "server"]
        if tabs:
            rows = []
            cols = [("max ms", "max ms"), ("p99.9 ms", "p99.9 ms"), ("p99 ms", "p99 ms"),
                    (">5ms", "samples >5 ms"), ("samples", "samples")]
            # With --sched-trace: the figures once other tasks' time on the server's CPU and the
            # probe's wait for its own CPU are out (the server's own latency).
            if all("max w/o others ms" in hdr for _, hdr, _ in tabs):
                cols += [("max w/o others ms", "server's own max ms"),
                         (">5ms w/o others", "server's own >5 ms")]
            for head, hdr, trs in tabs:
                for r in trs:
                    rows.append([re.sub(r"\s*\(.*", "", head), r[0]]
                                + [r[hdr.index(c)] if c in hdr else "-" for c, _ in cols])
            parts += [f"## Latency cliffs ({os.path.basename(a.cliffs)})", "",
                      table(["scenario", "server"] + [t for _, t in cols], rows), ""]
    if a.bgsave and os.path.exists(a.bgsave):
        tabs = [t for t in md_tables(a.bgsave) if t[1] and t[1][0] == "metric"]
        if tabs:
            keep = ("RSS after loading", "extra peak, real", "BGSAVE command round trip",
                    "fork, INFO", "save window", "probe p99 ", "probe p99.9", "probe max")
            rows = [r[:4] for r in tabs[0][2] if r[0].startswith(keep)]
            parts += [f"## BGSAVE impact ({os.path.basename(a.bgsave)}, median [min-max])", "",
                      table(["metric", "Ember", "Redis", "E/R"], rows), ""]
    mem = memory_raw(a.memory or [])
    if mem:
        scen = list(dict.fromkeys(k[0] for k in mem))
        whos = [w for w in dict.fromkeys(k[1] for k in mem) if "arena" not in w]
        rows = []
        for sc_ in scen:
            red = [statistics.median(v) for (x, w), v in mem.items() if x == sc_ and w.startswith("redis")]
            row = [sc_]
            for w in whos:
                v = mem.get((sc_, w))
                if not v:
                    row.append("-")
                    continue
                m = statistics.median(v)
                row.append(f"{m:.1f}" + (f" ({m / red[0]:.2f}x)" if red and not w.startswith("redis") else ""))
            rows.append(row)
        parts += ["## Memory per key, bench/memory.py (RSS growth B/key, median of the raw runs)", "",
                  table(["scenario"] + whos, rows), ""]
    text = "\n".join(parts)
    with open(os.path.join(out, "tables.md"), "w") as f:
        f.write(text + "\n")
    return text


# ---------------------------------------------------------------- plots

def plots(a, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        note("matplotlib missing (apt-get install -y python3-matplotlib): no PNGs")
        return []
    made = []
    E, R = "#d9534f", "#5b7fb5"

    def save(fig, name):
        p = os.path.join(out, name)
        fig.tight_layout()
        fig.savefig(p, dpi=110)
        plt.close(fig)
        made.append(p)

    def grouped(ax, labels, es, rs, elab, rlab, ylabel, ratio_fmt, log=False):
        x = range(len(labels))
        w = 0.38
        for off, data, lab, col in ((-w / 2, es, elab, E), (w / 2, rs, rlab, R)):
            med = [s["med"] for s in data]
            err = [[s["med"] - s["lo"] for s in data], [s["hi"] - s["med"] for s in data]]
            ax.bar([i + off for i in x], med, w, yerr=err, capsize=3, label=lab, color=col)
        for i, (e, r) in enumerate(zip(es, rs)):
            ax.annotate(ratio_fmt(e["med"] / r["med"]), (i, max(e["hi"], r["hi"])),
                        ha="center", va="bottom", fontsize=8, xytext=(0, 2),
                        textcoords="offset points")
        ax.set_xticks(list(x))
        ax.set_xticklabels(labels, rotation=20, ha="right", fontsize=8)
        ax.set_ylabel(ylabel)
        if log:
            ax.set_yscale("log")
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)

    # 1-2. throughput and CPU per request, threads 1 vs Redis (and threads 2 run)
    for tag, d in (("t1", a.t1), ("t2", a.t2)):
        if not d or not os.path.exists(os.path.join(d, "throughput.tsv")):
            if d:
                note(f"no throughput.tsv in {d}")
            continue
        meta = read_meta(d)
        tp = throughput(d)
        el, rl = meta.get("EMBER_LABEL", "Ember"), meta.get("REDIS_LABEL", "Redis")
        pipes = sorted({w["pipeline"] for w in tp.values()})
        for metric, key, ylabel, fname in (
                ("req/s", "rps_s", "requests/s (median, min-max)", f"throughput_{tag}.png"),
                ("CPU", "cpu_s", "server CPU µs per request", f"cpu_per_request_{tag}.png")):
            fig, axes = plt.subplots(1, len(pipes), figsize=(5.5 * len(pipes), 4.2), squeeze=False)
            for ax, p in zip(axes[0], pipes):
                ws = [w for w, v in tp.items() if v["pipeline"] == p and "ember" in v and "redis" in v]
                grouped(ax, [w.rsplit(" P", 1)[0] for w in ws],
                        [tp[w]["ember"][key] for w in ws], [tp[w]["redis"][key] for w in ws],
                        el, rl, ylabel, lambda r: f"{r:.2f}x")
                goal = ""
                if tag == "t1":
                    goal = (f" (SET/GET target ≥{1.3 if p == 1 else 2.0}x)" if key == "rps_s"
                            else f" (SET/GET target ≤{0.6 if p == 1 else 0.5}x)")
                ax.set_title(f"pipeline {p}: {el}/{rl} {metric}{goal}", fontsize=9)
            fig.suptitle(f"{el} vs {rl}, {meta.get('DATE', '')}, git {meta.get('EMBER_GIT', '?')}, "
                         f"{meta.get('PINNING', '')[:60]}", fontsize=8)
            save(fig, fname)

    # 3. instructions and syscalls per request
    if a.t1:
        cg = load_tsv(os.path.join(a.t1, "callgrind.tsv"))
        sc = load_tsv(os.path.join(a.t1, "syscalls.tsv"))
        if cg or sc:
            fig, axes = plt.subplots(1, 2, figsize=(11, 4))
            if cg:
                tests = list(dict.fromkeys(r.get("test", "set") for r in cg))
                es, rs = [], []
                for t in tests:
                    v = {r["server"]: int(r["instructions"]) / int(r["requests"])
                         for r in cg if r.get("test", "set") == t}
                    es.append(stats([v.get("ember", 0)]))
                    rs.append(stats([v.get("redis", 1)]))
                grouped(axes[0], [t.upper() + " P1" for t in tests], es, rs, "Ember", "Redis",
                        "instructions per request", lambda r: f"{r:.2f}x")
                axes[0].set_title("callgrind, user-space instructions per request", fontsize=9)
            if sc:
                ws = list(dict.fromkeys(r["workload"] for r in sc))
                v = {(r["workload"], r["server"]): int(r["syscalls"]) / int(r["requests"]) for r in sc}
                grouped(axes[1], ws, [stats([v.get((w, "ember"), 0)]) for w in ws],
                        [stats([v.get((w, "redis"), 1e-9)]) for w in ws], "Ember", "Redis",
                        "system calls per request", lambda r: f"{r:.2f}x", log=True)
                axes[1].set_title("perf stat raw_syscalls:sys_enter per request", fontsize=9)
            save(fig, "instructions_syscalls.png")

    # 4. AOF
    if a.t1:
        aof = load_tsv(os.path.join(a.t1, "aof.tsv"))
        if aof:
            cells = list(dict.fromkeys((r["fsync"], r["workload"]) for r in aof))
            es, rs = [], []
            for fs, w in cells:
                es.append(stats([float(r["rps"]) for r in aof
                                 if (r["fsync"], r["workload"], r["server"]) == (fs, w, "ember")]))
                rs.append(stats([float(r["rps"]) for r in aof
                                 if (r["fsync"], r["workload"], r["server"]) == (fs, w, "redis")]))
            fig, ax = plt.subplots(figsize=(7, 4))
            grouped(ax, [f"{fs} {w}" for fs, w in cells], es, rs, "Ember", "Redis",
                    "SET requests/s (median, min-max)", lambda r: f"{r:.2f}x", log=True)
            ax.set_title("appendonly yes: SET throughput per appendfsync policy", fontsize=9)
            save(fig, "aof.png")

    # 5. memory per key
    mem = memory_raw(a.memory)
    m1 = {r["server"]: r for r in load_tsv(os.path.join(a.t1, "memory.tsv"))} if a.t1 else {}
    if mem or m1:
        series = {}  # label -> {scenario: B/key}
        for (scen, who), vals in mem.items():
            if "arena" in who:   # MALLOC_ARENA_MAX variants: identical to glibc, left out
                continue
            who = {"ember mimalloc": "ember mimalloc (LD_PRELOAD)",
                   "ember jemalloc": "ember jemalloc (LD_PRELOAD)",
                   "ember glibc": "ember glibc (before mimalloc was linked)"}.get(who, who)
            series.setdefault(who, {})[scen] = statistics.median(vals)
        if len(m1) == 2:
            for s, lab in (("ember", "ember (linked mimalloc), compare.sh"),
                           ("redis", "redis, compare.sh")):
                m = m1[s]
                series.setdefault(lab, {})["1m-64"] = (
                    (int(m["rss_after_kb"]) - int(m["rss_before_kb"])) * 1024 / int(m["keys"]))
        scen = ["1m-64", "10m-8", "10m-8-ttl"]
        order = [k for k in series if k.startswith("redis")] + \
                [k for k in series if not k.startswith("redis")]
        fig, ax = plt.subplots(figsize=(10, 4.5))
        w = 0.8 / max(1, len(order))
        for i, lab in enumerate(order):
            xs = [j + (i - (len(order) - 1) / 2) * w for j, s in enumerate(scen) if s in series[lab]]
            ys = [series[lab][s] for s in scen if s in series[lab]]
            bars = ax.bar(xs, ys, w, label=lab)
            for x_, y_ in zip(xs, ys):
                ax.annotate(f"{y_:.0f}", (x_, y_), ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(len(scen)))
        ax.set_xticklabels(["1M keys × 64 B", "10M keys × 8 B", "10M × 8 B, TTL on every key"])
        ax.set_ylabel("RSS growth per key (bytes)")
        ax.set_title("Memory per key (bench/memory.py raw runs; compare.sh memory.tsv)", fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(axis="y", alpha=0.3)
        save(fig, "memory_per_key.png")

    # 6. latency cliffs
    if a.cliffs and os.path.exists(a.cliffs):
        tabs = [t for t in md_tables(a.cliffs) if t[1] and t[1][0] == "server"]
        if tabs:
            fig, axes = plt.subplots(1, len(tabs), figsize=(3.6 * len(tabs), 4), squeeze=False)
            for ax, (head, hdr, rows) in zip(axes[0], tabs):
                imax, ip999 = hdr.index("max ms"), hdr.index("p99.9 ms")
                servers = [r[0] for r in rows]
                mx = [first_float(r[imax]) for r in rows]
                p9 = [first_float(r[ip999]) for r in rows]
                x = range(len(servers))
                if "max w/o others ms" in hdr:  # --sched-trace: the server's own max
                    io = hdr.index("max w/o others ms")
                    own = [first_float(r[io]) for r in rows]
                    ax.bar([i - 0.27 for i in x], mx, 0.27, label="max", color=E)
                    ax.bar(list(x), own, 0.27, label="server's own max", color="#7fb3d5")
                    ax.bar([i + 0.27 for i in x], p9, 0.27, label="p99.9", color=R)
                else:
                    ax.bar([i - 0.2 for i in x], mx, 0.4, label="max", color=E)
                    ax.bar([i + 0.2 for i in x], p9, 0.4, label="p99.9", color=R)
                ax.axhline(5, color="k", ls="--", lw=1, label="5 ms target")
                ax.set_yscale("log")
                ax.set_xticks(list(x))
                ax.set_xticklabels(servers)
                ax.set_title(re.sub(r"\s*\(.*", "", head)[:48], fontsize=8)
                ax.set_ylabel("probe round trip, ms")
                ax.legend(fontsize=7)
            fig.suptitle(f"Latency cliffs ({os.path.basename(a.cliffs)})", fontsize=9)
            save(fig, "latency_cliffs.png")
    elif a.cliffs:
        note(f"no {a.cliffs}")

    # 7. microbenchmarks: contention scaling and keyspace ns/op
    if a.micro and os.path.exists(a.micro):
        per, ctx = micro(a.micro)
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        ax = axes[0]
        for fam, lab in (("BM_Contention", "1024 partitions, random keys"),
                         ("BM_ContentionGlobalLock", "one global mutex"),
                         ("BM_ContentionHotKey", "one hot key")):
            pts = sorted((e["threads"], e["ips"]) for n, e in per.items()
                         if n.split("/")[0] == fam and e["ips"])
            if pts:
                ts = [t for t, _ in pts]
                med = [statistics.median(v) / 1e6 for _, v in pts]
                err = [[m - min(v) / 1e6 for m, (_, v) in zip(med, pts)],
                       [max(v) / 1e6 - m for m, (_, v) in zip(med, pts)]]
                ax.errorbar(ts, med, yerr=err, marker="o", capsize=3, label=lab)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks([1, 2, 4, 8])
        ax.set_xticklabels(["1", "2", "4", "8"])
        ax.set_xlabel(f"threads (machine: {ctx.get('num_cpus', '?')} CPUs)")
        ax.set_ylabel("total M ops/s (GET:SET 1:1)")
        ax.set_title("ember-microbench lock contention", fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        ax = axes[1]
        names = [n for n in per if n.split("/")[0] in ("BM_Get", "BM_SetOverwrite", "BM_DelInsert")]
        vals = [stats(per[n]["cpu"]) for n in names]
        ax.bar(range(len(names)), [v["med"] for v in vals],
               yerr=[[v["med"] - v["lo"] for v in vals], [v["hi"] - v["med"] for v in vals]],
               capsize=3, color=E)
        for i, v in enumerate(vals):
            ax.annotate(f"{v['med']:.0f}", (i, v["hi"]), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels([n.replace("BM_", "").replace("/", "\n") + " keys" for n in names],
                           fontsize=8)
        ax.set_ylabel("CPU ns per operation (lock + hash + op)")
        ax.set_title("keyspace microbenchmarks", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        save(fig, "microbench.png")

    # 8. BGSAVE impact
    if a.bgsave and os.path.exists(a.bgsave):
        tabs = [t for t in md_tables(a.bgsave) if t[1] and t[1][0] == "metric"]
        if tabs:
            rows = {r[0]: r for r in tabs[0][2]}
            want = [("BGSAVE command round trip (ms)", "BGSAVE stall, ms"),
                    ("extra peak, real: child private (MB)", "extra memory, MB"),
                    ("probe p99.9 during BGSAVE (us)", "probe p99.9 during, ms"),
                    ("probe max during BGSAVE (us)", "probe max during, ms")]
            fig, axes = plt.subplots(1, len(want), figsize=(12, 3.5))
            for ax, (k, lab) in zip(axes, want):
                if k not in rows:
                    continue
                scale = 1e-3 if "(us)" in k else 1
                ev, rv = first_float(rows[k][1]) * scale, first_float(rows[k][2]) * scale
                ax.bar([0, 1], [ev, rv], color=[E, R])
                ax.set_xticks([0, 1])
                ax.set_xticklabels(["Ember", "Redis"])
                ax.set_title(lab, fontsize=9)
                for i, v in enumerate((ev, rv)):
                    ax.annotate(f"{v:.1f}", (i, v), ha="center", va="bottom", fontsize=8)
            fig.suptitle("BGSAVE of 1M keys under 20k SET/s + 20k GET/s (bench/bgsave_impact.py)",
                         fontsize=9)
            save(fig, "bgsave.png")
    return made


def main():
    data = os.path.join(REPO, "bench", "data")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--t1", default=os.path.join(data, "t1"))
    ap.add_argument("--t2", default=os.path.join(data, "t2"))
    ap.add_argument("--micro", default=os.path.join(data, "micro.json"))
    ap.add_argument("--cliffs", default=os.path.join(data, "latency_cliffs.txt"))
    ap.add_argument("--bgsave", default=os.path.join(data, "bgsave_impact.txt"))
    ap.add_argument("--memory", nargs="*",
                    default=[os.path.join(data, "memory.txt"), os.path.join(data, "allocators.txt")])
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "plots"))
    ap.add_argument("--tables-only", action="store_true")
    ap.add_argument("--fill", metavar="MD", help="refresh the <!-- table:ID --> blocks of MD "
                    "(e.g. BENCHMARKS.md) with the tables")
    a = ap.parse_args()
    ensure_deps()
    os.makedirs(a.out, exist_ok=True)
    text = write_tables(a, a.out)
    print(text)
    if a.fill:
        fill(a.fill, text)
    if not a.tables_only:
        for p in plots(a, a.out):
            note(f"wrote {p}")


if __name__ == "__main__":
    main()
