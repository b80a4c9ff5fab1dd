"""RDB snapshot interoperability between Ember and redis-server 7.0.

redis-server writes a dump.rdb with strings of every encoding and Ember loads it; Ember
SAVEs and redis-server loads the result; corrupt or unsupported files stop Ember's start-up
with exit code 1 and a message. Skipped unless the binary under test is Ember.
"""

import os
import random
import shutil
import threading
import time

import pytest
import redis

import resp
from conftest import free_port, run_server_cmd

pytestmark = pytest.mark.ember_only

from oracle import db_clients, oracle, snapshot_of  # noqa: F401 (fixture)


def rdb_start(server, args=None, **kw):
    """An Ember server that persists through dump.rdb only, unless args say otherwise (later
    arguments win): no AOF and no save schedule, so each test states what it relies on."""
    return server.start(["--appendonly", "no", "--save", ""] + list(args or []), **kw)


def dataset():
    """{db: {key: (value, ttl_ms or None)}} covering every string encoding."""
    rnd = random.Random(42)
    noise = bytes(rnd.getrandbits(8) for _ in range(5000))
    values = [b"0", b"1", b"-1", b"127", b"-128", b"128", b"-129", b"255", b"32767", b"-32768",
              b"32768", b"-40000", b"2147483647", b"-2147483648", b"2147483648",
              b"-2147483649", b"9223372036854775807", b"-9223372036854775808",
              b"99999999999999999999", b"007", b"+5", b"-0", b" 1", b"1.5", b"1e3", b"",
              b"v", b"hello world", b"x" * 20, b"y" * 21, noise[:21], b"a" * 1000,
              b"abc" * 4000, noise, b"bin\x00ary\xff\x00", b"\x00" * 100,
              (b"pattern-%d-" * 50) % tuple(range(50))]
    data = {}
    for db in (0, 1, 7, 15):
        keys = {}
        for i, v in enumerate(values):
            if (i + db) % 5 == 0:
                continue  # not every key in every database
            ttl = 3_600_000 + i * 1000 if (i + db) % 3 == 0 else None
            keys[b"db%d:key:%d" % (db, i)] = (v, ttl)
        keys[b"bin\x00key\xff%d" % db] = (b"value", None)
        keys[b"k" * 300] = (b"long key", 86_400_000)
        data[db] = keys
    return data


def populate(make_client, data):
    for db, keys in data.items():
        c = make_client(db)
        for k, (v, ttl) in keys.items():
            if ttl is None:
                c.set(k, v)
            else:
                c.set(k, v, px=ttl)


def test_redis_dump_loads_in_ember(tmp_path, oracle, server):
    rdir = tmp_path / "redis"
    rdir.mkdir()
    rs = oracle(rdir)
    data = dataset()
    populate(rs.client, data)
    assert rs.client().save()
    expected = snapshot_of(rs.client)
    assert sum(len(v) for v in expected.values()) == sum(len(v) for v in data.values())
    edir = tmp_path / "ember"
    edir.mkdir()
    shutil.copy(rdir / "dump.rdb", edir / "dump.rdb")
    srv = rdb_start(server, tmpdir=str(edir))
    got = snapshot_of(db_clients(srv))
    assert got == expected
    # Integers are int-encoded again, long strings raw, as Redis would have them.
    c = srv.client()
    assert c.object("encoding", b"db0:key:1") == b"int"
    assert c.object("encoding", b"db0:key:31") == b"raw"
    assert "DB loaded from disk" in srv.log()


def test_ember_dump_loads_in_redis(tmp_path, oracle, server):
    edir = tmp_path / "ember"
    edir.mkdir()
    srv = rdb_start(server, tmpdir=str(edir))
    data = dataset()
    populate(db_clients(srv), data)
    c = srv.client()
    c.incr(b"counter")
    c.append(b"appended", b"x" * 30)
    expected = snapshot_of(db_clients(srv))
    assert c.save()
    rdir = tmp_path / "redis"
    rdir.mkdir()
    shutil.copy(edir / "dump.rdb", rdir / "dump.rdb")
    rs = oracle(rdir)
    assert snapshot_of(rs.client) == expected
    assert "DB loaded from disk" in rs.log()


