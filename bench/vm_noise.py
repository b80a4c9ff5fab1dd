#!/usr/bin/python3
"""How noisy is this machine, with no server at all? Two measurements the latency figures
(bench/latency_cliffs.py) should be read against:

1. Gaps: a thread pinned to each CPU in turn reads the monotonic clock in a tight loop for
   --seconds; every gap over 0.5 ms is time it did not run: other tasks, interrupts, or the
   hypervisor keeping the vCPU (which the guest cannot see; /proc/stat steal covers only part).
2. First touch: --mb MB of fresh anonymous memory written one page at a time, twice (a fresh
   mapping each time). A guest page the host has not backed yet, or took back (virtio-balloon
   free page reporting), costs the host a fault of its own on first touch; the second pass
   mostly gets pages the guest freed a moment ago.

It is a benchmark script: it prints figures and never fails because of them.
"""

import argparse
import mmap
import os
import sys
import time


def gaps(cpu, seconds):
    os.sched_setaffinity(0, {cpu})
    now = time.perf_counter_ns
    start = prev = now()
    end = start + int(seconds * 1e9)
    found = []
    while prev < end:
        t = now()
        if t - prev > 500_000:
            found.append((prev - start, t - prev))
        prev = t
    return found


def first_touch(mb):
    size = mb << 20
    m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    now = time.perf_counter_ns
    times = []
    t0 = now()
    for off in range(0, size, 4096):
        a = now()
        m[off] = 1
        times.append(now() - a)
    total = now() - t0
    m.close()
    times.sort()
    return total, times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="gap measurement per CPU")
    ap.add_argument("--mb", type=int, default=1000, help="memory touched per pass")
    a = ap.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    print(f"## Machine noise ({len(cpus)} CPUs, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())})\n")
    print(f"Gaps in a clock-reading loop pinned to one CPU, {a.seconds:.0f} s per CPU:\n")
    print("| CPU | gaps > 0.5 ms | > 1 ms | > 5 ms | max ms | the largest (s into the run: ms) |")
    print("|---|---:|---:|---:|---:|---|")
    for cpu in cpus:
        g = gaps(cpu, a.seconds)
        big = sorted(g, key=lambda x: -x[1])[:4]
        print(f"| {cpu} | {len(g)} | {sum(1 for _, d in g if d > 1e6)} | "
              f"{sum(1 for _, d in g if d > 5e6)} | {max((d for _, d in g), default=0) / 1e6:.2f} | "
              + ", ".join(f"{s / 1e9:.1f}: {d / 1e6:.2f}" for s, d in big) + " |", flush=True)
    os.sched_setaffinity(0, set(cpus))
    print(f"\nFirst touch of {a.mb} MB of fresh memory, page by page (4 KiB), two passes:\n")
    print("| pass | total ms | ms per MB | page p50 µs | p99 µs | p99.99 µs | max ms | pages > 1 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for i in (1, 2):
        total, t = first_touch(a.mb)
        n = len(t)
        print(f"| {i} | {total / 1e6:.0f} | {total / 1e6 / a.mb:.2f} | {t[n // 2] / 1e3:.2f} | "
              f"{t[n * 99 // 100] / 1e3:.2f} | {t[n * 9999 // 10000] / 1e3:.1f} | "
              f"{t[-1] / 1e6:.2f} | {sum(1 for x in t if x > 1e6)} |", flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
