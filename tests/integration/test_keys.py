"""Generic keyspace commands."""

import time

import pytest

import resp
from helpers import error_of, make_hash, make_list, make_set, make_zset

SYNTAX = "ERR syntax error"
NOT_INT = "ERR value is not an integer or out of range"
DB_RANGE = "ERR DB index is out of range"
SAME = "ERR source and destination objects are the same"


def fill(r, n, prefix="key:"):
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        pipe.set("%s%d" % (prefix, i), i)
    pipe.execute()
    return {("%s%d" % (prefix, i)).encode() for i in range(n)}


def full_scan(r, **kw):
    seen, cursor, calls = [], 0, 0
    while True:
        cursor, keys = r.scan(cursor, **kw)
        seen.extend(keys)
        calls += 1
        assert calls < 100000
        if cursor == 0:
            return seen, calls


# ----------------------------------------------------------- DEL / EXISTS

def test_del_unlink_exists(r):
    r.mset({"a": 1, "b": 2, "c": 3, "l": 4})
    assert r.exists("a", "b", "nokey") == 2
    assert r.exists("a", "a", "a") == 3  # counted per argument
    assert r.delete("a", "nokey") == 1
    assert r.delete("a") == 0
    assert r.unlink("b", "c", "l", "nokey") == 3
    assert r.exists("a", "b", "c", "l") == 0
    assert r.delete("x", "x") == 0
    r.set("x", 1)
    assert r.delete("x", "x") == 1


def test_type(r):
    r.set("s", "v")
    r.set("i", 1)
    assert r.type("s") == b"string"
    assert r.type("i") == b"string"
    assert r.type("nokey") == b"none"


def test_type_other_families(r):
    make_list(r, "l")
    make_set(r, "set")
    make_zset(r, "z")
    make_hash(r, "h")
    assert r.type("l") == b"list"
    assert r.type("set") == b"set"
    assert r.type("z") == b"zset"
    assert r.type("h") == b"hash"
    assert r.type("nokey") == b"none"


def test_type_raw_reply_is_status(conn):
    conn.call("SET", "s", "v")
    reply = conn.call("TYPE", "s")
    assert isinstance(reply, resp.SimpleString) and reply == b"string"
    reply = conn.call("TYPE", "nokey")
    assert isinstance(reply, resp.SimpleString) and reply == b"none"


# ------------------------------------------------------------------- KEYS

def test_keys_glob(r):
    for k in ["hello", "hallo", "hxllo", "hllo", "heeeello", "hillo", "h*llo", "a", "b?", "x[y]"]:
        r.set(k, 1)

    def keys(p):
        return sorted(r.keys(p))

    assert keys("h?llo") == [b"h*llo", b"hallo", b"hello", b"hillo", b"hxllo"]
    assert keys("h*llo") == [b"h*llo", b"hallo", b"heeeello", b"hello", b"hillo", b"hllo", b"hxllo"]
    assert keys("h[ae]llo") == [b"hallo", b"hello"]
    assert keys("h[^e]llo") == [b"h*llo", b"hallo", b"hillo", b"hxllo"]
    assert keys("h[a-e]llo") == [b"hallo", b"hello"]
    assert keys("h\\*llo") == [b"h*llo"]
    assert keys("b\\?") == [b"b?"]
    assert keys("x\\[y\\]") == [b"x[y]"]
    assert keys("nomatch*") == []
    assert len(r.keys("*")) == 10
    assert keys("?") == [b"a"]
    assert keys("HELLO") == []  # case sensitive


def test_keys_skips_expired(r):
    r.set("a", 1)
    r.set("b", 1, px=30)
    time.sleep(0.1)
    assert r.keys("*") == [b"a"]


# ------------------------------------------------------------------- SCAN

def test_scan_full_iteration(r):
    expected = fill(r, 1000)
    seen, calls = full_scan(r)
    assert set(seen) == expected
    assert calls > 1  # default COUNT is 10; 1000 keys cannot come back in one call


def test_scan_count_and_match(r):
    expected = fill(r, 500, "a:") | fill(r, 500, "b:")
    seen, calls = full_scan(r, match="a:*", count=100)
    assert set(seen) == {k for k in expected if k.startswith(b"a:")}
    seen, _ = full_scan(r, count=1000000)
    assert set(seen) == expected
    seen, _ = full_scan(r, match="a:1?", count=50)
    assert set(seen) == {b"a:%d" % i for i in range(10, 20)}
    seen, _ = full_scan(r, match="nomatch*")
    assert seen == []