@pytest.mark.parametrize("compression", ["yes", "no"])
def test_ember_save_restart_roundtrip(tmp_path, server, compression):
    d = str(tmp_path)
    srv = rdb_start(server, ["--rdbcompression", compression], tmpdir=d)
    data = dataset()
    populate(db_clients(srv), data)
    expected = snapshot_of(db_clients(srv))
    c = srv.client()
    before = c.lastsave()
    info = c.info("persistence")
    assert info["rdb_changes_since_last_save"] > 0
    assert c.save()
    info = c.info("persistence")
    assert info["rdb_changes_since_last_save"] == 0
    assert info["rdb_saves"] == 1
    assert info["rdb_last_bgsave_status"] == "ok"
    assert c.lastsave() >= before
    assert not [f for f in os.listdir(d) if f.startswith("temp-")]
    assert srv.stop() == 0
    srv2 = rdb_start(server, tmpdir=d)
    assert snapshot_of(db_clients(srv2)) == expected


def test_shutdown_save_and_sigterm_with_save_points(tmp_path, server):
    d = str(tmp_path)
    srv = rdb_start(server, tmpdir=d)
    srv.client().set("a", "1")
    try:
        srv.client().shutdown(save=True)
    except redis.ConnectionError:
        pass
    assert srv.wait_exit() == 0
    srv2 = rdb_start(server, ["--save", "3600 1"], tmpdir=d)
    assert srv2.client().get("a") == b"1"
    srv2.client().set("b", "2")
    assert srv2.stop() == 0  # SIGTERM with save points: saves first
    srv3 = rdb_start(server, tmpdir=d)
    assert srv3.client().mget("a", "b") == [b"1", b"2"]
    srv3.client().set("c", "3")
    assert srv3.stop() == 0  # no save points: nothing saved
    srv4 = rdb_start(server, tmpdir=d)
    assert srv4.client().get("c") is None


def test_no_dump_file_starts_empty(tmp_path, server):
    srv = rdb_start(server, tmpdir=str(tmp_path))
    assert srv.client().dbsize() == 0
    assert not os.path.exists(tmp_path / "dump.rdb")


def test_dbfilename_is_used(tmp_path, server):
    d = str(tmp_path)
    srv = rdb_start(server, ["--dbfilename", "other.rdb"], tmpdir=d)
    srv.client().set("k", "v")
    assert srv.client().save()
    assert os.path.exists(tmp_path / "other.rdb")
    assert not os.path.exists(tmp_path / "dump.rdb")


def _start_fails(tmp_path, content, needle):
    (tmp_path / "dump.rdb").write_bytes(content)
    p = run_server_cmd(["--port", free_port(), "--bind", "127.0.0.1", "--dir", tmp_path])
    out = (p.stdout + p.stderr).decode(errors="replace")
    assert p.returncode == 1, out
    assert needle in out, out
    return out


@pytest.fixture
def good_dump(tmp_path, oracle):
    rdir = tmp_path / "redis"
    rdir.mkdir()
    rs = oracle(rdir)
    populate(rs.client, {0: {b"key%d" % i: (b"value-%d" % i * 5, None) for i in range(50)}})
    assert rs.client().save()
    return (rdir / "dump.rdb").read_bytes()


