"""The append-only file as the server uses it (Redis 7 multi-part AOF): loading what
redis-server 7.0 wrote and the reverse, the Redis 6 single-file upgrade, truncated and
corrupt files, dump.rdb as the first base, BGREWRITEAOF under load, automatic rewrites,
expiry (DEL logged before a key is re-created), CONFIG SET appendonly/appendfsync at run time
and the INFO persistence aof_* fields.

Tests that need /usr/bin/redis-server as an oracle run only when the binary under test is
Ember; the others also pass against Redis itself:
    EMBER_BIN=/usr/bin/redis-server /usr/bin/python3 -m pytest tests/integration/test_aof_server.py
"""

import os
import random
import re
import shutil
import threading
import time

import pytest
import redis

import resp

from conftest import free_port, run_server_cmd, server_base_args
from helpers import wait_until

from oracle import (HAVE_REDIS, RedisOracle, db_clients, oracle,  # noqa: F401 (fixture)
                    snapshot_of)

AOF_DIR = "appendonlydir"


# --------------------------------------------------------------------------- helpers

def mkdir(tmp_path, name):
    d = tmp_path / name
    d.mkdir()
    return str(d)


def info(c):
    """INFO persistence as {field: text} (redis-py parses INFO replies itself)."""
    return {k: str(v) for k, v in c.info("persistence").items()}


def wait_rewrite_done(c, min_rewrites=1, timeout=30):
    def done():
        f = info(c)
        return (f.get("aof_rewrite_in_progress") == "0"
                and f.get("aof_rewrite_scheduled", "0") == "0"
                and int(f.get("aof_rewrites", "0")) >= min_rewrites) and f
    return wait_until(done, timeout=timeout, interval=0.05,
                      msg="AOF rewrite #%d to finish" % min_rewrites)


def bgrewriteaof(c, min_rewrites):
    c.execute_command("BGREWRITEAOF")
    f = wait_rewrite_done(c, min_rewrites)
    assert f["aof_last_bgrewrite_status"] == "ok", f
    return f