def test_scan_type_string(r):
    expected = fill(r, 50)
    seen, _ = full_scan(r, _type="string")
    assert set(seen) == expected
    seen, _ = full_scan(r, _type="STRING", match="key:1*")
    assert set(seen) == {b"key:1"} | {b"key:%d" % i for i in range(10, 20)}
    seen, _ = full_scan(r, _type="list")
    assert seen == []
    seen, _ = full_scan(r, _type="nosuchtype")  # unknown types just match nothing in 7.0
    assert seen == []


def test_scan_type_mixed(r):
    fill(r, 50)
    for i in range(20):
        make_list(r, "list:%d" % i)
        make_hash(r, "hash:%d" % i)
    seen, _ = full_scan(r, _type="list")
    assert set(seen) == {b"list:%d" % i for i in range(20)}
    seen, _ = full_scan(r, _type="hash", match="hash:1*")
    assert set(seen) == {b"hash:1"} | {b"hash:%d" % i for i in range(10, 20)}
    seen, _ = full_scan(r, _type="string")
    assert len(set(seen)) == 50
    seen, _ = full_scan(r, _type="zset")
    assert seen == []


def test_scan_with_concurrent_inserts(r, server):
    expected = fill(r, 2000)
    writer = server.client()
    seen, cursor, n = set(), 0, 0
    while True:
        cursor, keys = r.scan(cursor, count=50)
        seen.update(keys)
        # keys added between calls may or may not be returned, but every
        # key present for the whole iteration must be returned.
        writer.mset({"new:%d:%d" % (n, j): j for j in range(30)})
        n += 1
        if cursor == 0:
            break
    writer.close()
    missing = expected - seen
    assert not missing, "SCAN missed %d keys, e.g. %r" % (len(missing), sorted(missing)[:5])
    assert r.dbsize() == 2000 + 30 * n


def test_scan_with_concurrent_deletes(r):
    expected = fill(r, 1000)
    deleted = set()
    seen, cursor, i = set(), 0, 0
    victims = sorted(expected)
    while True:
        cursor, keys = r.scan(cursor, count=20)
        seen.update(keys)
        for _ in range(5):
            if i < len(victims):
                r.delete(victims[-1 - i])
                deleted.add(victims[-1 - i])
                i += 1
        if cursor == 0:
            break
    assert (expected - deleted) <= seen


def test_scan_errors(conn):
    assert error_of(conn, "SCAN", "abc") == "ERR invalid cursor"
    assert error_of(conn, "SCAN", "0", "COUNT", "0") == SYNTAX
    assert error_of(conn, "SCAN", "0", "COUNT", "x") == NOT_INT
    assert error_of(conn, "SCAN", "0", "MATCH") == SYNTAX
    assert error_of(conn, "SCAN", "0", "FOO", "bar") == SYNTAX


def test_scan_raw_reply_shape(conn):
    conn.call("SET", "a", "1")
    reply = conn.call("SCAN", "0")
    assert isinstance(reply, list) and len(reply) == 2
    assert reply[0] == b"0"  # cursor is a bulk string
    assert reply[1] == [b"a"]
    reply = conn.call("SCAN", "0", "TYPE", "nosuchtype")
    assert reply == [b"0", []]


# -------------------------------------------------------------- RANDOMKEY

def test_randomkey(r):
    assert r.randomkey() is None
    r.set("only", 1)
    assert r.randomkey() == b"only"
    keys = fill(r, 20)
    got = {r.randomkey() for _ in range(200)}
    assert got <= keys | {b"only"}
    assert len(got) > 5


# ----------------------------------------------------------------- RENAME

def test_rename(r, conn):
    r.set("a", "1", ex=100)
    assert r.rename("a", "b")
    assert r.get("a") is None
    assert r.get("b") == b"1"
    assert 98 <= r.ttl("b") <= 100  # TTL travels with the key
    r.set("c", "x")
    assert r.rename("b", "c")  # overwrites
    assert r.get("c") == b"1"
    assert conn.call("RENAME", "c", "c") == b"OK"
    assert error_of(conn, "RENAME", "nokey", "x") == "ERR no such key"


def test_renamenx(r, conn):
    r.set("a", 1)
    r.set("b", 2)
    assert r.renamenx("a", "b") is False
    assert r.renamenx("a", "c") is True
    assert r.mget("a", "b", "c") == [None, b"2", b"1"]
    assert conn.call("RENAMENX", "c", "c") == 0
    assert error_of(conn, "RENAMENX", "nokey", "x") == "ERR no such key"


# ------------------------------------------------------------ COPY / MOVE

