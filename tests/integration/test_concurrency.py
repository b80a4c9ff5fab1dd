"""Many clients at once: counters must add up and multi-key commands must be atomic."""

import random
import threading
import time

import pytest

import resp
pytestmark = pytest.mark.concurrency

N_THREADS = 20


def run_threads(target, n=N_THREADS, args_for=lambda i: (i,)):
    errors = []

    def wrap(*a):
        try:
            target(*a)
        except BaseException as e:  # noqa: B902 - report everything to the main thread
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=args_for(i), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(45)
        assert not t.is_alive(), "worker thread hung"
    if errors:
        raise errors[0]


def test_concurrent_incr_overlapping_keys(server, r):
    keys = ["ctr:%d" % k for k in range(7)]

    def worker(i):
        c = server.conn()
        for j in range(500):
            c.send_command("INCR", keys[(i + j) % len(keys)])
            assert isinstance(c.read_reply(), int)
        c.close()

    run_threads(worker)
    values = [int(v) for v in r.mget(keys)]
    assert sum(values) == N_THREADS * 500
    assert all(v > 0 for v in values)


def test_concurrent_incrby_decrby_balance(server, r):
    def worker(i):
        c = server.conn()
        for j in range(250):
            assert isinstance(c.call("INCRBY", "bal", 7), int)
            assert isinstance(c.call("DECRBY", "bal", 5), int)
            assert isinstance(c.call("INCRBYFLOAT", "fbal", "0.5"), bytes)
        c.close()

    run_threads(worker)
    assert int(r.get("bal")) == N_THREADS * 250 * 2
    assert float(r.get("fbal")) == N_THREADS * 250 * 0.5


def test_mset_is_atomic_for_readers(server, r):
    keys = ["atom:{%d}" % k for k in range(10)]
    random.shuffle(keys)
    r.mset({k: "init" for k in keys})
    stop = threading.Event()
    torn = []
    reads = [0]

    def writer(i):
        c = server.conn()
        seq = 0
        while not stop.is_set():
            seq += 1
            value = "w%d-%d" % (i, seq)
            order = keys[:] if i % 2 else keys[::-1]  # writers use different key orders
            args = []
            for k in order:
                args += [k, value]
            assert c.call("MSET", *args) == b"OK"
        c.close()

    def reader(i):
        c = server.conn()
        while not stop.is_set():
            vals = c.call("MGET", *keys)
            reads[0] += 1
            if len(set(vals)) != 1:
                torn.append(vals)
                stop.set()
        c.close()

    threads = []
    for i in range(N_THREADS):
        fn = writer if i < N_THREADS // 2 else reader
        threads.append(threading.Thread(target=fn, args=(i,), daemon=True))
    for t in threads:
        t.start()
    time.sleep(2.0)
    stop.set()
    for t in threads:
        t.join(20)
        assert not t.is_alive()
    assert not torn, "MGET observed a mix of two MSETs: %r" % (torn[0],)
    assert reads[0] > 100
    final = r.mget(keys)
    assert len(set(final)) == 1


def test_msetnx_single_winner(server, r):
    winners = []

    def worker(i):
        c = server.conn()
        if c.call("MSETNX", "nx:a", "t%d" % i, "nx:b", "t%d" % i, "nx:c", "t%d" % i) == 1:
            winners.append(i)
        c.close()

    run_threads(worker)
    assert len(winners) == 1
    assert r.mget("nx:a", "nx:b", "nx:c") == [b"t%d" % winners[0]] * 3


def test_setnx_and_set_nx_single_winner(server, r):
    winners = []

    def worker(i):
        c = server.conn()
        if c.call("SETNX", "lock1", i) == 1:
            winners.append(("setnx", i))
        if c.call("SET", "lock2", i, "NX", "PX", 100000) == b"OK":
            winners.append(("set", i))
        c.close()

    run_threads(worker)
    assert sorted(w[0] for w in winners) == ["set", "setnx"]


