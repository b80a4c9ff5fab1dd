"""String commands (Redis 7.0 semantics)."""

import time

import pytest

import resp
from helpers import error_of, make_list

ARITY = "ERR wrong number of arguments for '%s' command"
NOT_INT = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
SYNTAX = "ERR syntax error"
OVERFLOW = "ERR increment or decrement would overflow"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def now_ms():
    return int(time.time() * 1000)


# ------------------------------------------------------------------ GET/SET

def test_get_set_basic(r):
    assert r.get("nokey") is None
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.set("k", "v2") is True
    assert r.get("k") == b"v2"
    assert r.ttl("k") == -1


def test_set_raw_replies(conn):
    assert conn.call("SET", "k", "v") == b"OK"
    assert isinstance(conn.call("SET", "k", "v"), resp.SimpleString)
    assert conn.call("GET", "nokey") is resp.Null
    assert conn.call("GET", "k") == b"v"
    # SET NX that does not set -> null bulk in RESP2
    assert conn.call("SET", "k", "x", "NX") is resp.Null
    # SET GET on missing key -> null
    assert conn.call("SET", "new", "x", "GET") is resp.Null


def test_set_ex_px(r):
    assert r.set("k", "v", ex=100)
    assert 98 <= r.ttl("k") <= 100
    assert r.set("k", "v", px=100000)
    assert 98000 <= r.pttl("k") <= 100000
    r.execute_command("SET", "k", "v", "ex", "50")  # case-insensitive options
    assert 48 <= r.ttl("k") <= 50


def test_set_exat_pxat(r):
    at = int(time.time()) + 100
    assert r.execute_command("SET", "k", "v", "EXAT", at)
    assert r.execute_command("EXPIRETIME", "k") == at
    pat = now_ms() + 100000
    assert r.execute_command("SET", "k", "v", "PXAT", pat)
    assert r.execute_command("PEXPIRETIME", "k") == pat


def test_set_exat_in_past_deletes(r):
    assert r.execute_command("SET", "k", "v", "EXAT", 1)
    assert r.exists("k") == 0
    assert r.execute_command("SET", "k", "v", "PXAT", 1)
    assert r.get("k") is None


def test_set_nx_xx(r):
    assert r.set("k", "1", xx=True) is None
    assert r.get("k") is None
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is None
    assert r.get("k") == b"1"
    assert r.set("k", "3", xx=True) is True
    assert r.get("k") == b"3"


def test_set_clears_ttl_unless_keepttl(r):
    r.set("k", "v", ex=100)
    r.set("k", "v2")
    assert r.ttl("k") == -1
    r.set("k", "v", ex=100)
    assert r.execute_command("SET", "k", "v3", "KEEPTTL")
    assert 98 <= r.ttl("k") <= 100
    assert r.get("k") == b"v3"


def test_set_get_option(r, conn):
    assert conn.call("SET", "k", "a", "GET") is resp.Null
    assert r.get("k") == b"a"
    assert conn.call("SET", "k", "b", "GET") == b"a"
    assert r.get("k") == b"b"
    # NX + GET is allowed since 7.0: returns old value and does not set
    assert conn.call("SET", "k", "c", "NX", "GET") == b"b"
    assert r.get("k") == b"b"
    assert conn.call("SET", "k2", "c", "NX", "GET") is resp.Null
    assert r.get("k2") == b"c"
    assert conn.call("SET", "k3", "c", "XX", "GET") is resp.Null
    assert r.exists("k3") == 0
    assert conn.call("SET", "k", "d", "XX", "GET", "EX", "100") == b"b"
    assert r.get("k") == b"d"
    assert r.ttl("k") > 0


def test_set_get_wrongtype(r, conn):
    make_list(r, "l")
    assert error_of(conn, "SET", "l", "v", "GET") == WRONGTYPE
    assert r.type("l") == b"list"  # not overwritten
    # plain SET overwrites any type
    assert r.set("l", "v")
    assert r.type("l") == b"string"


@pytest.mark.parametrize("args", [
    ("EX", "0"), ("EX", "-1"), ("PX", "0"), ("PX", "-5"), ("EXAT", "0"), ("PXAT", "-1"),
    ("EX", "9223372036854775807"), ("PX", "9223372036854775807"), ("EX", "9999999999999999"),
])
def test_set_invalid_expire(conn, args):
    assert error_of(conn, "SET", "k", "v", *args) == "ERR invalid expire time in 'set' command"
    assert conn.call("EXISTS", "k") == 0