def test_copy(r, conn, server):
    r.set("src", "v", ex=100)
    assert conn.call("COPY", "src", "dst") == 1
    assert r.get("dst") == b"v"
    assert 98 <= r.ttl("dst") <= 100
    r.set("src", "v2")
    assert r.get("dst") == b"v"  # independent copy
    assert conn.call("COPY", "src", "dst") == 0
    assert conn.call("COPY", "src", "dst", "REPLACE") == 1
    assert r.get("dst") == b"v2"
    assert r.ttl("dst") == -1
    assert conn.call("COPY", "nokey", "dst2") == 0
    assert error_of(conn, "COPY", "src", "src") == SAME
    # to another database
    assert conn.call("COPY", "src", "other", "DB", "3") == 1
    r3db = server.client(db=3)
    assert r3db.get("other") == b"v2"
    assert conn.call("COPY", "src", "other", "DB", "3") == 0
    r.set("src", "v3")
    assert conn.call("COPY", "src", "other", "DB", "3", "REPLACE") == 1
    assert r3db.get("other") == b"v3"
    assert conn.call("COPY", "src", "src", "DB", "3") == 1
    assert error_of(conn, "COPY", "src", "x", "DB", "99") == DB_RANGE
    assert error_of(conn, "COPY", "src", "x", "DB", "abc") == NOT_INT
    assert error_of(conn, "COPY", "src", "x", "FOO") == SYNTAX
    r3db.close()


def test_copy_list_is_deep(r, conn):
    make_list(r, "l", "a", "b")
    assert conn.call("COPY", "l", "l2") == 1
    r.rpush("l", "c")
    assert r.lrange("l2", 0, -1) == [b"a", b"b"]
    assert r.rename("l2", "l3")
    assert r.type("l3") == b"list"


def test_move(r, conn, server):
    other = server.client(db=1)
    r.set("k", "v", ex=100)
    assert conn.call("MOVE", "k", "1") == 1
    assert r.exists("k") == 0
    assert other.get("k") == b"v"
    assert 98 <= other.ttl("k") <= 100
    r.set("k", "v0")
    assert conn.call("MOVE", "k", "1") == 0  # exists in target
    assert r.get("k") == b"v0"
    assert conn.call("MOVE", "nokey", "1") == 0
    assert error_of(conn, "MOVE", "k", "0") == SAME
    assert error_of(conn, "MOVE", "k", "16") == DB_RANGE
    assert error_of(conn, "MOVE", "k", "x") == NOT_INT
    other.close()


# ------------------------------------------------------------------ TOUCH

def test_touch(r):
    r.mset({"a": 1, "b": 2})
    assert r.touch("a", "b", "nokey") == 2
    assert r.touch("a", "a") == 2
    assert r.touch("nokey") == 0


# ------------------------------------------------------ DBSIZE / FLUSH / DB

def test_dbsize_flushdb_flushall(r, server):
    other = server.client(db=5)
    assert r.dbsize() == 0
    fill(r, 10)
    other.set("x", 1)
    assert r.dbsize() == 10
    assert other.dbsize() == 1
    assert r.flushdb() is True
    assert r.dbsize() == 0
    assert other.dbsize() == 1
    fill(r, 10)
    assert r.execute_command("FLUSHDB", "ASYNC")
    assert r.dbsize() == 0
    fill(r, 10)
    assert r.execute_command("FLUSHDB", "SYNC")
    assert r.dbsize() == 0
    fill(r, 10)
    assert r.execute_command("FLUSHALL", "SYNC")
    assert r.dbsize() == 0 and other.dbsize() == 0
    fill(r, 10)
    other.set("x", 1)
    assert r.execute_command("FLUSHALL", "ASYNC")
    assert r.dbsize() == 0 and other.dbsize() == 0
    other.close()


def test_flush_syntax_errors(conn):
    assert error_of(conn, "FLUSHALL", "FOO") == SYNTAX
    assert error_of(conn, "FLUSHDB", "FOO") == SYNTAX


def test_select(server):
    c = server.conn()
    try:
        assert c.call("SET", "k", "db0") == b"OK"
        assert c.call("SELECT", "15") == b"OK"
        assert c.call("GET", "k") is resp.Null
        assert c.call("SET", "k", "db15") == b"OK"
        assert c.call("SELECT", "0") == b"OK"
        assert c.call("GET", "k") == b"db0"
        assert error_of(c, "SELECT", "16") == DB_RANGE
        assert error_of(c, "SELECT", "-1") == DB_RANGE
        assert error_of(c, "SELECT", "abc") == NOT_INT
        assert c.call("GET", "k") == b"db0"  # failed SELECT keeps the db
    finally:
        c.call("FLUSHALL")
        c.close()