def test_concurrent_append(server, r):
    def worker(i):
        c = server.conn()
        ch = chr(ord("A") + i)
        for _ in range(100):
            c.call("APPEND", "log", ch)
        c.close()

    run_threads(worker)
    value = r.get("log").decode()
    assert len(value) == N_THREADS * 100
    for i in range(N_THREADS):
        assert value.count(chr(ord("A") + i)) == 100


def test_getset_chain_loses_nothing(server, r):
    """Every value written with GETSET is returned exactly once (by the next GETSET)."""
    r.set("chain", "start")
    seen = []
    lock = threading.Lock()

    def worker(i):
        c = server.conn()
        local = []
        for j in range(200):
            local.append(c.call("GETSET", "chain", "%d:%d" % (i, j)))
        c.close()
        with lock:
            seen.extend(local)

    run_threads(worker)
    seen.append(r.get("chain"))
    written = {b"start"} | {b"%d:%d" % (i, j) for i in range(N_THREADS) for j in range(200)}
    assert len(seen) == len(written)
    assert set(seen) == written


def test_rename_and_copy_race(server, r):
    """Concurrent RENAME/COPY/DEL on a small key set never lose or duplicate the token."""
    r.set("tok:0", "token")

    def worker(i):
        c = server.conn()
        rnd = random.Random(i)
        for _ in range(300):
            a, b = "tok:%d" % rnd.randrange(4), "tok:%d" % rnd.randrange(4)
            c.call("RENAMENX", a, b)
        c.close()

    run_threads(worker)
    values = [v for v in r.mget(["tok:%d" % k for k in range(4)]) if v is not None]
    assert values == [b"token"]


def test_pipelined_clients_interleaved(server, r):
    def worker(i):
        c = server.conn()
        payload = b"".join(resp.encode_command("INCR", "pipe:%d" % (i % 3))
                           for _ in range(500))
        c.send(payload)
        last = 0
        for _ in range(500):
            v = c.read_reply()
            assert isinstance(v, int) and v > last  # monotonically increasing per connection
            last = v
        c.close()

    run_threads(worker)
    assert sum(int(v) for v in r.mget("pipe:0", "pipe:1", "pipe:2")) == N_THREADS * 500


def test_flushall_while_writing(server, r):
    stop = threading.Event()

    def writer(i):
        c = server.conn()
        j = 0
        while not stop.is_set():
            assert c.call("SET", "fw:%d:%d" % (i, j), "x") == b"OK"
            j += 1
        c.close()

    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(8)]
    for t in threads:
        t.start()
    for _ in range(5):
        time.sleep(0.1)
        assert r.flushall()
    stop.set()
    for t in threads:
        t.join(20)
    assert r.ping()
    assert r.dbsize() >= 0


@pytest.mark.ember_only
@pytest.mark.parametrize("threads", [1, 4])
def test_ember_thread_counts_keep_mset_atomic(server, threads):
    srv = server.start(["--threads", threads])
    keys = ["k%d" % k for k in range(16)]
    stop = threading.Event()
    torn = []

    def writer(i):
        c = srv.conn()
        seq = 0
        while not stop.is_set():
            seq += 1
            args = []
            for k in keys:
                args += [k, "%d-%d" % (i, seq)]
            c.call("MSET", *args)
        c.close()

    def reader(i):
        c = srv.conn()
        while not stop.is_set():
            vals = c.call("MGET", *keys)
            if len(set(vals)) != 1:
                torn.append(vals)
                stop.set()
        c.close()

    c = srv.conn()
    c.call("MSET", *sum(([k, "init"] for k in keys), []))
    c.close()
    ts = [threading.Thread(target=writer if i % 2 else reader, args=(i,), daemon=True) for i in range(12)]
    for t in ts:
        t.start()
    time.sleep(1.5)
    stop.set()
    for t in ts:
        t.join(20)
    assert not torn, torn[:1]