@pytest.mark.parametrize("args", [
    ("EX", "1", "PX", "1"), ("NX", "XX"), ("KEEPTTL", "EX", "1"), ("EX", "1", "KEEPTTL"),
    ("EX",), ("FOO",), ("EX", "1", "EXAT", "5"), ("PXAT",),
])
def test_set_syntax_errors(conn, args):
    assert error_of(conn, "SET", "k", "v", *args) == SYNTAX


def test_set_non_integer_expire(conn):
    assert error_of(conn, "SET", "k", "v", "EX", "abc") == NOT_INT
    assert error_of(conn, "SET", "k", "v", "PX", "1.5") == NOT_INT


@pytest.mark.parametrize("cmd,args", [
    ("get", ()), ("get", ("a", "b")), ("set", ("k",)), ("set", ()), ("mset", ("a",)),
    ("mset", ("a", "b", "c")), ("msetnx", ("a",)), ("mget", ()), ("incr", ()),
    ("append", ("k",)), ("strlen", ()), ("getrange", ("k", "0")), ("setrange", ("k", "0")),
    ("setnx", ("k",)), ("setex", ("k", "10")), ("psetex", ("k",)), ("getset", ("k",)),
    ("getdel", ()), ("getex", ()), ("incrby", ("k",)), ("decrby", ("k",)),
    ("incrbyfloat", ("k",)), ("lcs", ("a",)), ("substr", ("k", "0")), ("decr", ("a", "b")),
])
def test_arity_errors(conn, cmd, args):
    assert error_of(conn, cmd, *args) == ARITY % cmd


def test_arity_error_uses_lowercase_name(conn):
    assert error_of(conn, "GET") == "ERR wrong number of arguments for 'get' command"
    assert error_of(conn, "GeT", "a", "b") == "ERR wrong number of arguments for 'get' command"


def test_wrongtype_on_string_commands(r, conn):
    make_list(r, "l")
    for args in [("GET", "l"), ("APPEND", "l", "x"), ("STRLEN", "l"), ("INCR", "l"),
                 ("GETRANGE", "l", "0", "1"), ("SETRANGE", "l", "0", "x"), ("GETSET", "l", "x"),
                 ("GETDEL", "l"), ("GETEX", "l"), ("INCRBYFLOAT", "l", "1"), ("DECRBY", "l", "1")]:
        assert error_of(conn, *args) == WRONGTYPE, args
    # MGET returns nil for wrong-type keys instead of an error
    assert r.mget("l", "nokey") == [None, None]
    # LCS has its own message
    r.set("s", "abc")
    assert error_of(conn, "LCS", "s", "l") == "ERR The specified keys must contain string values"


# ------------------------------------------------------------- SETNX & co

def test_setnx(r):
    assert r.setnx("k", "a") is True
    assert r.setnx("k", "b") is False
    assert r.get("k") == b"a"


def test_setex_psetex(r, conn):
    assert r.setex("k", 100, "v")
    assert r.get("k") == b"v"
    assert 98 <= r.ttl("k") <= 100
    assert r.psetex("p", 100000, "v")
    assert 98000 <= r.pttl("p") <= 100000
    assert error_of(conn, "SETEX", "k", "0", "v") == "ERR invalid expire time in 'setex' command"
    assert error_of(conn, "SETEX", "k", "-10", "v") == "ERR invalid expire time in 'setex' command"
    assert error_of(conn, "PSETEX", "k", "0", "v") == "ERR invalid expire time in 'psetex' command"
    assert error_of(conn, "SETEX", "k", "x", "v") == NOT_INT


def test_getset(r):
    assert r.getset("k", "a") is None
    assert r.getset("k", "b") == b"a"
    r.expire("k", 100)
    assert r.getset("k", "c") == b"b"
    assert r.ttl("k") == -1  # GETSET discards the TTL


def test_getdel(r):
    r.set("k", "v")
    assert r.getdel("k") == b"v"
    assert r.exists("k") == 0
    assert r.getdel("k") is None


