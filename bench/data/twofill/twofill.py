"""Fill 10M keys, FLUSHALL (sync), fill again, on one server, probe and sched trace as in
latency_cliffs.py: does the second fill, which reuses memory the process already has, show
the loop-only stalls of the first? Env MALLOC_CONF passes to the server."""
import argparse, os, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import latency_cliffs as lc

a = argparse.Namespace(sched_trace=True, no_rt=False, server_nice=-10, ember=sys.argv[1],
                       ember_args="", redis="/usr/bin/redis-server", keys=10_000_000,
                       probe_us=1000, timeout=300.0, keep=False,
                       fill_file="/tmp/latency-cliffs-fill-10000000.resp")
b = lc.Bench(a)
srv, port, conn, d = b.start_server("ember1")
tr = b.start_trace(d)
kept = []
try:
    for k in (1, 2):
        pr = b.start_probe(port, d, "k:%08d", a.keys)
        time.sleep(0.5)
        with open(a.fill_file, "rb") as fin:
            t0 = lc.now_ns()
            p = subprocess.run(b.client_pin + ["redis-cli", "-p", str(port), "--pipe"], stdin=fin,
                               capture_output=True)
            t1 = lc.now_ns()
        time.sleep(0.3)
        samples = b.stop_probe(pr)
        st = b.stats(samples, t0, t1)
        st["rss"] = (lc.proc_kb(srv.pid) or 0) / 1024
        kept.append((f"fill {k}", st, samples, pr[0].pid, t0, t1))
        lc.log(f"fill {k}: {(t1 - t0) / 1e9:.1f} s, max {st['max']:.2f}, p99.9 {st['p999']:.2f}, "
               f">5ms {st['over']}, RSS {st['rss']:.0f} MB")
        if k == 1:
            conn.call("FLUSHALL")
            time.sleep(2)
            lc.log(f"after FLUSHALL: RSS {(lc.proc_kb(srv.pid) or 0) / 1024:.0f} MB")
    b.explain(tr, srv, kept)
finally:
    conn.close()
    b.stop_server(srv, d)
    lc.cleanup()