def test_swapdb(r, server, conn):
    other = server.client(db=1)
    r.set("a", "db0")
    other.set("b", "db1")
    assert conn.call("SWAPDB", "0", "1") == b"OK"
    assert r.get("a") is None and r.get("b") == b"db1"
    assert other.get("a") == b"db0"
    assert conn.call("SWAPDB", "0", "0") == b"OK"
    assert error_of(conn, "SWAPDB", "0", "16") == DB_RANGE
    assert error_of(conn, "SWAPDB", "0", "x") == "ERR invalid second DB index"
    assert error_of(conn, "SWAPDB", "x", "0") == "ERR invalid first DB index"
    assert error_of(conn, "SWAPDB", "x", "y") == "ERR invalid first DB index"
    other.close()


# ----------------------------------------------------------------- OBJECT

def test_object_encoding_strings(r):
    r.set("int", 123)
    r.set("neg", -5)
    r.set("maxint", "9223372036854775807")
    r.set("toobig", "9223372036854775808")
    r.set("lead0", "01")
    r.set("short", "hello")
    r.set("e44", "x" * 44)
    r.set("r45", "x" * 45)
    r.set("app", "hello")
    r.append("app", "x")

    def enc(k):
        return r.object("encoding", k)

    assert enc("int") == b"int"
    assert enc("neg") == b"int"
    assert enc("maxint") == b"int"
    assert enc("toobig") == b"embstr"
    assert enc("lead0") == b"embstr"
    assert enc("short") == b"embstr"
    assert enc("e44") == b"embstr"
    assert enc("r45") == b"raw"
    assert enc("app") == b"raw"  # APPEND always produces a raw string
    r.incr("app2")
    assert enc("app2") == b"int"
    r.setrange("int", 0, "9")
    assert enc("int") == b"raw"
    assert r.object("encoding", "nokey") is None


def test_object_idletime_refcount(r, conn):
    r.set("k", "hello")
    idle = r.object("idletime", "k")
    assert isinstance(idle, int) and 0 <= idle <= 1
    ref = r.object("refcount", "k")
    assert isinstance(ref, int) and ref >= 1
    assert r.object("idletime", "nokey") is None
    assert r.object("refcount", "nokey") is None
    assert conn.call("OBJECT", "FREQ", "nokey") is resp.Null
    # the subcommand is echoed back as typed
    assert error_of(conn, "OBJECT", "FOO", "k") == "ERR unknown subcommand 'FOO'. Try OBJECT HELP."
    assert error_of(conn, "OBJECT", "foo", "k") == "ERR unknown subcommand 'foo'. Try OBJECT HELP."
    help_lines = conn.call("OBJECT", "HELP")
    assert isinstance(help_lines, list) and len(help_lines) > 4
    assert all(isinstance(x, resp.SimpleString) for x in help_lines)


@pytest.mark.slow
def test_object_idletime_grows(r):
    r.set("k", "v")
    time.sleep(2.2)
    assert r.object("idletime", "k") >= 1
    r.get("k")
    assert r.object("idletime", "k") <= 1


def test_object_freq_requires_lfu(r, conn):
    r.set("k", "v")
    assert error_of(conn, "OBJECT", "FREQ", "k") == (
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
        "Please note that when switching between policies at runtime LRU and LFU data "
        "will take some time to adjust.")
    r.config_set("maxmemory-policy", "allkeys-lfu")
    try:
        f = r.object("freq", "k")
        assert isinstance(f, int) and f >= 0
        for _ in range(20):
            r.get("k")
        assert r.object("freq", "k") >= f
        assert error_of(conn, "OBJECT", "IDLETIME", "k") == (
            "ERR An LFU maxmemory policy is selected, idle time not tracked. "
            "Please note that when switching between policies at runtime LRU and LFU data "
            "will take some time to adjust.")
    finally:
        r.config_set("maxmemory-policy", "noeviction")


def test_memory_usage(r, conn):
    r.set("k", "v")
    small = conn.call("MEMORY", "USAGE", "k")
    assert isinstance(small, int) and small > 0
    r.set("big", "x" * 100000)
    big = conn.call("MEMORY", "USAGE", "big")
    assert isinstance(big, int) and big >= 100000
    assert conn.call("MEMORY", "USAGE", "big", "SAMPLES", "0") >= 100000
    assert conn.call("MEMORY", "USAGE", "nokey") is resp.Null


def test_wrongtype_generic(r, conn):
    make_list(r, "l")
    assert error_of(conn, "GET", "l") == "WRONGTYPE Operation against a key holding the wrong kind of value"