def test_truncated_dump_stops_startup(tmp_path, good_dump):
    for cut in (5, 9, 30, len(good_dump) // 2, len(good_dump) - 1):
        _start_fails(tmp_path, good_dump[:cut], "Fatal error loading the DB")


def test_corrupt_dumps_stop_startup(tmp_path, good_dump):
    _start_fails(tmp_path, b"this is not an rdb file", "Wrong signature")
    _start_fails(tmp_path, b"REDIS0011" + good_dump[9:], "Can't handle RDB format version")
    bad = bytearray(good_dump)
    i = bad.index(b"value-1")
    bad[i] ^= 0x20
    _start_fails(tmp_path, bytes(bad), "Wrong RDB checksum")


def test_unsupported_type_is_refused_by_name(tmp_path, oracle):
    rdir = tmp_path / "redis"
    rdir.mkdir()
    rs = oracle(rdir)
    rs.client().rpush("mylist", "a", "b")
    assert rs.client().save()
    out = _start_fails(tmp_path, (rdir / "dump.rdb").read_bytes(), "'mylist'")
    assert "list" in out and "not supported" in out


def _wait_bgsave_done(c, timeout=10):
    deadline = time.monotonic() + timeout
    while c.info("persistence")["rdb_bgsave_in_progress"]:
        assert time.monotonic() < deadline, "BGSAVE did not finish"
        time.sleep(0.02)


def test_bgsave_writes_a_snapshot(tmp_path, server, oracle):
    d = tmp_path / "ember"
    d.mkdir()
    srv = rdb_start(server, tmpdir=str(d))
    data = dataset()
    populate(db_clients(srv), data)
    expected = snapshot_of(db_clients(srv))
    c = srv.client()
    assert srv.conn().call("BGSAVE") == b"Background saving started"
    # Writes after the fork are not in the file.
    c.set(b"after-fork", b"x")
    _wait_bgsave_done(c)
    info = c.info("persistence")
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["rdb_saves"] == 1
    assert info["rdb_last_bgsave_time_sec"] >= 0
    assert info["rdb_current_bgsave_time_sec"] == -1
    assert "Background saving terminated with success" in srv.log()
    assert not [f for f in os.listdir(d) if f.startswith("temp-")]
    rdir = tmp_path / "redis"
    rdir.mkdir()
    shutil.copy(d / "dump.rdb", rdir / "dump.rdb")
    rs = oracle(rdir)
    assert snapshot_of(rs.client) == expected


def test_bgsave_arguments(server):
    srv = rdb_start(server)
    c = srv.client()
    with pytest.raises(redis.ResponseError, match="syntax error"):
        c.execute_command("BGSAVE", "NOW")
    assert srv.conn().call("BGSAVE", "SCHEDULE") in (b"Background saving started",
                                                    b"Background saving scheduled")
    _wait_bgsave_done(c)
    assert c.save()


def test_bgsave_while_one_runs(server):
    srv = rdb_start(server)
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", "200000")
    conn = srv.conn()
    assert conn.call("BGSAVE") == b"Background saving started"
    second = conn.call("BGSAVE")
    in_progress = c.info("persistence")["rdb_bgsave_in_progress"]
    if isinstance(second, resp.Error):
        assert b"Background save already in progress" in second
    else:
        assert second == b"Background saving started" and not in_progress
    save = conn.call("SAVE")
    assert save == b"OK" or b"Background save already in progress" in save
    scheduled = conn.call("BGSAVE", "SCHEDULE")
    assert scheduled in (b"Background saving started", b"Background saving scheduled")
    deadline = time.monotonic() + 20
    while True:
        info = c.info("persistence")
        if not info["rdb_bgsave_in_progress"] and info["rdb_saves"] >= 2:
            break
        assert time.monotonic() < deadline, info
        time.sleep(0.05)
    assert info["rdb_last_bgsave_status"] == "ok"


@pytest.mark.parametrize("command", ["SAVE", "BGSAVE"])
def test_snapshot_is_point_in_time(tmp_path, server, command):
    """MSETs of key pairs run while snapshots are taken: every pair is equal in the file."""
    d = str(tmp_path)
    srv = rdb_start(server, tmpdir=d)
    pairs = 50
    stop = threading.Event()

    def writer():
        c = srv.client()
        n = 0
        while not stop.is_set():
            n += 1
            i = n % pairs
            c.mset({"a:%d" % i: n, "b:%d" % i: n})

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        c = srv.client()
        for _ in range(5):
            reply = srv.conn().call(command)
            assert reply in (b"OK", b"Background saving started"), reply
            _wait_bgsave_done(c)
            time.sleep(0.02)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert c.info("persistence")["rdb_saves"] == 5
    assert srv.stop() == 0
    srv2 = rdb_start(server, tmpdir=d)
    c2 = srv2.client()
    for i in range(pairs):
        assert c2.get("a:%d" % i) == c2.get("b:%d" % i)


def test_save_points_trigger_bgsave(tmp_path, server):
    d = str(tmp_path)
    srv = rdb_start(server, ["--save", "1 2"], tmpdir=d)
    c = srv.client()
    c.set("one", "1")
    time.sleep(1.5)
    assert c.info("persistence")["rdb_saves"] == 0  # one change: below the point
    c.set("two", "2")
    deadline = time.monotonic() + 10
    while c.info("persistence")["rdb_saves"] < 1:
        assert time.monotonic() < deadline, srv.log()
        time.sleep(0.05)
    _wait_bgsave_done(c)
    assert c.info("persistence")["rdb_changes_since_last_save"] == 0
    assert "2 changes in 1 seconds. Saving..." in srv.log()
    srv.kill()  # no final save: the file is the one the save point wrote
    srv2 = rdb_start(server, tmpdir=d)
    assert srv2.client().mget("one", "two") == [b"1", b"2"]


def _two_dbs(server, d):
    """A dump.rdb-only server in d with 300,000 keys in db 0 (key:N = value:N, DEBUG
    POPULATE's) and "in-db1" in db 1; returns it and a client of each database."""
    srv = rdb_start(server, tmpdir=d)
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", "300000")
    c1 = srv.client(db=1)
    c1.set("in-db1", "y")
    return srv, c, c1


def _during_bgsave(srv, *command):
    """Sends BGSAVE, `command` and INFO persistence in one write, so that the command runs
    while the save is in progress (the caller has populated enough keys); returns the
    command's reply and the INFO fields read right after it."""
    conn = srv.conn()
    conn.send(resp.encode_command("BGSAVE") + resp.encode_command(*command)
              + resp.encode_command("INFO", "persistence"))
    assert conn.read_reply() == b"Background saving started"
    reply = conn.read_reply()
    info = dict(line.split(":", 1) for line in conn.read_reply().decode().split("\r\n")
                if ":" in line)
    return reply, info


@pytest.mark.parametrize("mode", [[], ["ASYNC"], ["SYNC"]])
def test_flushall_stops_a_bgsave_and_saves_the_empty_dataset(tmp_path, server, mode):
    """As Redis 7.0: FLUSHALL stops a BGSAVE in progress (not a failure: its status stays
    ok) and, with save points configured, saves the emptied dataset at once, so that a
    crash right after it does not bring the keys back; its changes are then saved ones."""
    d = str(tmp_path)
    srv = rdb_start(server, ["--save", "3600 1"], tmpdir=d)
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", "300000")
    c.select(3)
    c.set("other-db", "x")
    c.select(0)
    assert c.save()
    reply, info = _during_bgsave(srv, "FLUSHALL", *mode)
    assert reply == b"OK"
    assert info["rdb_bgsave_in_progress"] == "0"
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["rdb_changes_since_last_save"] == "0"
    assert "Background saving stopped" in srv.log()
    assert "DB saved on disk (0 keys" in srv.log()
    # The stopped save's temporary file goes soon after (not waited for by FLUSHALL).
    deadline = time.monotonic() + 10
    while [f for f in os.listdir(d) if f.startswith("temp-")]:
        assert time.monotonic() < deadline, os.listdir(d)
        time.sleep(0.02)
    c.set("after", "1")
    srv.kill()  # no save at exit: the file is FLUSHALL's
    srv2 = rdb_start(server, tmpdir=d)
    c2 = srv2.client()
    assert c2.dbsize() == 0
    c2.select(3)
    assert c2.dbsize() == 0


def test_flushall_without_save_points_stops_the_bgsave(tmp_path, server):
    """Without save points FLUSHALL still stops a BGSAVE (Redis kills its child) and writes
    nothing: the previous dump stays, and the flushed keys count as unsaved changes."""
    d = str(tmp_path)
    srv = rdb_start(server, tmpdir=d)
    c = srv.client()
    c.set("saved-before", "1")
    assert c.save()
    c.execute_command("DEBUG", "POPULATE", "300000")
    changes = c.info("persistence")["rdb_changes_since_last_save"]
    reply, info = _during_bgsave(srv, "FLUSHALL", "ASYNC")
    assert reply == b"OK"
    assert info["rdb_bgsave_in_progress"] == "0"
    assert info["rdb_last_bgsave_status"] == "ok"
    assert int(info["rdb_changes_since_last_save"]) == changes + 300001
    assert "DB saved on disk (0 keys" not in srv.log()
    srv.kill()
    srv2 = rdb_start(server, tmpdir=d)
    assert srv2.client().keys("*") == [b"saved-before"]


def test_flushdb_during_bgsave_keeps_the_snapshot(tmp_path, server):
    """FLUSHDB does not stop a BGSAVE (nor does Redis's): the file is the dataset when the
    save began, and the flush does not wait for the keys to be copied."""
    d = str(tmp_path)
    srv, c, c1 = _two_dbs(server, d)
    c.set("key:5", "changed-before")
    reply, info = _during_bgsave(srv, "FLUSHDB", "ASYNC")
    assert reply == b"OK"
    assert info["rdb_bgsave_in_progress"] == "1", "the save ended before the flush"
    c.set("after", "1")
    _wait_bgsave_done(c)
    assert c.info("persistence")["rdb_last_bgsave_status"] == "ok"
    assert c.dbsize() == 1
    srv.kill()
    srv2 = rdb_start(server, tmpdir=d)
    c2 = srv2.client()
    assert c2.dbsize() == 300000
    assert c2.get("key:5") == b"changed-before"
    assert c2.get("key:299999") == b"value:299999"
    assert c2.get("after") is None
    assert srv2.client(db=1).keys("*") == [b"in-db1"]


def test_flushall_during_aof_rewrite(tmp_path, server):
    """An AOF rewrite goes on through FLUSHALL (as Redis's does); the restart replays the
    base and then the flush: only what came after it is left."""
    d = str(tmp_path)
    srv = server.start(["--appendonly", "yes", "--save", ""], tmpdir=d)
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", "300000")
    conn = srv.conn()
    conn.send(resp.encode_command("BGREWRITEAOF") + resp.encode_command("FLUSHALL", "ASYNC")
              + resp.encode_command("INFO", "persistence"))
    assert conn.read_reply() == b"Background append only file rewriting started"
    assert conn.read_reply() == b"OK"
    assert b"aof_rewrite_in_progress:1" in conn.read_reply(), "the rewrite ended before"
    c.set("after", "1")
    deadline = time.monotonic() + 20
    while c.info("persistence")["aof_rewrite_in_progress"]:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert c.info("persistence")["aof_last_bgrewrite_status"] == "ok"
    assert srv.stop() == 0
    srv2 = server.start(["--appendonly", "yes", "--save", ""], tmpdir=d)
    assert srv2.client().keys("*") == [b"after"]


def test_swapdb_during_bgsave_keeps_the_snapshot(tmp_path, server):
    """SWAPDB during a BGSAVE (Redis's child has the data as at its fork): the file holds
    every database as it was when the save began, not as swapped, and writes after the swap
    (to either database) are not in it."""
    d = str(tmp_path)
    srv, c, c1 = _two_dbs(server, d)
    reply, info = _during_bgsave(srv, "SWAPDB", "0", "1")
    assert reply == b"OK"
    assert info["rdb_bgsave_in_progress"] == "1", "the save ended before the swap"
    c.set("after", "1")  # db 0 holds what db 1 held
    c1.set("key:7", "changed")  # and db 1 the 300,000 keys
    c1.delete("key:8")
    _wait_bgsave_done(c)
    assert c.info("persistence")["rdb_last_bgsave_status"] == "ok"
    assert sorted(c.keys("*")) == [b"after", b"in-db1"]
    srv.kill()
    srv2 = rdb_start(server, tmpdir=d)
    c2 = srv2.client()
    assert c2.dbsize() == 300000
    assert c2.mget("key:7", "key:8", "after") == [b"value:7", b"value:8", None]
    assert srv2.client(db=1).keys("*") == [b"in-db1"]


def test_move_and_copy_to_another_db_during_bgsave_keep_the_snapshot(tmp_path, server):
    """MOVE and COPY ... DB n during a BGSAVE: the file holds both databases as they were when
    the save began (the key of the other database is kept as it was, like any written key),
    and the commands work as usual meanwhile."""
    d = str(tmp_path)
    srv, c, c1 = _two_dbs(server, d)
    c1.set("key:3", "db1-old")
    conn = srv.conn()
    conn.send(resp.encode_command("BGSAVE") + resp.encode_command("MOVE", "key:1", "1")
              + resp.encode_command("COPY", "key:2", "key:2", "DB", "1")
              + resp.encode_command("COPY", "key:4", "key:3", "DB", "1", "REPLACE")
              + resp.encode_command("INFO", "persistence"))
    assert conn.read_reply() == b"Background saving started"
    assert [conn.read_reply() for _ in range(3)] == [1, 1, 1]
    assert b"rdb_bgsave_in_progress:1" in conn.read_reply(), "the save ended before"
    assert c.get("key:1") is None
    assert c1.mget("key:1", "key:2", "key:3") == [b"value:1", b"value:2", b"value:4"]
    _wait_bgsave_done(c)
    assert c.info("persistence")["rdb_last_bgsave_status"] == "ok"
    srv.kill()
    srv2 = rdb_start(server, tmpdir=d)
    c2 = srv2.client()
    assert c2.dbsize() == 300000
    assert c2.mget("key:1", "key:2", "key:4") == [b"value:1", b"value:2", b"value:4"]
    c21 = srv2.client(db=1)
    assert sorted(c21.keys("*")) == [b"in-db1", b"key:3"]
    assert c21.get("key:3") == b"db1-old"


def test_load_counts_loaded_and_expired_keys(tmp_path, server, oracle):
    """INFO persistence rdb_last_load_keys_loaded / _expired after loading a dump.rdb that
    holds keys whose TTL passed meanwhile: they are skipped and counted, as Redis (a master)
    does with the same file."""
    d = tmp_path / "ember"
    d.mkdir()
    srv = rdb_start(server, tmpdir=str(d))
    c = srv.client()
    assert c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    c.mset({"a": "1", "b": "2", "c": "3"})
    c.set("gone1", "x", px=200)
    c.set("gone2", "y", px=200)
    assert c.save()
    assert srv.stop() == 0
    time.sleep(0.4)
    srv2 = rdb_start(server, tmpdir=str(d))
    info = srv2.client().info("persistence")
    assert (info["rdb_last_load_keys_loaded"], info["rdb_last_load_keys_expired"]) == (3, 2)
    assert sorted(srv2.client().keys("*")) == [b"a", b"b", b"c"]
    rdir = tmp_path / "redis"
    rdir.mkdir()
    shutil.copy(d / "dump.rdb", rdir / "dump.rdb")
    rinfo = oracle(rdir).client().info("persistence")
    assert (rinfo["rdb_last_load_keys_loaded"], rinfo["rdb_last_load_keys_expired"]) == (3, 2)