def test_getex(r, conn):
    assert r.getex("nokey") is None
    assert r.getex("nokey", ex=10) is None
    assert r.exists("nokey") == 0
    r.set("k", "v")
    assert r.getex("k") == b"v"
    assert r.ttl("k") == -1
    assert r.getex("k", ex=100) == b"v"
    assert 98 <= r.ttl("k") <= 100
    assert r.getex("k", px=200000) == b"v"
    assert 198000 <= r.pttl("k") <= 200000
    at = int(time.time()) + 300
    assert r.execute_command("GETEX", "k", "EXAT", at) == b"v"
    assert r.execute_command("EXPIRETIME", "k") == at
    pat = now_ms() + 400000
    assert r.execute_command("GETEX", "k", "PXAT", pat) == b"v"
    assert r.execute_command("PEXPIRETIME", "k") == pat
    assert r.execute_command("GETEX", "k", "PERSIST") == b"v"
    assert r.ttl("k") == -1
    # PXAT in the past deletes the key (value is still returned)
    assert r.execute_command("GETEX", "k", "PXAT", 1) == b"v"
    assert r.exists("k") == 0

    r.set("k", "v")
    assert error_of(conn, "GETEX", "k", "EX", "0") == "ERR invalid expire time in 'getex' command"
    assert error_of(conn, "GETEX", "k", "PX", "-1") == "ERR invalid expire time in 'getex' command"
    assert error_of(conn, "GETEX", "k", "PERSIST", "EX", "1") == SYNTAX
    assert error_of(conn, "GETEX", "k", "EX", "1", "PX", "1") == SYNTAX
    assert error_of(conn, "GETEX", "k", "FOO") == SYNTAX
    assert error_of(conn, "GETEX", "k", "EX") == SYNTAX
    assert error_of(conn, "GETEX", "k", "EX", "x") == NOT_INT
    assert error_of(conn, "GETEX", "k", "KEEPTTL") == SYNTAX


# ---------------------------------------------------------------- MGET/MSET

def test_mget_mset(r):
    assert r.mset({"a": "1", "b": "2", "c": "3"}) is True
    assert r.mget("a", "b", "nokey", "c") == [b"1", b"2", None, b"3"]
    r.expire("a", 100)
    r.mset({"a": "x"})
    assert r.ttl("a") == -1
    # duplicate keys in MSET: last wins
    r.execute_command("MSET", "d", "1", "d", "2")
    assert r.get("d") == b"2"


def test_msetnx(r):
    assert r.msetnx({"a": "1", "b": "2"}) is True
    assert r.msetnx({"b": "x", "c": "3"}) is False
    assert r.mget("a", "b", "c") == [b"1", b"2", None]
    assert r.execute_command("MSETNX", "x", "1", "x", "2") == 1
    assert r.get("x") == b"2"


# --------------------------------------------------------- APPEND / STRLEN

def test_append_strlen(r):
    assert r.append("k", "Hello") == 5
    assert r.append("k", " World") == 11
    assert r.get("k") == b"Hello World"
    assert r.strlen("k") == 11
    assert r.strlen("nokey") == 0
    assert r.append("k", "") == 11
    assert r.append("empty", "") == 0
    assert r.exists("empty") == 1  # APPEND of "" creates the key
    r.set("i", 12)
    assert r.append("i", 3) == 3
    assert r.get("i") == b"123"
    assert r.incr("i") == 124


# --------------------------------------------------------------- counters

def test_incr_decr(r):
    assert r.incr("c") == 1
    assert r.incr("c") == 2
    assert r.decr("c") == 1
    assert r.decr("d") == -1
    assert r.incrby("c", 10) == 11
    assert r.decrby("c", 20) == -9
    assert r.incrby("c", -1) == -10
    assert r.get("c") == b"-10"
    r.set("e", 5, ex=100)
    assert r.incr("e") == 6
    assert r.ttl("e") > 0  # INCR keeps the TTL


def test_incr_errors(r, conn):
    r.set("s", "abc")
    assert error_of(conn, "INCR", "s") == NOT_INT
    r.set("f", "1.5")
    assert error_of(conn, "INCR", "f") == NOT_INT
    r.set("sp", " 1")
    assert error_of(conn, "INCR", "sp") == NOT_INT
    r.set("big", "12345678901234567890")
    assert error_of(conn, "INCR", "big") == NOT_INT
    assert error_of(conn, "INCRBY", "c", "abc") == NOT_INT
    assert error_of(conn, "INCRBY", "c", "1.0") == NOT_INT
    assert error_of(conn, "DECRBY", "c", "x") == NOT_INT
    r.set("e", "")
    assert error_of(conn, "INCR", "e") == NOT_INT


