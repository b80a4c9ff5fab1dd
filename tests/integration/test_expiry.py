"""Key expiration: EXPIRE family, TTL family, lazy and active expiry."""

import time


import resp
from helpers import error_of, make_list, parse_info, wait_until

NOT_INT = "ERR value is not an integer or out of range"


def now_ms():
    return int(time.time() * 1000)


def test_expire_and_ttl(r, conn):
    assert conn.call("EXPIRE", "nokey", "10") == 0
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.pttl("k") == -1
    assert conn.call("EXPIRE", "k", "100") == 1
    assert 99 <= r.ttl("k") <= 100
    assert 99000 <= r.pttl("k") <= 100000
    assert conn.call("PEXPIRE", "k", "50000") == 1
    assert 49000 <= r.pttl("k") <= 50000
    assert r.ttl("nokey") == -2
    assert r.pttl("nokey") == -2


def test_ttl_rounds_to_nearest_second(r):
    r.set("k", "v")
    r.pexpire("k", 1800)
    assert r.ttl("k") == 2   # (1800 + 500) / 1000, not truncated to 1
    r.pexpire("k", 1400)
    assert r.ttl("k") == 1


def test_expireat_pexpireat(r, conn):
    r.set("k", "v")
    at = int(time.time()) + 1000
    assert conn.call("EXPIREAT", "k", at) == 1
    assert conn.call("EXPIRETIME", "k") == at
    assert conn.call("PEXPIRETIME", "k") == at * 1000
    assert 998 <= r.ttl("k") <= 1000
    pat = now_ms() + 500000
    assert conn.call("PEXPIREAT", "k", pat) == 1
    assert conn.call("PEXPIRETIME", "k") == pat
    assert conn.call("EXPIRETIME", "k") in (pat // 1000, pat // 1000 + 1)
    assert conn.call("EXPIREAT", "nokey", at) == 0
    assert conn.call("EXPIRETIME", "nokey") == -2
    assert conn.call("PEXPIRETIME", "nokey") == -2
    r.set("p", "v")
    assert conn.call("EXPIRETIME", "p") == -1
    assert conn.call("PEXPIRETIME", "p") == -1


def test_expire_in_the_past_deletes(r, conn):
    for args in [("EXPIRE", "k", "0"), ("EXPIRE", "k", "-1"), ("PEXPIRE", "k", "-100"),
                 ("EXPIREAT", "k", "1"), ("PEXPIREAT", "k", "1")]:
        r.set("k", "v")
        assert conn.call(*args) == 1, args
        assert r.exists("k") == 0, args
        assert conn.call(*args) == 0, args  # key is gone now


def test_expire_options_nx_xx(r, conn):
    r.set("k", "v")
    assert conn.call("EXPIRE", "k", "100", "XX") == 0  # no TTL yet
    assert r.ttl("k") == -1
    assert conn.call("EXPIRE", "k", "100", "NX") == 1
    assert conn.call("EXPIRE", "k", "200", "NX") == 0
    assert 99 <= r.ttl("k") <= 100
    assert conn.call("EXPIRE", "k", "200", "XX") == 1
    assert 199 <= r.ttl("k") <= 200
    assert conn.call("EXPIRE", "nokey", "100", "NX") == 0


def test_expire_options_gt_lt(r, conn):
    r.set("k", "v")
    # a key without TTL counts as an infinite TTL
    assert conn.call("EXPIRE", "k", "100", "GT") == 0
    assert r.ttl("k") == -1
    assert conn.call("EXPIRE", "k", "100", "LT") == 1
    assert conn.call("EXPIRE", "k", "50", "GT") == 0
    assert conn.call("EXPIRE", "k", "200", "GT") == 1
    assert 199 <= r.ttl("k") <= 200
    assert conn.call("EXPIRE", "k", "300", "LT") == 0
    assert conn.call("EXPIRE", "k", "150", "LT") == 1
    assert 149 <= r.ttl("k") <= 150
    # GT/LT combined with XX is allowed
    assert conn.call("EXPIRE", "k", "500", "XX", "GT") == 1
    assert conn.call("PEXPIRE", "k", "1000", "LT") == 1
    assert conn.call("PEXPIREAT", "k", now_ms() + 10000000, "GT") == 1
    assert conn.call("EXPIREAT", "k", int(time.time()) + 100, "LT") == 1
    assert conn.call("EXPIREAT", "k", int(time.time()) + 50, "GT") == 0
    # options are case-insensitive
    assert conn.call("expire", "k", "10", "lt") == 1


def test_expire_option_errors(r, conn):
    r.set("k", "v")
    assert error_of(conn, "EXPIRE", "k", "10", "NX", "XX") == \
        "ERR NX and XX, GT or LT options at the same time are not compatible"
    assert error_of(conn, "EXPIRE", "k", "10", "NX", "GT") == \
        "ERR NX and XX, GT or LT options at the same time are not compatible"
    assert error_of(conn, "PEXPIRE", "k", "10", "LT", "NX") == \
        "ERR NX and XX, GT or LT options at the same time are not compatible"
    assert error_of(conn, "EXPIRE", "k", "10", "GT", "LT") == \
        "ERR GT and LT options at the same time are not compatible"
    assert error_of(conn, "EXPIRE", "k", "10", "FOO") == "ERR Unsupported option FOO"
    assert error_of(conn, "EXPIRE", "k", "abc") == NOT_INT
    assert error_of(conn, "EXPIRE", "k", "1.5") == NOT_INT
    assert error_of(conn, "EXPIRE", "k") == "ERR wrong number of arguments for 'expire' command"
    assert error_of(conn, "EXPIRE", "k", "9223372036854775807") == \
        "ERR invalid expire time in 'expire' command"
    assert error_of(conn, "PEXPIRE", "k", "9223372036854775807") == \
        "ERR invalid expire time in 'pexpire' command"
    assert error_of(conn, "EXPIREAT", "k", "9223372036854775807") == \
        "ERR invalid expire time in 'expireat' command"
    assert r.ttl("k") == -1


def test_persist(r, conn):
    assert conn.call("PERSIST", "nokey") == 0
    r.set("k", "v")
    assert conn.call("PERSIST", "k") == 0
    r.expire("k", 100)
    assert conn.call("PERSIST", "k") == 1
    assert r.ttl("k") == -1
    assert conn.call("PERSIST", "k") == 0


def test_overwrite_clears_ttl_but_modify_keeps_it(r):
    r.set("k", "v", ex=100)
    r.append("k", "x")
    r.setrange("k", 0, "y")
    assert r.ttl("k") > 0
    r.rename("k", "k2")
    assert r.ttl("k2") > 0
    r.set("k2", "new")
    assert r.ttl("k2") == -1
    r.set("c", 1, ex=100)
    r.incr("c")
    assert r.ttl("c") > 0
    r.delete("c")
    r.set("c", 1)
    assert r.ttl("c") == -1


def test_lazy_expiry(r):
    r.set("k", "v", px=50)
    r.set("keep", "v")
    assert r.get("k") == b"v"
    time.sleep(0.1)
    assert r.get("k") is None
    assert r.exists("k") == 0
    assert r.ttl("k") == -2
    assert r.mget("k", "keep") == [None, b"v"]
    r.set("k2", "v", px=50)
    time.sleep(0.1)
    assert r.exists("k2") == 0
    assert r.setnx("k2", "new") is True  # expired key counts as absent


def test_expired_key_invisible_to_all_commands(r, conn):
    r.set("a", "1", px=30)
    r.set("b", "1", px=30)
    r.set("c", "1", px=30)
    time.sleep(0.1)
    assert r.type("a") == b"none"
    assert r.strlen("a") == 0
    assert r.append("a", "z") == 1
    assert r.ttl("a") == -1
    assert conn.call("RENAME", "b", "x") == resp.Error(b"ERR no such key")
    assert conn.call("COPY", "c", "x") == 0
    assert r.keys("*") == [b"a"]
    assert r.dbsize() <= 3


def test_expired_list_frees_key_for_other_type(r):
    make_list(r, "l")
    r.pexpire("l", 30)
    time.sleep(0.1)
    assert r.type("l") == b"none"
    assert r.incr("l") == 1


def _active_expire(conn, on):
    assert conn.call("DEBUG", "SET-ACTIVE-EXPIRE", "1" if on else "0") == b"OK"


def test_active_expiry(r, conn):
    _active_expire(conn, True)
    pipe = r.pipeline(transaction=False)
    for i in range(1000):
        pipe.set("exp:%d" % i, i, px=100)
    pipe.execute()
    r.set("persistent", 1)
    assert r.dbsize() == 1001
    # do not touch the keys: only the background cycle may remove them
    wait_until(lambda: r.dbsize() == 1, timeout=8, interval=0.1, msg="active expiry to remove 1000 keys")
    _, info = parse_info(conn.call("INFO", "stats"))
    assert int(info["expired_keys"]) >= 1000


def test_active_expiry_disabled_keeps_keys_until_accessed(r, conn):
    _active_expire(conn, False)
    try:
        for i in range(10):
            r.set("e:%d" % i, i, px=30)
        time.sleep(0.5)
        assert r.dbsize() == 10  # not reclaimed without access
        for i in range(5):
            assert r.get("e:%d" % i) is None  # lazy expiry on access
        assert r.dbsize() == 5
    finally:
        _active_expire(conn, True)
    wait_until(lambda: r.dbsize() == 0, timeout=8, interval=0.1, msg="active expiry after re-enabling")


def test_info_keyspace_expires(r, conn):
    r.set("a", 1)
    r.set("b", 1, ex=1000)
    r.set("c", 1, px=100000)
    sections, _ = parse_info(conn.call("INFO", "keyspace"))
    line = sections["keyspace"]["db0"]
    fields = dict(kv.split("=") for kv in line.split(","))
    assert fields["keys"] == "3"
    assert fields["expires"] == "2"
    assert 0 <= int(fields["avg_ttl"]) <= 1000000