def read_manifest(aofdir, name="appendonly.aof"):
    """[(file, seq, type)] in file order."""
    out = []
    with open(os.path.join(aofdir, name + ".manifest")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            kv = dict(zip(parts[0::2], parts[1::2]))
            out.append((kv["file"], int(kv["seq"]), kv["type"]))
    return out


def aof_files(aofdir):
    return sorted(n for n in os.listdir(aofdir))


def resp_commands(data):
    """Split an AOF made of RESP arrays into [(offset, end, [args])]."""
    out, pos = [], 0
    while pos < len(data):
        start = pos
        assert data[pos:pos + 1] == b"*", (pos, data[pos:pos + 20])
        eol = data.index(b"\r\n", pos)
        n = int(data[pos + 1:eol])
        pos = eol + 2
        args = []
        for _ in range(n):
            assert data[pos:pos + 1] == b"$"
            eol = data.index(b"\r\n", pos)
            ln = int(data[pos + 1:eol])
            args.append(data[eol + 2:eol + 2 + ln])
            pos = eol + 2 + ln + 2
        out.append((start, pos, args))
    return out


def resp_encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def assert_same_data(got, want):
    assert sorted(got) == sorted(want), "databases differ: %s vs %s" % (sorted(got), sorted(want))
    for db in want:
        g, w = got[db], want[db]
        missing, extra = set(w) - set(g), set(g) - set(w)
        assert not missing and not extra, "db %d: missing %r, unexpected %r" % (
            db, sorted(missing)[:10], sorted(extra)[:10])
        for k, (v, exp) in w.items():
            gv, gexp = g[k]
            assert gv == v, "db %d key %r: %r != %r" % (db, k, gv[:100], v[:100])
            if exp < 0:
                assert gexp == exp, "db %d key %r: expire time %r, want none" % (db, k, gexp)
            else:
                assert gexp > 0 and abs(gexp - exp) <= 1000, \
                    "db %d key %r: expire time %r, want %r" % (db, k, gexp, exp)


def start(server, args, d):
    """server.start, then wait until the data set is loaded (Redis answers PING with
    -LOADING while it loads, which is enough for the conftest's readiness check)."""
    srv = server.start(args, tmpdir=d)
    c = srv.client()

    def loaded():
        try:
            return c.ping()
        except redis.BusyLoadingError:
            return False
    wait_until(loaded, timeout=20, msg="the data set to be loaded")
    c.close()
    return srv


# ---------------------------------------------------------------- the data set

RND = random.Random(1234)
NOISE = bytes(RND.getrandbits(8) for _ in range(30000))
INTS = [0, 1, -1, 7, 127, -128, 255, 10000, -10000, 32767, -32768, 2 ** 31 - 1, -2 ** 31,
        2 ** 32, 2 ** 63 - 1, -2 ** 63, 2 ** 64, -(2 ** 64), b"007", b"-0", b"+5", b"1e3",
        b" 12", b"3.25"]


def write_phase1(mk):
    now_ms = int(time.time() * 1000)
    c = mk(0)
    # expire during the phase: logged as SET .. PXAT (past) then DEL when noticed
    t_exp = time.monotonic()
    c.set("exp:lazy", "x", px=40)
    c.set("exp:quiet", "y", px=40)
    c.set("exp:incr", 5, px=40)
    assert c.incr("exp:incr") == 6
    for i, v in enumerate(INTS):
        c.set(b"int:%d" % i, v)
    c.set("short", "v")
    c.set("empty", "")
    c.set("long", b"L" * 10000)
    c.set("noise", NOISE)
    c.set("all256", bytes(range(256)))
    c.set(bytes(range(256)), b"binary key")
    c.set(b"\r\n*3\r\n$3\r\nSET\r\n", b"$5\r\nresp-looking\r\n*1")
    c.set("t:ex", "a", ex=3600)
    c.set("t:px", "b", px=7_200_000)
    c.set("t:exat", "c", exat=now_ms // 1000 + 5000)
    c.set("t:expire", "d")
    c.expire("t:expire", 5000)
    c.set("t:pexpireat", "e")
    c.pexpireat("t:pexpireat", now_ms + 9_000_000)
    c.setex("t:setex", 4000, "f")
    c.psetex("t:psetex", 4_500_000, "g")
    c.set("t:int", 42, ex=8000)
    for _ in range(25):
        c.incr("cnt")
    c.incrby("cnt", -100)
    c.decr("neg")
    c.incrby("big", 2 ** 62)
    for _ in range(3):
        c.incrbyfloat("f", 1.5)
    c.set("ft", "10", ex=1000)
    c.incrbyfloat("ft", 0.25)
    c.append("ap", "hello")
    c.append("ap", b"\x00\xff\r\n")
    c.setrange("sr", 5, "abc")
    c.set("sr2", "hello world")
    c.setrange("sr2", 6, "WORLD!!")
    c.set("gone", "x")
    c.delete("gone")
    c.set("ren:a", "va", ex=2000)
    c.rename("ren:a", "ren:b")
    c.set("ren:c", "vc")
    c.set("ren:d", "old", ex=100)
    c.rename("ren:c", "ren:d")  # overwrites a key with a TTL: no TTL afterwards
    c.mset({"m1": "1", "m2": b"\x00", "m3": "x" * 100})
    c1 = mk(1)
    c1.set("db1:int", 12345)
    c1.set("db1:str", "one", px=6_000_000)
    c1.set("short", "in db1")
    c1.incr("db1:cnt")
    c5 = mk(5)
    c5.mset({"f%d" % i: i for i in range(20)})
    c5.flushdb()
    c5.set("after-flush", "yes")
    c15 = mk(15)
    c15.set("last-db", bytes(range(255, -1, -1)))
    c15.expire("last-db", 7777)
    time.sleep(max(0.0, t_exp + 0.1 - time.monotonic()))
    assert c.get("exp:lazy") is None
    assert c.incr("exp:incr") == 1  # re-created without a TTL


def write_phase2(mk):
    c = mk(0)
    c.persist("t:ex")
    c.delete("int:0", "no-such-key")
    c.incr("cnt")
    c.set("short", "changed")
    c.expire("long", 10000)
    c.append("noise", b"+more")
    c.incrbyfloat("f", -0.5)
    c.setrange("all256", 0, b"\xff\xfe")
    c.rename("m1", "m1-renamed")
    c.set("t:keepttl", "x", ex=3000)
    c.set("t:keepttl", "y", keepttl=True)
    c1 = mk(1)
    c1.flushdb()
    c1.set("db1:new", "after rewrite")
    mk(2).set("db2", "p2")
    mk(5).incr("after-flush-counter")


# ------------------------------------------------------------- 1. Redis -> Ember

@pytest.mark.ember_only
@pytest.mark.skipif(not HAVE_REDIS, reason="redis-server not installed")
@pytest.mark.parametrize("preamble,rewrite,timestamps",
                         [("no", False, "no"), ("no", True, "no"), ("yes", True, "no"),
                          ("no", True, "yes")],
                         ids=["resp-no-rewrite", "resp-rewrite", "rdb-preamble-rewrite",
                              "resp-rewrite-timestamps"])
@pytest.mark.timeout(60)
def test_redis_written_aof_loads_in_ember(tmp_path, server, oracle, preamble, rewrite,
                                          timestamps):
    rdir = mkdir(tmp_path, "redis")
    rs = oracle(rdir, ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble,
                       "--appendfsync", "always", "--aof-timestamp-enabled", timestamps])
    write_phase1(rs.client)
    if rewrite:
        bgrewriteaof(rs.client(), 1)
        write_phase2(rs.client)
    want = snapshot_of(rs.client)
    assert rs.stop() == 0, rs.log()
    assert b"exp:quiet" not in want[0] and want[0][b"exp:incr"] == (b"1", -1)

    man = read_manifest(os.path.join(rdir, AOF_DIR))
    if timestamps == "yes":
        with open(os.path.join(rdir, AOF_DIR, man[0][0]), "rb") as f:
            assert f.read().startswith(b"#TS:"), "redis-server wrote no timestamp annotation"
    base = [m for m in man if m[2] == "b"]
    assert base and base[0][0].endswith(".base.rdb" if preamble == "yes" else ".base.aof"), man
    edir = mkdir(tmp_path, "ember")
    shutil.copytree(os.path.join(rdir, AOF_DIR), os.path.join(edir, AOF_DIR))
    es = start(server, ["--appendonly", "yes", "--save", ""], edir)
    assert_same_data(snapshot_of(db_clients(es)), want)
    # the directory is Ember's now: it keeps appending to it and reloads it
    es.client().set("ember-after", "1")
    assert es.stop() == 0, es.log()
    es2 = start(server, ["--appendonly", "yes", "--save", ""], edir)
    want[0][b"ember-after"] = (b"1", -1)
    assert_same_data(snapshot_of(db_clients(es2)), want)


# ------------------------------------------------------------- 2. Ember -> Redis

@pytest.mark.ember_only
@pytest.mark.skipif(not HAVE_REDIS, reason="redis-server not installed")
@pytest.mark.parametrize("preamble,rewrite", [("no", False), ("no", True), ("yes", True)],
                         ids=["resp-no-rewrite", "resp-rewrite", "rdb-preamble-rewrite"])
@pytest.mark.timeout(60)
def test_ember_written_aof_loads_in_redis(tmp_path, server, oracle, preamble, rewrite):
    edir = mkdir(tmp_path, "ember")
    es = server.start(["--appendonly", "yes", "--aof-use-rdb-preamble", preamble,
                       "--appendfsync", "always", "--save", ""], tmpdir=edir)
    mk = db_clients(es)
    write_phase1(mk)
    if rewrite:
        bgrewriteaof(es.client(), 1)
        write_phase2(mk)
    want = snapshot_of(mk)
    assert es.stop() == 0, es.log()

    aofdir = os.path.join(edir, AOF_DIR)
    man = read_manifest(aofdir)
    base = [m for m in man if m[2] == "b"]
    assert len(base) == 1, man
    if rewrite:
        # Redis names an RDB base .base.rdb and a RESP base .base.aof
        with open(os.path.join(aofdir, base[0][0]), "rb") as f:
            is_rdb = f.read(5) == b"REDIS"
        assert is_rdb == (preamble == "yes"), base
        assert base[0][0].endswith(".base.rdb" if is_rdb else ".base.aof"), man
    rdir = mkdir(tmp_path, "redis")
    shutil.copytree(aofdir, os.path.join(rdir, AOF_DIR))
    rs = oracle(rdir, ["--appendonly", "yes"])
    assert_same_data(snapshot_of(rs.client), want)
    log = rs.log()
    assert "Truncat" not in log and "Bad file format" not in log, log


# ------------------------------------------------- 3. Redis 6 single-file upgrade

def _single_file(now_ms):
    return b"".join([
        resp_encode("SELECT", 0),
        resp_encode("SET", "a", 1),
        resp_encode("INCR", "a"),
        resp_encode("SET", "b", "hello", "PXAT", now_ms + 3_600_000),
        resp_encode("SET", "c", "expired", "PXAT", now_ms - 10_000),
        resp_encode("SET", "bin", bytes(range(256))),
        resp_encode("SELECT", 3),
        resp_encode("SET", "d", "x"),
        resp_encode("APPEND", "d", "yz"),
        resp_encode("INCR", "n"),
    ])


def _layout(d, name):
    aofdir = os.path.join(d, AOF_DIR)
    top = sorted(n for n in os.listdir(d) if not n.endswith(".log"))
    return top, aof_files(aofdir), read_manifest(aofdir, name)


@pytest.mark.parametrize("name", ["appendonly.aof", "database.aof"])
@pytest.mark.timeout(45)
def test_redis6_single_file_is_loaded_and_upgraded(tmp_path, server, is_ember, name):
    now_ms = int(time.time() * 1000)
    content = _single_file(now_ms)
    d = mkdir(tmp_path, "single")
    with open(os.path.join(d, name), "wb") as f:
        f.write(content)
    args = ["--appendonly", "yes", "--appendfilename", name, "--save", "",
            "--appendfsync", "always"]
    s = start(server, args, d)
    c0, c3 = s.client(db=0), s.client(db=3)
    assert c0.get("a") == b"2"
    assert c0.get("b") == b"hello"
    assert abs(c0.execute_command("PEXPIRETIME", "b") - (now_ms + 3_600_000)) <= 1
    assert c0.exists("c") == 0
    assert c0.get("bin") == bytes(range(256))
    assert c0.dbsize() == 3
    assert c3.get("d") == b"xyz" and c3.get("n") == b"1" and c3.dbsize() == 2

    top, files, man = _layout(d, name)
    # what redis-server 7.0.15 does with the same file (verified by running it)
    assert top == [AOF_DIR], "the old single file must be moved away: %s" % top
    assert man == [(name, 1, "b"), (name + ".1.incr.aof", 1, "i")], man
    assert files == sorted([name, name + ".1.incr.aof", name + ".manifest"]), files
    with open(os.path.join(d, AOF_DIR, name), "rb") as f:
        assert f.read() == content, "the base must be the old file, unchanged"

    if is_ember and HAVE_REDIS:
        rd = mkdir(tmp_path, "redis")
        with open(os.path.join(rd, name), "wb") as f:
            f.write(content)
        rs = RedisOracle(rd, ["--appendonly", "yes", "--appendfilename", name])
        try:
            assert rs.client().get("a") == b"2"
            rtop = sorted(n for n in os.listdir(rd) if not n.endswith(".log"))
            assert (top, files, man) == (rtop, aof_files(os.path.join(rd, AOF_DIR)),
                                         read_manifest(os.path.join(rd, AOF_DIR), name))
        finally:
            rs.kill()

    # the upgraded directory is used from now on
    c0.set("after", "upgrade")
    assert s.stop() == 0, s.log()
    s2 = start(server, args, d)
    c0 = s2.client()
    assert c0.get("a") == b"2" and c0.get("after") == b"upgrade"
    assert s2.client(db=3).get("d") == b"xyz"


# --------------------------------------------------- 4. truncated and corrupt AOF

def _make_aof(server, tmp_path):
    """An AOF written by the server under test; returns (dir, incr file name, commands)."""
    d = mkdir(tmp_path, "orig")
    s = start(server, ["--appendonly", "yes", "--appendfsync", "always", "--save", ""], d)
    c = s.client()
    for i in range(40):
        c.set("k%d" % i, "v%d-" % i * 10)
    for _ in range(10):
        c.incr("ctr")
    c.set("last", "L" * 300)
    assert s.stop() == 0, s.log()
    aofdir = os.path.join(d, AOF_DIR)
    incr = [m for m in read_manifest(aofdir) if m[2] == "i"][-1][0]
    with open(os.path.join(aofdir, incr), "rb") as f:
        cmds = resp_commands(f.read())
    assert cmds[-1][2] == [b"set", b"last", b"L" * 300] or \
        [a.lower() for a in cmds[-1][2][:2]] == [b"set", b"last"], cmds[-1]
    return d, incr, cmds


def _copy(src, tmp_path, name):
    d = str(tmp_path / name)
    shutil.copytree(os.path.join(src, AOF_DIR), os.path.join(d, AOF_DIR))
    return d


def _start_argv(d, *extra):
    return (["--port", free_port(), "--bind", "127.0.0.1", "--dir", d] + server_base_args()
            + ["--save", "", "--appendonly", "yes"] + list(extra))


@pytest.mark.timeout(45)
def test_truncated_tail_is_loaded_and_cut(tmp_path, server):
    d0, incr, cmds = _make_aof(server, tmp_path)
    last_start, last_end = cmds[-1][0], cmds[-1][1]
    cut = last_start + (last_end - last_start) // 2
    for name in ("yes", "no"):
        d = _copy(d0, tmp_path, name)
        with open(os.path.join(d, AOF_DIR, incr), "r+b") as f:
            f.truncate(cut)

    # aof-load-truncated no: refuses to start
    d = str(tmp_path / "no")
    p = run_server_cmd(_start_argv(d, "--aof-load-truncated", "no"), timeout=20)
    out = (p.stdout + p.stderr).decode(errors="replace")
    assert p.returncode != 0, out
    assert incr in out, out
    assert os.path.getsize(os.path.join(d, AOF_DIR, incr)) == cut, "must not touch the file"

    # aof-load-truncated yes (the default): starts with every complete command
    d = str(tmp_path / "yes")
    s = start(server, ["--appendonly", "yes", "--save", "", "--appendfsync", "always"], d)
    assert re.search("truncat", s.log(), re.I), s.log()
    c = s.client()
    assert c.exists("last") == 0
    assert c.get("ctr") == b"10"
    assert [c.get("k%d" % i) for i in range(40)] == [b"v%d-" % i * 10 for i in range(40)]
    path = os.path.join(d, AOF_DIR, incr)
    assert os.path.getsize(path) == last_start, "the file is cut to the last complete command"
    # appending continues after the cut: the file reloads cleanly
    c.set("after", "cut")
    assert s.stop() == 0, s.log()
    s2 = start(server, ["--appendonly", "yes", "--save", "", "--aof-load-truncated", "no"], d)
    c = s2.client()
    assert c.get("after") == b"cut" and c.get("ctr") == b"10" and c.exists("last") == 0


@pytest.mark.timeout(45)
def test_corruption_in_the_middle_stops_startup(tmp_path, server, is_ember):
    d0, incr, cmds = _make_aof(server, tmp_path)
    off = cmds[len(cmds) // 2][0]
    d = _copy(d0, tmp_path, "corrupt")
    with open(os.path.join(d, AOF_DIR, incr), "r+b") as f:
        f.seek(off)
        f.write(b"garbage!")
    for truncated in ("yes", "no"):
        p = run_server_cmd(_start_argv(d, "--aof-load-truncated", truncated), timeout=20)
        out = (p.stdout + p.stderr).decode(errors="replace")
        assert p.returncode != 0, out
        assert incr in out, "the log must name the file:\n" + out
        if is_ember:
            assert "offset %d" % off in out, "the log must name the byte offset %d:\n%s" % (off, out)


# ----------------------------------------------- 5. dump.rdb becomes the first base

@pytest.mark.ember_only
@pytest.mark.skipif(not HAVE_REDIS, reason="redis-server not installed")
@pytest.mark.timeout(45)
def test_dump_rdb_without_aof_becomes_the_base(tmp_path, server, oracle):
    # (redis-server 7.0 ignores dump.rdb when appendonly is yes and starts empty; Ember
    # loads it so that switching appendonly on in the config file loses nothing)
    rdir = mkdir(tmp_path, "redis")
    rs = oracle(rdir)
    write_phase1(rs.client)
    want = snapshot_of(rs.client)
    assert rs.client().save()
    rs.kill()
    d = mkdir(tmp_path, "ember")
    shutil.copy(os.path.join(rdir, "dump.rdb"), os.path.join(d, "dump.rdb"))

    args = ["--appendfsync", "always"]  # appendonly: the default (yes)
    s = start(server, args, d)
    c = s.client()
    assert c.config_get("appendonly") == {"appendonly": "yes"}
    assert_same_data(snapshot_of(db_clients(s)), want)
    wait_until(lambda: info(c).get("aof_rewrite_in_progress") == "0", timeout=20,
               msg="the first base to be written")
    aofdir = os.path.join(d, AOF_DIR)
    man = read_manifest(aofdir)
    base = [m for m in man if m[2] == "b"]
    assert len(base) == 1 and os.path.getsize(os.path.join(aofdir, base[0][0])) > 20000, man
    c.set("after-start", "x")
    c.incr("cnt")
    want[0][b"after-start"] = (b"x", -1)
    want[0][b"cnt"] = (b"-74", -1)
    s.kill()
    os.unlink(os.path.join(d, "dump.rdb"))  # the data must come from the AOF now
    s2 = start(server, args, d)
    assert_same_data(snapshot_of(db_clients(s2)), want)


# ---------------------------------------------------- 6. BGREWRITEAOF under load

class CounterWriter(threading.Thread):
    def __init__(self, srv, max_seconds=40):
        super().__init__(daemon=True)
        self.c = srv.client()
        self.stop_ev = threading.Event()
        self.deadline = time.monotonic() + max_seconds
        self.incrs = {}
        self.sets = {}
        self.ops = 0
        self.error = None

    def run(self):
        i = 0
        try:
            while not self.stop_ev.is_set() and time.monotonic() < self.deadline:
                k = "c:%d" % (i % 4)
                v = self.c.incr(k)
                self.incrs[k] = self.incrs.get(k, 0) + 1
                assert v == self.incrs[k], (k, v, self.incrs[k])
                sk = "s:%d" % (i % 64)
                self.c.set(sk, "v%d" % i)
                self.sets[sk] = b"v%d" % i
                i += 1
                self.ops = i
        except Exception as e:  # reported by the test
            self.error = e

    def check_after_restart(self, c, other_keys):
        """Every acknowledged INCR and SET is in the restarted server c, nothing else but
        other_keys keys."""
        for k, n in self.incrs.items():
            assert c.get(k) == b"%d" % n, "%s: %r after restart, %d INCRs acknowledged" % (
                k, c.get(k), n)
        for k, v in self.sets.items():
            assert c.get(k) == v, k
        assert c.dbsize() == other_keys + len(self.incrs) + len(self.sets)

    def finish(self):
        self.stop_ev.set()
        self.join(timeout=30)
        assert not self.is_alive()
        assert self.error is None, repr(self.error)


@pytest.mark.timeout(60)
def test_bgrewriteaof_under_load_keeps_every_write_once(tmp_path, server):
    d = mkdir(tmp_path, "d")
    args = ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
    s = start(server, args, d)
    c = s.client()
    c.execute_command("DEBUG", "POPULATE", 50000, "pop", 64)
    aofdir = os.path.join(d, AOF_DIR)
    seq0 = [m for m in read_manifest(aofdir) if m[2] == "b"][0][1]
    rewrites0 = int(info(c)["aof_rewrites"])
    w = CounterWriter(s)
    w.start()
    try:
        seqs = [seq0]
        for n in (1, 2):
            ops = w.ops
            wait_until(lambda: w.ops >= ops + 50 or w.error, timeout=20, msg="writes")
            bgrewriteaof(c, rewrites0 + n)
            man = read_manifest(aofdir)
            base = [m for m in man if m[2] == "b"]
            incr = [m for m in man if m[2] == "i"]
            assert len(base) == 1 and base[0][1] > seqs[-1], (seqs, man)
            assert len(incr) == 1, man
            seqs.append(base[0][1])
            listed = sorted([m[0] for m in man] + ["appendonly.aof.manifest"])
            wait_until(lambda: aof_files(aofdir) == listed, timeout=5,
                       msg="only the manifest's files in %s (%s)" % (aofdir, listed))
        ops = w.ops
        wait_until(lambda: w.ops >= ops + 50 or w.error, timeout=20, msg="writes")
    finally:
        w.finish()
    assert w.ops > 100
    s.kill()
    s2 = start(server, args, d)
    w.check_after_restart(s2.client(), other_keys=50000)


@pytest.mark.timeout(60)
def test_appendfsync_always_pipelines_from_many_clients(tmp_path, server, is_ember):
    """Under appendfsync always a connection's replies wait for an fsync while the others
    are served (and its next commands wait for its replies): pipelines of writes and reads
    from many clients on two threads get every reply in order, reads see their own writes,
    and all of it survives kill -9."""
    d = mkdir(tmp_path, "d")
    args = ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
    if is_ember:
        args += ["--threads", "2"]
    s = start(server, args, d)
    errors = []

    def client(n):
        try:
            c = s.client()
            for r in range(20):
                p = c.pipeline(transaction=False)
                for i in range(8):
                    p.incr("shared")
                    p.set("c%d:%d" % (n, r * 8 + i), "v%d" % (r * 8 + i))
                    p.get("c%d:%d" % (n, r * 8 + i))
                    p.incr("own:%d" % n)
                got = p.execute()
                for i in range(8):
                    assert isinstance(got[4 * i], int), got
                    assert got[4 * i + 1] is True, got
                    assert got[4 * i + 2] == b"v%d" % (r * 8 + i), got
                    assert got[4 * i + 3] == r * 8 + i + 1, got
                # An INCR's replies on one connection only grow.
                incrs = [got[4 * i] for i in range(8)]
                assert incrs == sorted(incrs) and len(set(incrs)) == 8, incrs
            c.close()
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert s.client().get("shared") == b"%d" % (12 * 160)
    s.kill()
    c = start(server, args, d).client()
    assert c.get("shared") == b"%d" % (12 * 160)
    for n in range(12):
        assert c.get("own:%d" % n) == b"160"
        assert c.get("c%d:159" % n) == b"v159"
    assert c.dbsize() == 1 + 12 + 12 * 160


# ------------------------------------------------------------ 7. automatic rewrite

@pytest.mark.timeout(45)
def test_automatic_rewrite(tmp_path, server):
    d = mkdir(tmp_path, "d")
    args = ["--appendonly", "yes", "--save", "", "--auto-aof-rewrite-min-size", "64kb",
            "--auto-aof-rewrite-percentage", "100"]
    s = start(server, args, d)
    c = s.client()
    assert int(info(c)["aof_rewrites"]) == 0
    rnd = random.Random(7)
    p = c.pipeline(transaction=False)
    for i in range(200):
        p.set("k%d" % i, bytes(rnd.getrandbits(8) for _ in range(1000)))
    p.execute()

    def rewritten():
        f = info(c)
        return (int(f["aof_rewrites"]) >= 1 and f["aof_rewrite_in_progress"] == "0"
                and int(f["aof_base_size"]) > 0) and f
    f = wait_until(rewritten, timeout=30, interval=0.1, msg="an automatic AOF rewrite")
    assert f["aof_last_bgrewrite_status"] == "ok", f
    assert int(f["aof_base_size"]) > 32 * 1024, f
    assert int(f["aof_current_size"]) >= int(f["aof_base_size"]), f
    assert s.stop() == 0, s.log()
    s2 = start(server, args, d)
    assert s2.client().dbsize() == 200


# ---------------------------------------------------------------------- 8. expiry

@pytest.mark.timeout(30)
def test_expired_keys_stay_expired_and_recreated_keys_have_no_ttl(tmp_path, server):
    d = mkdir(tmp_path, "d")
    args = ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
    s = start(server, args, d)
    c = s.client()
    c.set("gone", "v", px=300)
    c.set("k", 5, px=700)
    assert c.incr("k") == 6
    assert c.pttl("k") > 0
    time.sleep(0.8)
    assert c.get("gone") is None
    assert c.incr("k") == 1
    assert c.ttl("k") == -1
    s.kill()
    s2 = start(server, args, d)
    c = s2.client()
    assert c.exists("gone") == 0
    assert c.get("k") == b"1"
    assert c.ttl("k") == -1
    time.sleep(0.2)
    assert c.get("k") == b"1"


# --------------------------------------------------- 9. CONFIG SET at run time

@pytest.mark.timeout(45)
def test_config_set_appendonly_and_appendfsync(tmp_path, server):
    d = mkdir(tmp_path, "d")
    s = start(server, ["--appendonly", "no", "--save", ""], d)
    c = s.client()
    assert info(c)["aof_enabled"] == "0"
    for pol in ("always", "no", "everysec", "always"):
        assert c.config_set("appendfsync", pol)
        assert c.config_get("appendfsync") == {"appendfsync": pol}
        c.set("fsync-" + pol, pol)
    with pytest.raises(redis.ResponseError):
        c.config_set("appendfsync", "sometimes")
    assert c.config_get("appendfsync") == {"appendfsync": "always"}

    c.mset({"before:%d" % i: i for i in range(100)})
    assert c.config_set("appendonly", "yes")
    assert c.config_get("appendonly") == {"appendonly": "yes"}
    wait_rewrite_done(c, 1)
    wait_until(lambda: info(c)["aof_enabled"] == "1", msg="aof_enabled:1")
    assert os.path.isfile(os.path.join(d, AOF_DIR, "appendonly.aof.manifest"))
    c.mset({"during:%d" % i: i for i in range(100)})
    c.incr("cnt")

    # off and on again: the second rewrite picks up what was written while off
    assert c.config_set("appendonly", "no")
    assert info(c)["aof_enabled"] == "0"
    c.set("while-off", "1")
    c.incr("cnt")
    assert c.config_set("appendonly", "yes")
    wait_rewrite_done(c, 2)
    wait_until(lambda: info(c)["aof_enabled"] == "1", msg="aof_enabled:1")
    c.set("after", "1")
    c.incr("cnt")
    c.set("gone", "x")
    c.delete("gone")
    s.kill()

    s2 = start(server, ["--appendonly", "yes", "--save", ""], d)
    c = s2.client()
    assert c.mget(["before:%d" % i for i in range(100)]) == [b"%d" % i for i in range(100)]
    assert c.mget(["during:%d" % i for i in range(100)]) == [b"%d" % i for i in range(100)]
    assert c.get("while-off") == b"1" and c.get("after") == b"1"
    assert c.get("cnt") == b"3"
    assert c.get("fsync-always") == b"always" and c.exists("gone") == 0
    assert c.dbsize() == 200 + 3 + 3


@pytest.mark.timeout(45)
def test_config_set_appendonly_yes_under_load_keeps_every_write_once(tmp_path, server):
    """Writes acknowledged while the rewrite started by CONFIG SET appendonly yes runs must
    end up in the AOF exactly once."""
    d = mkdir(tmp_path, "d")
    s = start(server, ["--appendonly", "no", "--save", "", "--appendfsync", "always"], d)
    c = s.client()
    c.execute_command("DEBUG", "POPULATE", 50000, "pop", 64)
    w = CounterWriter(s)
    w.start()
    try:
        wait_until(lambda: w.ops >= 50 or w.error, timeout=20, msg="writes")
        assert c.config_set("appendonly", "yes")
        wait_rewrite_done(c, 1)
        wait_until(lambda: info(c)["aof_enabled"] == "1", msg="aof_enabled:1")
        ops = w.ops
        wait_until(lambda: w.ops >= ops + 50 or w.error, timeout=20, msg="writes")
    finally:
        w.finish()
    s.kill()
    s2 = start(server, ["--appendonly", "yes", "--save", ""], d)
    w.check_after_restart(s2.client(), other_keys=50000)


# ------------------------------------------------------------- 10. INFO persistence

INFO_AOF_FIELDS = ["aof_enabled", "aof_rewrite_in_progress", "aof_rewrites",
                   "aof_last_bgrewrite_status", "aof_last_write_status", "aof_current_size",
                   "aof_base_size", "aof_buffer_length", "aof_delayed_fsync"]


def _incr_size(aofdir):
    incr = [m for m in read_manifest(aofdir) if m[2] == "i"][-1][0]
    return os.path.getsize(os.path.join(aofdir, incr))


@pytest.mark.timeout(30)
def test_info_persistence_aof_fields(tmp_path, server):
    d = mkdir(tmp_path, "d")
    s = start(server, ["--appendonly", "yes", "--appendfsync", "always", "--save", ""], d)
    c = s.client()
    aofdir = os.path.join(d, AOF_DIR)
    f = info(c)
    missing = [k for k in INFO_AOF_FIELDS if k not in f]
    assert not missing, (missing, f)
    assert f["aof_enabled"] == "1" and f["aof_rewrite_in_progress"] == "0"
    assert f["aof_rewrites"] == "0"
    assert f["aof_last_bgrewrite_status"] == "ok" and f["aof_last_write_status"] == "ok"
    for k in ("aof_current_size", "aof_base_size", "aof_buffer_length", "aof_delayed_fsync"):
        assert int(f[k]) >= 0, (k, f)
    assert f["aof_delayed_fsync"] == "0"

    size0, incr0 = int(f["aof_current_size"]), _incr_size(aofdir)
    for i in range(50):
        c.set("k%d" % i, "v" * i)
    f = info(c)
    grown = int(f["aof_current_size"]) - size0
    assert grown == _incr_size(aofdir) - incr0 > 50 * 30, (grown, f)
    assert f["aof_buffer_length"] == "0", f  # appendfsync always: nothing left unwritten

    f = bgrewriteaof(c, 1)
    assert f["aof_rewrites"] == "1"
    base = [m for m in read_manifest(aofdir) if m[2] == "b"][0][0]
    base_size = os.path.getsize(os.path.join(aofdir, base))
    assert int(f["aof_base_size"]) == base_size > 0, (base_size, f)
    assert int(f["aof_current_size"]) == base_size + _incr_size(aofdir), f
    c.set("more", "x")
    f2 = info(c)
    assert int(f2["aof_current_size"]) == base_size + _incr_size(aofdir) > int(
        f["aof_current_size"]), f2
    assert f2["aof_base_size"] == f["aof_base_size"]

    off = server.start(["--appendonly", "no", "--save", ""], tmpdir=mkdir(tmp_path, "off"))
    f = info(off.client())
    assert f["aof_enabled"] == "0" and f["aof_rewrite_in_progress"] == "0", f
    assert f["aof_rewrites"] == "0" and f["aof_last_write_status"] == "ok", f


def test_bgrewriteaof_is_in_progress_from_its_reply(tmp_path, server):
    """BGREWRITEAOF's rewrite is started by the cron thread (the event loop neither fsyncs the
    AOF nor switches its file), but it is in progress from the reply on, as in Redis: a second
    BGREWRITEAOF and a BGSAVE sent in the same write are refused, BGSAVE SCHEDULE waits for
    it, and the rewrite then completes and loads."""
    d = mkdir(tmp_path, "aof")
    srv = server.start(["--appendonly", "yes", "--save", ""], tmpdir=d)
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", "100000")
    before = int(info(c)["aof_rewrites"])
    conn = srv.conn()
    conn.send(resp.encode_command("BGREWRITEAOF") + resp.encode_command("INFO", "persistence")
              + resp.encode_command("BGREWRITEAOF") + resp.encode_command("BGSAVE")
              + resp.encode_command("BGSAVE", "SCHEDULE"))
    assert conn.read_reply() == b"Background append only file rewriting started"
    assert b"aof_rewrite_in_progress:1" in conn.read_reply()
    assert conn.read_reply() == resp.Error(
        b"ERR Background append only file rewriting already in progress")
    assert conn.read_reply() == resp.Error(
        b"ERR An AOF log rewriting in progress: can't BGSAVE right now. Use BGSAVE SCHEDULE "
        b"in order to schedule a BGSAVE whenever possible.")
    assert conn.read_reply() == b"Background saving scheduled"
    f = wait_rewrite_done(c, before + 1)
    assert f["aof_last_bgrewrite_status"] == "ok"
    wait_until(lambda: c.info("persistence")["rdb_saves"] >= 1, timeout=30,
               msg="the scheduled BGSAVE")
    assert srv.stop() == 0
    srv2 = server.start(["--appendonly", "yes", "--save", ""], tmpdir=d)
    assert srv2.client().dbsize() == 100000


def test_fork_stats_count_the_pause_of_background_snapshots(tmp_path, server):
    """INFO stats reports the pause that starts a BGSAVE or a rewrite (every partition locked;
    no fork here) as Redis reports its fork: latest_fork_usec and total_forks, cleared by
    CONFIG RESETSTAT. Writes around the rewrite's switch (prepared before that pause) all
    load after a restart."""
    d = mkdir(tmp_path, "aof")
    srv = server.start(["--appendonly", "yes", "--save", ""], tmpdir=d)
    c = srv.client()
    st = c.info("stats")
    assert st["total_forks"] == 0 and st["latest_fork_usec"] == 0, st
    c.execute_command("DEBUG", "POPULATE", "20000")
    before = int(info(c)["aof_rewrites"])
    c.set("before", "1")
    c.execute_command("BGREWRITEAOF")
    c.set("during", "2")
    wait_rewrite_done(c, before + 1)
    c.set("after", "3")
    st = c.info("stats")
    assert st["total_forks"] == 1 and 0 < st["latest_fork_usec"] < 5_000_000, st
    assert c.bgsave()
    wait_until(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, timeout=30,
               msg="BGSAVE to finish")
    assert c.info("stats")["total_forks"] == 2
    c.config_resetstat()
    st = c.info("stats")
    assert st["total_forks"] == 0 and st["latest_fork_usec"] == 0, st
    assert srv.stop() == 0
    srv2 = server.start(["--appendonly", "yes", "--save", ""], tmpdir=d)
    c2 = srv2.client()
    assert c2.dbsize() == 20003
    assert c2.mget("before", "during", "after") == [b"1", b"2", b"3"]