def test_incr_overflow(r, conn):
    r.set("n", "9223372036854775807")
    assert error_of(conn, "INCR", "n") == OVERFLOW
    assert error_of(conn, "INCRBY", "n", "1") == OVERFLOW
    assert r.get("n") == b"9223372036854775807"
    r.set("m", "-9223372036854775808")
    assert error_of(conn, "DECR", "m") == OVERFLOW
    assert error_of(conn, "DECRBY", "m", "1") == OVERFLOW
    assert r.decrby("m", -1) == -9223372036854775807
    # DECRBY cannot negate LLONG_MIN: dedicated message
    assert error_of(conn, "DECRBY", "x", "-9223372036854775808") == "ERR decrement would overflow"
    assert error_of(conn, "INCRBY", "x", "9223372036854775808") == NOT_INT
    assert r.incrby("x", -9223372036854775808) == -9223372036854775808


def test_incrbyfloat(r, conn):
    assert conn.call("INCRBYFLOAT", "f", "10.5") == b"10.5"
    assert r.get("f") == b"10.5"
    assert conn.call("INCRBYFLOAT", "f", "0.1") == b"10.6"
    assert conn.call("INCRBYFLOAT", "f", "-5") == b"5.6"
    r.set("g", "5.0e3")
    assert conn.call("INCRBYFLOAT", "g", "2.0e2") == b"5200"
    r.set("i", 3)
    assert conn.call("INCRBYFLOAT", "i", "1.5") == b"4.5"
    assert conn.call("INCRBYFLOAT", "z", "3") == b"3"
    assert r.get("z") == b"3"
    assert conn.call("INCRBYFLOAT", "z", "-3") == b"0"
    r.set("s", "abc")
    assert error_of(conn, "INCRBYFLOAT", "s", "1") == NOT_FLOAT
    assert error_of(conn, "INCRBYFLOAT", "f", "abc") == NOT_FLOAT
    assert error_of(conn, "INCRBYFLOAT", "f", "nan") == NOT_FLOAT
    assert error_of(conn, "INCRBYFLOAT", "f", "inf") == "ERR increment would produce NaN or Infinity"
    assert error_of(conn, "INCRBYFLOAT", "f", "-inf") == "ERR increment would produce NaN or Infinity"
    assert r.get("f") == b"5.6"
    # NB: Redis computes with long double, so 1.7e308 + 1.7e308 does not overflow.


def test_incrbyfloat_keeps_ttl(r):
    r.set("f", "1", ex=100)
    r.incrbyfloat("f", 1)
    assert r.ttl("f") > 0


# ------------------------------------------------------- GETRANGE/SETRANGE

def test_getrange(r):
    r.set("k", "This is a string")
    assert r.getrange("k", 0, 3) == b"This"
    assert r.getrange("k", -3, -1) == b"ing"
    assert r.getrange("k", 0, -1) == b"This is a string"
    assert r.getrange("k", 10, 100) == b"string"
    assert r.getrange("k", 5, 3) == b""
    assert r.getrange("k", 100, 200) == b""
    assert r.getrange("k", -100, 3) == b"This"
    assert r.getrange("nokey", 0, -1) == b""
    r.set("e", "")
    assert r.getrange("e", 0, -1) == b""
    r.set("i", 12345)  # integer-encoded value
    assert r.getrange("i", 1, 2) == b"23"


def test_getrange_both_negative_out_of_range_quirk(r):
    # Redis 7.0 clamps both negative indexes to 0 and returns the first byte.
    r.set("k", "hello")
    assert r.getrange("k", -100, -50) == b"h"
    assert r.getrange("k", 0, -100) == b"h"


def test_getrange_errors(conn):
    conn.call("SET", "k", "abc")
    assert error_of(conn, "GETRANGE", "k", "a", "1") == NOT_INT


def test_substr(r):
    r.set("k", "Hello World")
    assert r.execute_command("SUBSTR", "k", 0, 4) == b"Hello"
    assert r.execute_command("SUBSTR", "k", -5, -1) == b"World"
    assert r.execute_command("SUBSTR", "nokey", 0, -1) == b""


def test_setrange(r, conn):
    r.set("k", "Hello World")
    assert r.setrange("k", 6, "Redis") == 11
    assert r.get("k") == b"Hello Redis"
    assert r.setrange("pad", 5, "x") == 6
    assert r.get("pad") == b"\x00" * 5 + b"x"
    # empty value on missing key: no key is created
    assert r.setrange("nokey", 0, "") == 0
    assert r.exists("nokey") == 0
    assert r.setrange("k", 100, "") == 11  # empty value never extends
    assert r.get("k") == b"Hello Redis"
    r.set("i", 1234)
    assert r.setrange("i", 1, "x") == 4
    assert r.get("i") == b"1x34"
    assert error_of(conn, "SETRANGE", "k", "-1", "x") == "ERR offset is out of range"
    assert error_of(conn, "SETRANGE", "k", "536870912", "x") == \
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    assert error_of(conn, "SETRANGE", "k", "abc", "x") == NOT_INT


