"""AUTH, HELLO, RESET, CLIENT and COMMAND: the finer points.

test_connection.py and test_server.py cover the basics of these commands; this file covers
the edge cases (reply modes across RESET, CLIENT KILL filters, CLIENT LIST field order and
values, the exact shapes of COMMAND INFO / DOCS in RESP2 and RESP3, GETKEYS errors) and
checks that redis-cli's interactive hints work against the server.

Everything passes against real Redis 7.0 (EMBER_BIN=/usr/bin/redis-server) except what is
marked ember_only: Redis 7.2 additions Ember implements (CLIENT SETINFO, CLIENT NO-TOUCH,
lib-name/lib-ver fields, RESET clearing NO-EVICT).
"""

import os
import shutil
import subprocess
import time

import pytest

import resp
from helpers import error_of, wait_until

WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
NOAUTH = "NOAUTH Authentication required."

# CLIENT LIST fields of Redis 7.0.15, in order; Ember appends 7.2's lib-name and lib-ver.
CLIENT_FIELDS_70 = [
    "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub",
    "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem",
    "tot-mem", "events", "cmd", "user", "redir", "resp",
]


def fields(line):
    if isinstance(line, bytes):
        line = line.decode()
    pairs = [p.partition("=") for p in line.strip("\n").split(" ")]
    return [(k, v) for k, _, v in pairs]


def fdict(line):
    return dict(fields(line))


def client_lines(reply):
    return [fdict(l) for l in reply.decode().split("\n") if l]


@pytest.fixture
def auth_server(server):
    return server.start(["--requirepass", "s3cret"])


@pytest.fixture
def lone_server(server):
    """A server of its own, so that the set of connected clients is known exactly."""
    return server.start([])


# ------------------------------------------------------------------ AUTH

def test_auth_arity_and_syntax(conn):
    assert error_of(conn, "AUTH") == "ERR wrong number of arguments for 'auth' command"
    assert error_of(conn, "AUTH", "a", "b", "c") == "ERR syntax error"
    # unknown user, even without a password configured
    assert error_of(conn, "AUTH", "nosuchuser", "x") == WRONGPASS


def test_auth_user_names_are_case_sensitive(auth_server):
    c = auth_server.conn()
    assert error_of(c, "AUTH", "DEFAULT", "s3cret") == WRONGPASS
    assert error_of(c, "AUTH", "S3CRET") == WRONGPASS
    assert c.call("AUTH", "default", "s3cret") == b"OK"
    c.close()


def test_unauthenticated_client_is_listed_as_default_user(auth_server):
    c = auth_server.conn()
    admin = auth_server.conn()
    assert admin.call("AUTH", "s3cret") == b"OK"

    def idle_clients():
        # c is listed once an event loop has taken it over from the accepting one: with
        # several loops, possibly after admin's own request.
        return [line for line in client_lines(admin.call("CLIENT", "LIST"))
                if line["cmd"] == "NULL"]

    lines = wait_until(idle_clients, msg="the unauthenticated client in CLIENT LIST")
    assert [line["user"] for line in lines] == ["default"]
    assert error_of(c, "CLIENT", "ID") == NOAUTH
    c.close()
    admin.close()


# ------------------------------------------------------------------ HELLO

def test_hello_reply_bytes(server, r):
    c = server.conn()
    c.send_command("HELLO", "3")
    raw = c.read_raw(0.5)
    assert raw.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n")
    assert raw.endswith(b"$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
                        b"$7\r\nmodules\r\n*0\r\n")
    assert b"$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:" in raw
    c.close()


def test_hello_without_arguments_keeps_protocol(server, r):
    c = server.conn()
    assert isinstance(c.call("HELLO", "3"), resp.Map)
    reply = c.call("HELLO")
    assert isinstance(reply, resp.Map) and reply.as_dict()[b"proto"] == 3
    c.close()


def test_hello_version_is_a_redis_version(conn):
    d = dict(zip(*[iter(conn.call("HELLO", "2"))] * 2))
    major, minor, _ = d[b"version"].decode().split(".")
    assert (int(major), int(minor)) >= (7, 0)
    assert d[b"server"] == b"redis"


