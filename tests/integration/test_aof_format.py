"""Interop: an AOF directory written by redis-server 7 (multi-part layout) is read by
ember-check-aof, which must find it valid with the expected number of commands; a cut-off
tail is reported and repaired with --fix (and redis-server loads the repaired files).

Runs redis-server directly (it is the oracle, whatever $EMBER_BIN is); ember-check-aof is
looked up next to $EMBER_BIN, then in <repo>/build ($EMBER_CHECK_AOF overrides)."""

import os
import pathlib
import shutil
import subprocess
import time

import pytest
import redis

REPO = pathlib.Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _checker():
    cands = [os.environ.get("EMBER_CHECK_AOF", "")]
    if os.environ.get("EMBER_BIN"):
        cands.append(str(pathlib.Path(os.environ["EMBER_BIN"]).parent / "ember-check-aof"))
    cands.append(str(REPO / "build" / "ember-check-aof"))
    for c in cands:
        if c and os.access(c, os.X_OK):
            return c
    return None


CHECKER = _checker()
pytestmark = [
    pytest.mark.skipif(CHECKER is None, reason="ember-check-aof not built"),
    pytest.mark.skipif(not os.access(REDIS_SERVER, os.X_OK), reason="redis-server not installed"),
]


class Redis:
    """A redis-server on a unix socket in `workdir`, appendonly yes."""

    def __init__(self, workdir, *extra):
        self.sock = str(workdir / "redis.sock")
        args = [REDIS_SERVER, "--port", "0", "--unixsocket", self.sock, "--dir", str(workdir),
                "--appendonly", "yes", "--appenddirname", "aofdir", "--appendfsync", "always",
                "--save", "", "--daemonize", "no", "--logfile", str(workdir / "redis.log"),
                *extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.r = redis.Redis(unix_socket_path=self.sock)
        deadline = time.time() + 10
        while True:
            try:
                self.r.ping()
                break
            except (redis.ConnectionError, FileNotFoundError):
                if time.time() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def check(path, *flags):
    p = subprocess.run([CHECKER, *flags, str(path)], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout


def write_strings(r):
    """Writes whose propagation is one AOF command each; returns how many."""
    n = 0
    for i in range(100):
        r.set(f"k{i}", f"v{i}")
        r.append(f"k{i}", "\r\n*binary\x00")
        n += 2
    for i in range(20):
        r.incr("counter")
        r.incrby("counter", 5)
        r.decr("counter")
        r.incrbyfloat("f", "1.1")          # propagated as SET f <result> KEEPTTL
        r.setex(f"ttl{i}", 100, "x")       # propagated as SET ... PXAT
        r.set(f"px{i}", "y", px=50000)     # propagated as SET ... PXAT
        r.setrange(f"k{i}", 2, "ZZ")
        r.getset(f"k{i}", "new")
        r.mset({f"m{i}a": "1", f"m{i}b": "2"})
        r.delete(f"m{i}a")
        n += 10
    return n


def test_redis_written_aof_checks_ok(tmp_path):
    srv = Redis(tmp_path, "--aof-use-rdb-preamble", "no")
    try:
        n = write_strings(srv.r)
        srv.r.execute_command("SELECT", 3)  # a bare SELECT is not propagated...
        pool = redis.Redis(unix_socket_path=srv.sock, db=3)
        pool.set("in-db3", "1")             # ...but a write in db 3 emits one first
        n += 1
        expected = n + 2  # SELECT 0 at the start of the file, SELECT 3
        names = sorted(os.listdir(tmp_path / "aofdir"))
        assert names == ["appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof",
                         "appendonly.aof.manifest"]
    finally:
        srv.stop()
    rc, out = check(tmp_path / "aofdir")
    assert rc == 0, out
    assert f"Summary: OK, {expected} commands in 2 files" in out, out
    # The manifest path works too.
    rc, out = check(tmp_path / "aofdir" / "appendonly.aof.manifest")
    assert rc == 0 and f"{expected} commands" in out, out


def test_truncated_tail_is_fixed_and_redis_loads_it(tmp_path):
    srv = Redis(tmp_path, "--aof-use-rdb-preamble", "no")
    try:
        for i in range(50):
            srv.r.set(f"key{i}", "x" * 20)
    finally:
        srv.stop()
    incr = tmp_path / "aofdir" / "appendonly.aof.1.incr.aof"
    data = incr.read_bytes()
    incr.write_bytes(data[:-9])  # cut into the last SET
    rc, out = check(tmp_path / "aofdir")
    assert rc == 1, out
    assert "--fix" in out, out
    rc, out = check(tmp_path / "aofdir", "--fix")
    assert rc == 0, out
    assert "Summary: OK, 50 commands" in out, out  # SELECT + 49 SETs
    rc, out = check(tmp_path / "aofdir")
    assert rc == 0, out
    srv = Redis(tmp_path, "--aof-use-rdb-preamble", "no", "--aof-load-truncated", "no")
    try:
        assert srv.r.dbsize() == 49
    finally:
        srv.stop()


def test_mid_file_corruption_names_offset(tmp_path):
    srv = Redis(tmp_path, "--aof-use-rdb-preamble", "no")
    try:
        for i in range(10):
            srv.r.set(f"key{i}", "v")
    finally:
        srv.stop()
    incr = tmp_path / "aofdir" / "appendonly.aof.1.incr.aof"
    data = bytearray(incr.read_bytes())
    pos = data.rindex(b"*3\r\n", 0, data.index(b"\r\nkey5\r\n"))  # the SET of key5
    data[pos] = ord("!")
    incr.write_bytes(bytes(data))
    rc, out = check(incr)
    assert rc == 1
    assert f"bad format at offset {pos}" in out, out


def test_rdb_preamble_base_is_reported(tmp_path):
    srv = Redis(tmp_path, "--aof-use-rdb-preamble", "yes")
    try:
        srv.r.set("a", "1")
        srv.r.bgrewriteaof()
        deadline = time.time() + 10
        while srv.r.info("persistence")["aof_rewrite_in_progress"] or \
                srv.r.info("persistence")["aof_rewrite_scheduled"]:
            assert time.time() < deadline
            time.sleep(0.05)
        srv.r.set("b", "2")
    finally:
        srv.stop()
    rc, out = check(tmp_path / "aofdir")
    assert rc == 0, out
    assert "RDB preamble" in out, out
    assert "Summary: OK, 2 commands" in out, out  # SELECT 0, SET b 2 in the new incr file