# -------------------------------------------------------------------- LCS

def test_lcs(r, conn):
    r.mset({"k1": "ohmytext", "k2": "mynewtext"})
    assert r.execute_command("LCS", "k1", "k2") == b"mytext"
    assert r.execute_command("LCS", "k1", "k2", "LEN") == 6
    assert r.execute_command("LCS", "k1", "k2", "IDX") == \
        [b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]
    assert r.execute_command("LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4") == \
        [b"matches", [[[4, 7], [5, 8]]], b"len", 6]
    assert r.execute_command("LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN") == \
        [b"matches", [[[4, 7], [5, 8], 4]], b"len", 6]
    assert r.execute_command("LCS", "k1", "k2", "IDX", "WITHMATCHLEN") == \
        [b"matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], b"len", 6]
    # missing keys count as empty strings
    assert r.execute_command("LCS", "k1", "nokey") == b""
    assert r.execute_command("LCS", "k1", "nokey", "LEN") == 0
    assert r.execute_command("LCS", "k1", "nokey", "IDX") == [b"matches", [], b"len", 0]
    # MINMATCHLEN / WITHMATCHLEN without IDX are accepted and ignored
    assert r.execute_command("LCS", "k1", "k2", "MINMATCHLEN", "2") == b"mytext"
    assert r.execute_command("LCS", "k1", "k2", "LEN", "WITHMATCHLEN") == 6
    assert error_of(conn, "LCS", "k1", "k2", "LEN", "IDX") == \
        "ERR If you want both the length and indexes, please just use IDX."
    assert error_of(conn, "LCS", "k1", "k2", "FOO") == SYNTAX
    assert error_of(conn, "LCS", "k1", "k2", "MINMATCHLEN", "x") == NOT_INT
    assert error_of(conn, "LCS", "k1", "k2", "MINMATCHLEN") == SYNTAX


def test_lcs_resp3_idx_is_map(r3):
    r3.call("MSET", "k1", "ohmytext", "k2", "mynewtext")
    reply = r3.call("LCS", "k1", "k2", "IDX")
    assert isinstance(reply, resp.Map)
    d = reply.as_dict()
    assert d[b"len"] == 6
    assert d[b"matches"] == [[[4, 7], [5, 8]], [[2, 3], [0, 1]]]


# ------------------------------------------------------ binary & big values

def test_binary_safe_values(r):
    values = [b"\x00", b"a\x00b", b"\r\n", b"line1\r\nline2\r\n", b"\xff\xfe\x00\x01", bytes(range(256)),
              b"$5\r\nhello\r\n", b"*1\r\n"]
    for i, v in enumerate(values):
        r.set(b"bin:%d" % i, v)
        assert r.get(b"bin:%d" % i) == v
        assert r.strlen(b"bin:%d" % i) == len(v)
    # binary keys too
    key = b"k\x00\r\n\xff"
    r.set(key, b"v\x00")
    assert r.get(key) == b"v\x00"
    assert r.exists(key) == 1
    assert r.exists(b"k") == 0
    r.append(key, b"\x00\r\n")
    assert r.get(key) == b"v\x00\x00\r\n"


def test_empty_strings(r):
    r.set("e", "")
    assert r.get("e") == b""
    assert r.exists("e") == 1
    assert r.strlen("e") == 0
    assert r.type("e") == b"string"
    r.set("", "empty key")
    assert r.get("") == b"empty key"
    assert r.mget("", "e") == [b"empty key", b""]


def test_large_value_10mb(r):
    v = (b"0123456789abcdef" * 65536) * 10  # 10 MiB
    assert r.set("big", v)
    assert r.strlen("big") == len(v)
    assert r.get("big") == v
    assert r.getrange("big", len(v) - 16, -1) == b"0123456789abcdef"
    assert r.append("big", b"!") == len(v) + 1
    assert r.getrange("big", -2, -1) == b"f!"


def test_integer_normalisation(r):
    r.set("i", "0123")
    assert r.get("i") == b"0123"   # not normalised: not a canonical integer
    r.set("j", "-0")
    assert r.get("j") == b"-0"
    r.set("k", 100)
    assert r.get("k") == b"100"
    assert r.incrby("k", 0) == 100