def test_hello_option_parsing(conn):
    assert error_of(conn, "HELLO", "2", "AUTH", "default") == \
        "ERR Syntax error in HELLO option 'AUTH'"
    assert error_of(conn, "HELLO", "2", "setname", "a", "b") == \
        "ERR Syntax error in HELLO option 'b'"
    for bad in ("3.0", "03", " 3", "", "+3"):
        assert error_of(conn, "HELLO", bad) == \
            "ERR Protocol version is not an integer or out of range"
    # the last SETNAME wins; options are case-insensitive
    assert isinstance(conn.call("hello", "2", "setname", "x", "SetName", "y"), list)
    assert conn.call("CLIENT", "GETNAME") == b"y"
    # without requirepass any password is fine for the default user, but not other users
    assert isinstance(conn.call("HELLO", "2", "AUTH", "default", "whatever"), list)
    assert error_of(conn, "HELLO", "2", "AUTH", "someone", "x", "SETNAME", "z") == WRONGPASS
    assert conn.call("CLIENT", "GETNAME") == b"y"


def test_hello_failed_auth_changes_nothing(auth_server):
    c = auth_server.conn()
    assert error_of(c, "HELLO", "3", "AUTH", "default", "bad", "SETNAME", "n") == WRONGPASS
    assert error_of(c, "PING") == NOAUTH
    c.send_command("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "bad name")
    assert c.read_reply() == resp.Error(
        b"ERR Client names cannot contain spaces, newlines or special characters.")
    # the credentials were accepted before SETNAME failed, the protocol was not switched
    c.send_command("GET", "nokey")
    assert c.read_raw(0.3) == b"$-1\r\n"
    assert c.call("CLIENT", "GETNAME") is resp.Null
    c.close()


def test_hello_auth_on_authenticated_client_with_bad_password(auth_server):
    c = auth_server.conn()
    assert c.call("AUTH", "s3cret") == b"OK"
    assert error_of(c, "HELLO", "2", "AUTH", "default", "bad") == WRONGPASS
    assert c.call("PING") == b"PONG"
    c.close()


# ------------------------------------------------------------------ RESET and CLIENT REPLY

def test_reset_turns_replies_back_on(conn):
    conn.send_command("CLIENT", "REPLY", "OFF")
    conn.send_command("RESET")
    conn.send_command("PING")
    assert conn.read_raw(0.3) == b"+RESET\r\n+PONG\r\n"


def test_reset_reply_is_skipped_after_client_reply_skip(conn):
    conn.send_command("CLIENT", "REPLY", "SKIP")
    conn.send_command("RESET")
    conn.send_command("PING")
    assert conn.read_raw(0.3) == b"+PONG\r\n"


@pytest.mark.parametrize("commands, expected", [
    # ON cancels a pending skip and is acknowledged
    ([("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "ON"), ("PING",)], b"+OK\r\n+PONG\r\n"),
    # SKIP while OFF is ignored
    ([("CLIENT", "REPLY", "OFF"), ("CLIENT", "REPLY", "SKIP"), ("PING",),
      ("CLIENT", "REPLY", "ON"), ("PING",)], b"+OK\r\n+PONG\r\n"),
    # SKIP SKIP skips only the command after the second SKIP
    ([("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "SKIP"), ("PING", "a"), ("PING", "b")],
     b"$1\r\nb\r\n"),
    # OFF during a skip
    ([("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "OFF"), ("PING", "a"),
      ("CLIENT", "REPLY", "ON")], b"+OK\r\n"),
    # errors are suppressed too
    ([("CLIENT", "REPLY", "OFF"), ("CLIENT", "REPLY", "foo"), ("NOSUCH",),
      ("CLIENT", "REPLY", "ON")], b"+OK\r\n"),
    # a skipped error does not carry over
    ([("CLIENT", "REPLY", "SKIP"), ("NOSUCH",), ("PING",)], b"+PONG\r\n"),
])
def test_client_reply_modes(conn, commands, expected):
    for cmd in commands:
        conn.send_command(*cmd)
    assert conn.read_raw(0.3) == expected


def test_client_reply_arity(conn):
    assert error_of(conn, "CLIENT", "REPLY") == \
        "ERR wrong number of arguments for 'client|reply' command"
    assert error_of(conn, "CLIENT", "REPLY", "ON", "x") == \
        "ERR wrong number of arguments for 'client|reply' command"


@pytest.mark.ember_only
def test_reset_clears_no_evict_and_no_touch(conn):
    # Redis 7.2 semantics (7.0.15 keeps NO-EVICT across RESET, see the next test).
    assert conn.call("CLIENT", "NO-EVICT", "ON") == b"OK"
    assert conn.call("CLIENT", "NO-TOUCH", "ON") == b"OK"
    assert fdict(conn.call("CLIENT", "INFO"))["flags"] == "eT"
    assert conn.call("RESET") == b"RESET"
    assert fdict(conn.call("CLIENT", "INFO"))["flags"] == "N"


@pytest.mark.redis_only
def test_redis_70_reset_keeps_no_evict(conn):
    assert conn.call("CLIENT", "NO-EVICT", "ON") == b"OK"
    assert conn.call("RESET") == b"RESET"
    assert fdict(conn.call("CLIENT", "INFO"))["flags"] == "e"


def test_reset_after_hello_3_replies_in_resp2(server, r):
    c = server.conn()
    c.call("HELLO", "3", "SETNAME", "n")
    c.call("SELECT", "3")
    c.send_command("RESET")
    assert c.read_raw(0.3) == b"+RESET\r\n"
    info = fdict(c.call("CLIENT", "INFO"))
    assert (info["resp"], info["db"], info["name"]) == ("2", "0", "")
    c.close()


# ------------------------------------------------------------------ CLIENT LIST / INFO

def test_client_info_field_order(conn, is_ember):
    keys = [k for k, _ in fields(conn.call("CLIENT", "INFO"))]
    assert keys[:len(CLIENT_FIELDS_70)] == CLIENT_FIELDS_70
    if is_ember:
        assert keys[len(CLIENT_FIELDS_70):] == ["lib-name", "lib-ver"]


def test_client_info_values(server, conn):
    info = fdict(conn.call("CLIENT", "INFO"))
    for k in ("id", "fd", "age", "idle", "db", "qbuf", "qbuf-free", "argv-mem", "rbs", "rbp",
              "obl", "oll", "omem", "tot-mem"):
        assert int(info[k]) >= 0, k
    assert int(info["tot-mem"]) > 0
    assert int(info["argv-mem"]) > 0  # "client" + "info"
    assert (info["sub"], info["psub"], info["ssub"], info["multi"]) == ("0", "0", "0", "-1")
    assert info["events"] == "r"
    assert info["redir"] == "-1"
    assert info["cmd"] == "client|info"


def test_client_list_sees_other_connections_state(server, conn):
    other = server.conn()
    oid = other.call("CLIENT", "ID")
    fresh = server.conn()
    fresh_port = fresh.sock.getsockname()[1]
    other.call("HELLO", "3", "SETNAME", "peer")
    other.call("SELECT", "5")
    other.call("GET", "x")
    lines = {l["id"]: l for l in client_lines(conn.call("CLIENT", "LIST"))}
    o = lines[str(oid)]
    assert (o["name"], o["db"], o["resp"], o["cmd"]) == ("peer", "5", "3", "get")
    assert o["addr"] == "127.0.0.1:%d" % other.sock.getsockname()[1]
    assert o["laddr"] == "127.0.0.1:%d" % server.port
    f = [l for l in lines.values() if l["addr"].endswith(":%d" % fresh_port)]
    assert len(f) == 1 and f[0]["cmd"] == "NULL"
    other.close()
    fresh.close()


def test_client_list_idle_and_age(server, conn):
    other = server.conn()
    oid = str(other.call("CLIENT", "ID"))
    time.sleep(1.2)
    line = [l for l in client_lines(conn.call("CLIENT", "LIST")) if l["id"] == oid][0]
    assert int(line["idle"]) >= 1 and int(line["age"]) >= 1
    assert fdict(conn.call("CLIENT", "INFO"))["idle"] == "0"
    other.close()


def test_client_list_is_ordered_by_id(server, conn):
    conns = [server.conn() for _ in range(6)]
    for c in conns:
        c.call("PING")
    ids = [int(l["id"]) for l in client_lines(conn.call("CLIENT", "LIST"))]
    assert ids == sorted(ids)
    for c in conns:
        c.close()


def test_client_list_filters(server, conn):
    me = conn.call("CLIENT", "ID")
    assert error_of(conn, "CLIENT", "LIST", "ID") == "ERR syntax error"
    assert error_of(conn, "CLIENT", "LIST", "TYPE") == "ERR syntax error"
    assert error_of(conn, "CLIENT", "LIST", "TYPE", "normal", "ID", str(me)) == \
        "ERR syntax error"
    assert error_of(conn, "CLIENT", "LIST", "ID", str(me), "abc") == "ERR Invalid client ID"
    assert conn.call("CLIENT", "LIST", "ID", "0", "-1") == b""
    for t in ("master", "replica", "slave", "pubsub", "MASTER"):
        assert conn.call("CLIENT", "LIST", "TYPE", t) == b""
    assert str(me).encode() in conn.call("CLIENT", "LIST", "TYPE", "NORMAL")

    # with ID, in the order given, repeated ids repeated
    other = server.conn()
    oid = other.call("CLIENT", "ID")
    ids = [l["id"] for l in client_lines(conn.call("CLIENT", "LIST", "id", oid, me, "0", oid))]
    assert ids == [str(oid), str(me), str(oid)]
    other.close()


def test_client_info_and_list_are_verbatim_in_resp3(r3):
    r3.send_command("CLIENT", "INFO")
    raw = r3.read_raw(0.3)
    assert raw.startswith(b"=") and b"\r\ntxt:id=" in raw and b" resp=3" in raw
    reply = r3.call("CLIENT", "LIST")
    assert isinstance(reply, resp.Verbatim) and reply.fmt == b"txt"


def test_client_getname_setname(conn):
    assert error_of(conn, "CLIENT", "SETNAME") == \
        "ERR wrong number of arguments for 'client|setname' command"
    assert error_of(conn, "CLIENT", "SETNAME", "a", "b") == \
        "ERR wrong number of arguments for 'client|setname' command"
    assert error_of(conn, "CLIENT", "GETNAME", "x") == \
        "ERR wrong number of arguments for 'client|getname' command"
    assert conn.call("CLIENT", "SETNAME", "!~x") == b"OK"
    assert error_of(conn, "CLIENT", "SETNAME", "caf\xe9") == \
        "ERR Client names cannot contain spaces, newlines or special characters."
    assert conn.call("CLIENT", "GETNAME") == b"!~x"


def test_client_no_evict_arity(conn):
    assert error_of(conn, "CLIENT", "NO-EVICT") == \
        "ERR wrong number of arguments for 'client|no-evict' command"


# ------------------------------------------------------------------ CLIENT KILL

def test_client_kill_errors(conn):
    assert error_of(conn, "CLIENT", "KILL") == \
        "ERR wrong number of arguments for 'client|kill' command"
    assert error_of(conn, "CLIENT", "KILL", "a", "b", "c") == "ERR syntax error"
    assert error_of(conn, "CLIENT", "KILL", "MAXAGE", "5") == "ERR syntax error"
    for bad in ("0", "-1", "abc", "1.5"):
        assert error_of(conn, "CLIENT", "KILL", "ID", bad) == \
            "ERR client-id should be greater than 0"
    assert error_of(conn, "CLIENT", "KILL", "TYPE", "foo") == "ERR Unknown client type 'foo'"
    assert error_of(conn, "CLIENT", "KILL", "USER", "nosuch") == "ERR No such user 'nosuch'"
    assert error_of(conn, "CLIENT", "KILL", "SKIPME", "maybe") == "ERR syntax error"
    # three arguments is always the old form: "ID" is taken as an address
    assert error_of(conn, "CLIENT", "KILL", "ID") == "ERR No such client"
    # errors are detected before anything is killed
    assert error_of(conn, "CLIENT", "KILL", "SKIPME", "no", "TYPE", "bad") == \
        "ERR Unknown client type 'bad'"
    assert conn.call("PING") == b"PONG"


def test_client_kill_filters_combine(conn):
    me = conn.call("CLIENT", "ID")
    assert conn.call("CLIENT", "KILL", "TYPE", "master") == 0
    assert conn.call("CLIENT", "KILL", "TYPE", "pubsub", "ID", str(me), "SKIPME", "no") == 0
    assert conn.call("CLIENT", "KILL", "ID", "999999", "ID", "999998") == 0
    assert conn.call("CLIENT", "KILL", "LADDR", "1.2.3.4:5") == 0
    assert conn.call("PING") == b"PONG"


def wait_clients(c, n):
    """Wait until the server lists exactly n clients (closed probes may linger briefly)."""
    wait_until(lambda: len(client_lines(c.call("CLIENT", "LIST"))) == n,
               msg="%d clients in CLIENT LIST" % n)


def test_client_kill_by_laddr_and_user_skips_caller(lone_server):
    me = lone_server.conn()
    victims = [lone_server.conn() for _ in range(8)]
    for v in victims:
        v.call("PING")  # make sure each is accepted (spread over both worker threads)
    wait_clients(me, 9)
    laddr = "127.0.0.1:%d" % lone_server.port
    assert me.call("CLIENT", "KILL", "LADDR", laddr, "USER", "default") == 8
    for v in victims:
        assert v.is_closed()
        v.close()
    assert me.call("PING") == b"PONG"
    # killed clients are gone at once, as Redis frees them synchronously
    assert len(client_lines(me.call("CLIENT", "LIST"))) == 1
    me.close()


def test_client_kill_type_normal_skipme_no_kills_caller_last(lone_server):
    me = lone_server.conn()
    other = lone_server.conn()
    other.call("PING")
    wait_clients(me, 2)
    me.send_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no")
    me.send_command("PING")  # never executed: the caller is closed after the reply
    assert me.read_reply() == 2
    assert me.is_closed()
    assert other.is_closed()
    me.close()
    other.close()


def test_client_kill_pipelining_victim(lone_server):
    victim = lone_server.conn()
    vid = victim.call("CLIENT", "ID")
    killer = lone_server.conn()
    assert killer.call("CLIENT", "KILL", "ID", str(vid)) == 1
    assert victim.is_closed()
    # a killed client's commands are not executed afterwards
    try:
        victim.send_command("SET", "after-kill", "1")
    except OSError:
        pass
    time.sleep(0.1)
    assert killer.call("EXISTS", "after-kill") == 0
    assert killer.call("CLIENT", "KILL", "ID", str(vid)) == 0
    victim.close()
    killer.close()


# ------------------------------------------------------------------ CLIENT SETINFO / NO-TOUCH

@pytest.mark.ember_only
def test_client_setinfo_validation(conn):
    assert conn.call("CLIENT", "SETINFO", "lib-name", "redis-py") == b"OK"
    assert conn.call("CLIENT", "SETINFO", "LIB-VER", "4.3.4") == b"OK"
    assert error_of(conn, "CLIENT", "SETINFO", "LIB-NAME", "a b") == \
        "ERR LIB-NAME cannot contain spaces, newlines or special characters."
    assert error_of(conn, "CLIENT", "SETINFO", "lib-ver", "1\n2") == \
        "ERR lib-ver cannot contain spaces, newlines or special characters."
    assert error_of(conn, "CLIENT", "SETINFO", "FOO", "x") == "ERR Unrecognized option 'FOO'"
    assert error_of(conn, "CLIENT", "SETINFO", "LIB-NAME") == \
        "ERR wrong number of arguments for 'client|setinfo' command"
    f = fdict(conn.call("CLIENT", "INFO"))
    assert (f["lib-name"], f["lib-ver"]) == ("redis-py", "4.3.4")
    # kept by RESET, cleared by an empty value
    assert conn.call("RESET") == b"RESET"
    assert fdict(conn.call("CLIENT", "INFO"))["lib-name"] == "redis-py"
    assert conn.call("CLIENT", "SETINFO", "LIB-NAME", "") == b"OK"
    assert fdict(conn.call("CLIENT", "INFO"))["lib-name"] == ""


@pytest.mark.ember_only
def test_client_no_touch(conn):
    assert conn.call("CLIENT", "NO-TOUCH", "on") == b"OK"
    assert "T" in fdict(conn.call("CLIENT", "INFO"))["flags"]
    assert conn.call("CLIENT", "NO-TOUCH", "OFF") == b"OK"
    assert fdict(conn.call("CLIENT", "INFO"))["flags"] == "N"
    assert error_of(conn, "CLIENT", "NO-TOUCH", "maybe") == "ERR syntax error"


# ------------------------------------------------------------------ COMMAND INFO

GET_INFO = [
    b"get", 2, [b"readonly", b"fast"], 1, 1, 1, [b"@read", b"@string", b"@fast"], [],
    [[b"flags", [b"RO", b"access"],
      b"begin_search", [b"type", b"index", b"spec", [b"index", 1]],
      b"find_keys", [b"type", b"range", b"spec", [b"lastkey", 0, b"keystep", 1, b"limit", 0]]]],
    [],
]


def test_command_info_get_exact(conn):
    info = conn.call("COMMAND", "INFO", "GET")
    assert info == [GET_INFO]
    assert all(isinstance(f, resp.SimpleString) for f in info[0][2] + info[0][6])
    assert all(isinstance(f, resp.SimpleString) for f in info[0][8][0][1])


def test_command_info_connection_commands(conn):
    info = {e[0]: e for e in conn.call("COMMAND", "INFO", "auth", "hello", "reset", "quit",
                                       "select", "echo", "ping")}
    handshake = [b"noscript", b"loading", b"stale", b"fast", b"no_auth", b"allow_busy"]
    for name, arity in ((b"auth", -2), (b"hello", -1), (b"reset", 1), (b"quit", -1)):
        assert info[name][1:7] == [arity, handshake, 0, 0, 0, [b"@fast", b"@connection"]]
    assert info[b"select"][2] == [b"loading", b"stale", b"fast"]
    assert info[b"echo"][2] == [b"loading", b"stale", b"fast"]
    assert info[b"ping"][2] == [b"fast"]


def test_command_info_subcommands(conn):
    (client,) = conn.call("COMMAND", "INFO", "client")
    assert client[:8] == [b"client", -2, [], 0, 0, 0, [b"@slow"], []]
    subs = {s[0]: s for s in client[9]}
    assert subs[b"client|kill"][1:7] == [
        -3, [b"admin", b"noscript", b"loading", b"stale"], 0, 0, 0,
        [b"@admin", b"@slow", b"@dangerous", b"@connection"]]
    assert subs[b"client|list"][7] == [b"nondeterministic_output"]
    assert subs[b"client|id"][1:7] == [
        2, [b"noscript", b"loading", b"stale"], 0, 0, 0, [b"@slow", b"@connection"]]
    # subcommands by their full name, case-insensitively; nonsense names give null
    reply = conn.call("COMMAND", "INFO", "CLIENT|LIST", "client|nosuch", "get|x", "client||list")
    assert reply[0][0] == b"client|list"
    assert reply[1:] == [resp.Null, resp.Null, resp.Null]
    (command,) = conn.call("COMMAND", "INFO", "command")
    arities = {s[0]: s[1] for s in command[9]}
    assert arities[b"command|getkeys"] == -4 and arities[b"command|getkeysandflags"] == -4
    assert arities[b"command|count"] == 2 and arities[b"command|docs"] == -2


def test_command_info_resp3_types(r3):
    r3.send_command("COMMAND", "INFO", "get")
    raw = r3.read_raw(0.3)
    assert raw.startswith(b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n"
                          b":1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n"
                          b"~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n")
    assert raw.endswith(b"$5\r\nlimit\r\n:0\r\n~0\r\n")
    r3.send_command("COMMAND", "INFO", "nosuch")
    assert r3.read_raw(0.3) == b"*1\r\n_\r\n"


def test_command_info_null_in_resp2(conn):
    conn.send_command("COMMAND", "INFO", "nosuch")
    assert conn.read_raw(0.3) == b"*1\r\n$-1\r\n"


def test_command_count_matches_command_and_info(conn):
    n = conn.call("COMMAND", "COUNT")
    assert len(conn.call("COMMAND")) == n
    assert len(conn.call("COMMAND", "INFO")) == n
    assert error_of(conn, "COMMAND", "COUNT", "x") == \
        "ERR wrong number of arguments for 'command|count' command"


# ------------------------------------------------------------------ COMMAND DOCS

def pairs(lst):
    if isinstance(lst, resp.Map):
        return lst.as_dict()
    return dict(zip(lst[::2], lst[1::2]))


def shape(arg):
    """An argument's structure without the parts a syntax string cannot carry (the names
    Redis gives to groups, per-argument `since`)."""
    d = pairs(arg)
    out = {"type": d[b"type"].decode()}
    if out["type"] not in ("oneof", "block"):
        out["name"] = d[b"name"].decode()
    if b"token" in d:
        out["token"] = d[b"token"].decode()
    if b"flags" in d:
        out["flags"] = sorted(f.decode() for f in d[b"flags"])
    if b"arguments" in d:
        out["args"] = [shape(a) for a in d[b"arguments"]]
    return out


def doc_of(conn, name):
    return pairs(pairs(conn.call("COMMAND", "DOCS", name))[name.encode()])


def T(tok, **kw):
    return dict(type="pure-token", name=tok.lower(), token=tok, **kw)


def test_command_docs_set_arguments(conn):
    args = [shape(a) for a in doc_of(conn, "set")[b"arguments"]]
    assert args == [
        {"type": "key", "name": "key"},
        {"type": "string", "name": "value"},
        {"type": "oneof", "flags": ["optional"], "args": [T("NX"), T("XX")]},
        T("GET", flags=["optional"]),
        {"type": "oneof", "flags": ["optional"], "args": [
            {"type": "integer", "name": "seconds", "token": "EX"},
            {"type": "integer", "name": "milliseconds", "token": "PX"},
            {"type": "unix-time", "name": "unix-time-seconds", "token": "EXAT"},
            {"type": "unix-time", "name": "unix-time-milliseconds", "token": "PXAT"},
            T("KEEPTTL")]},
    ]
    key = pairs(doc_of(conn, "set")[b"arguments"][0])
    assert key[b"key_spec_index"] == 0


def test_command_docs_connection_commands(conn):
    hello = doc_of(conn, "hello")
    assert (hello[b"summary"], hello[b"since"], hello[b"group"], hello[b"complexity"]) == \
        (b"Handshake with Redis", b"6.0.0", b"connection", b"O(1)")
    assert [shape(a) for a in hello[b"arguments"]] == [
        {"type": "block", "flags": ["optional"], "args": [
            {"type": "integer", "name": "protover"},
            {"type": "block", "token": "AUTH", "flags": ["optional"], "args": [
                {"type": "string", "name": "username"},
                {"type": "string", "name": "password"}]},
            {"type": "string", "name": "clientname", "token": "SETNAME",
             "flags": ["optional"]}]}]
    assert b"arguments" not in doc_of(conn, "quit")
    lst = doc_of(conn, "client|list")
    assert [shape(a) for a in lst[b"arguments"]] == [
        {"type": "oneof", "token": "TYPE", "flags": ["optional"],
         "args": [T("NORMAL"), T("MASTER"), T("REPLICA"), T("PUBSUB")]},
        {"type": "block", "token": "ID", "flags": ["optional"],
         "args": [{"type": "integer", "name": "client-id", "flags": ["multiple"]}]}]
    docs = doc_of(conn, "command|docs")
    assert [shape(a) for a in docs[b"arguments"]] == [
        {"type": "string", "name": "command-name", "flags": ["multiple", "optional"]}]


def test_command_docs_container_and_lookup(conn):
    d = pairs(conn.call("COMMAND", "DOCS", "client", "nosuch", "GET"))
    assert set(d) == {b"client", b"get"}
    client = pairs(d[b"client"])
    assert client[b"summary"] == b"A container for client connection commands"
    subs = pairs(client[b"subcommands"])
    assert {b"client|list", b"client|kill", b"client|id", b"client|reply"} <= set(subs)
    assert pairs(subs[b"client|id"])[b"since"] == b"5.0.0"
    assert conn.call("COMMAND", "DOCS", "nosuch") == []


def test_command_docs_all_well_formed(conn):
    """Every argument of every command has the fields and types redis-cli relies on."""
    kinds = {"string", "integer", "double", "key", "pattern", "unix-time", "pure-token",
             "oneof", "block"}

    def check(arg, where):
        d = pairs(arg)
        assert isinstance(d[b"name"], bytes) and d[b"name"], where
        assert d[b"type"].decode() in kinds, where
        for f in d.get(b"flags", []):
            assert isinstance(f, resp.SimpleString), where
            assert f in (b"optional", b"multiple", b"multiple_token"), where
        if d[b"type"] == b"pure-token":
            assert b"token" in d, where
        if d[b"type"] in (b"oneof", b"block"):
            assert d[b"arguments"], where
            for a in d[b"arguments"]:
                check(a, where)

    def check_doc(name, doc):
        doc = pairs(doc)
        for k in (b"summary", b"since", b"group", b"complexity"):
            if k != b"complexity" or k in doc:  # Redis omits it for a few internal commands
                assert isinstance(doc[k], bytes) and doc[k], (name, k)
        for a in doc.get(b"arguments", []):
            check(a, name)
        for sub, sd in pairs(doc.get(b"subcommands", [])).items():
            check_doc(sub, sd)

    all_docs = pairs(conn.call("COMMAND", "DOCS"))
    assert len(all_docs) == conn.call("COMMAND", "COUNT")
    for name, doc in all_docs.items():
        check_doc(name, doc)


def test_command_docs_resp3_nesting(r3):
    r3.send_command("COMMAND", "DOCS", "ping")
    raw = r3.read_raw(0.3)
    assert raw.startswith(b"%1\r\n$4\r\nping\r\n%5\r\n$7\r\nsummary\r\n")
    assert raw.endswith(b"$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$7\r\nmessage\r\n"
                        b"$4\r\ntype\r\n$6\r\nstring\r\n$5\r\nflags\r\n~1\r\n+optional\r\n")


# ------------------------------------------------------------------ COMMAND LIST / GETKEYS / HELP

def test_command_list_filters(conn):
    conn_cat = set(conn.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "CONNECTION"))
    assert {b"ping", b"hello", b"auth", b"client|list", b"command", b"command|docs"} <= conn_cat
    assert b"client" not in conn_cat and b"get" not in conn_cat
    assert conn.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "@connection") == []
    assert conn.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch") == []
    assert conn.call("COMMAND", "LIST", "FILTERBY", "MODULE", "x") == []
    assert conn.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "CLIENT|L*") == [b"client|list"]
    dangerous = set(conn.call("COMMAND", "LIST", "filterby", "aclcat", "dangerous"))
    assert {b"client|kill", b"client|list"} <= dangerous
    for bad in (("FILTERBY",), ("FILTERBY", "foo", "bar"), ("foo",),
                ("FILTERBY", "PATTERN", "a", "b")):
        assert error_of(conn, "COMMAND", "LIST", *bad) == "ERR syntax error"


def test_command_getkeys_resolution(conn):
    assert error_of(conn, "COMMAND", "GETKEYS", "client", "foo") == "ERR Invalid command specified"
    assert error_of(conn, "COMMAND", "GETKEYS", "client|list", "x") == \
        "ERR Invalid command specified"
    assert error_of(conn, "COMMAND", "GETKEYS", "CLIENT", "list") == \
        "ERR The command has no key arguments"
    assert error_of(conn, "COMMAND", "GETKEYS", "client") == \
        "ERR wrong number of arguments for 'command|getkeys' command"
    assert error_of(conn, "COMMAND", "GETKEYS", "MSET", "a") == \
        "ERR Invalid number of arguments specified for command"
    assert conn.call("COMMAND", "GETKEYS", "get", "k") == [b"k"]


def test_command_getkeysandflags(conn):
    assert conn.call("COMMAND", "GETKEYSANDFLAGS", "GET", "k") == [[b"k", [b"RO", b"access"]]]
    reply = conn.call("COMMAND", "GETKEYSANDFLAGS", "MSET", "a", "1", "b", "2")
    assert [k for k, _ in reply] == [b"a", b"b"]
    for _, flags in reply:
        assert flags and all(isinstance(f, resp.SimpleString) for f in flags)
    assert error_of(conn, "COMMAND", "GETKEYSANDFLAGS", "PING", "x") == \
        "ERR The command has no key arguments"
    assert error_of(conn, "COMMAND", "GETKEYSANDFLAGS", "nosuch", "x") == \
        "ERR Invalid command specified"


def test_command_help(conn):
    lines = conn.call("COMMAND", "HELP")
    assert all(isinstance(l, resp.SimpleString) for l in lines)
    assert lines[0] == b"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert lines[-2:] == [b"HELP", b"    Prints this help."]
    assert b"GETKEYSANDFLAGS <full-command>" in lines and len(lines) == 21


def test_client_help(conn):
    lines = conn.call("CLIENT", "HELP")
    assert all(isinstance(l, resp.SimpleString) for l in lines)
    assert lines[0] == b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert lines[-2:] == [b"HELP", b"    Prints this help."]
    for sub in (b"KILL <ip:port>", b"REPLY (ON|OFF|SKIP)", b"NO-EVICT (ON|OFF)", b"ID", b"INFO"):
        assert sub in lines


# ------------------------------------------------------------------ redis-cli hints

REDIS_CLI = shutil.which("redis-cli")
TMUX = shutil.which("tmux")


@pytest.mark.skipif(not (REDIS_CLI and TMUX), reason="needs redis-cli and tmux")
@pytest.mark.timeout(40)
def test_redis_cli_hints_from_command_docs(server, r):
    """redis-cli 7 reads COMMAND DOCS when it starts interactively and shows argument hints
    built from it; it must neither crash nor fall back to its built-in help."""
    session = "ember-hints-%d-%d" % (os.getpid(), server.port)
    subprocess.run([TMUX, "new-session", "-d", "-s", session, "-x", "220", "-y", "20",
                    "%s -p %d" % (REDIS_CLI, server.port)], check=True)

    def pane():
        return subprocess.run([TMUX, "capture-pane", "-t", session, "-p"], check=True,
                              capture_output=True, text=True).stdout

    def type_keys(*keys):
        subprocess.run([TMUX, "send-keys", "-t", session] + list(keys), check=True)

    try:
        wait_until(lambda: "127.0.0.1:%d>" % server.port in pane(), msg="redis-cli prompt")
        type_keys("SET k ")
        wait_until(lambda: "value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT" in pane(),
                   msg="SET hint")
        type_keys("C-u", "CLIENT KILL ")
        wait_until(lambda: "ip:port|" in pane(), msg="CLIENT KILL hint")
        type_keys("C-u", "HELLO ")
        wait_until(lambda: "[protover [AUTH username password] [SETNAME clientname]]" in pane(),
                   msg="HELLO hint")
        type_keys("C-u", "help client list", "Enter")
        wait_until(lambda: "summary: Get the list of client connections" in pane(),
                   msg="help output")
        type_keys("PING", "Enter")
        wait_until(lambda: "PONG" in pane(), msg="PONG after hints")
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], check=False)
