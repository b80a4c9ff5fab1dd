"""Connection-level commands: PING ECHO QUIT RESET SELECT AUTH HELLO CLIENT."""

import re

import pytest
import redis

import resp
from helpers import error_of, wait_until

WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
NOAUTH = "NOAUTH Authentication required."


def client_info_fields(line):
    if isinstance(line, bytes):
        line = line.decode()
    out = {}
    for part in line.strip().split(" "):
        k, _, v = part.partition("=")
        out[k] = v
    return out


# ------------------------------------------------------------- PING / ECHO

def test_ping(conn):
    reply = conn.call("PING")
    assert isinstance(reply, resp.SimpleString) and reply == b"PONG"
    reply = conn.call("PING", "hello world")
    assert not isinstance(reply, resp.SimpleString) and reply == b"hello world"
    assert conn.call("ping", "") == b""
    assert error_of(conn, "PING", "a", "b") == "ERR wrong number of arguments for 'ping' command"


def test_echo(conn):
    assert conn.call("ECHO", "hi") == b"hi"
    assert conn.call("ECHO", b"\x00\r\n") == b"\x00\r\n"
    assert conn.call("ECHO", "") == b""
    assert error_of(conn, "ECHO") == "ERR wrong number of arguments for 'echo' command"
    assert error_of(conn, "ECHO", "a", "b") == "ERR wrong number of arguments for 'echo' command"


def test_command_names_case_insensitive(conn):
    assert conn.call("pInG") == b"PONG"
    assert conn.call("set", "k", "v") == b"OK"
    assert conn.call("GeT", "k") == b"v"


# -------------------------------------------------------------------- QUIT

def test_quit(server):
    c = server.conn()
    assert c.call("QUIT") == b"OK"
    assert c.is_closed()
    c.close()


def test_quit_flushes_pipelined_replies_first(server):
    c = server.conn()
    c.send(resp.encode_command("SET", "q", "1") + resp.encode_command("GET", "q") +
           resp.encode_command("QUIT") + resp.encode_command("SET", "q", "2"))
    assert c.read_reply() == b"OK"
    assert c.read_reply() == b"1"
    assert c.read_reply() == b"OK"
    assert c.is_closed()
    c.close()
    r = server.client()
    assert r.get("q") == b"1"  # the command after QUIT was not executed
    r.delete("q")
    r.close()


# ------------------------------------------------------------------- RESET

def test_reset(server, r):
    c = server.conn()
    assert c.call("SELECT", "2") == b"OK"
    assert c.call("CLIENT", "SETNAME", "myname") == b"OK"
    has_multi = c.call("MULTI") == b"OK"
    if has_multi:
        assert c.call("SET", "x", "1") == b"QUEUED"
    reply = c.call("RESET")
    assert isinstance(reply, resp.SimpleString) and reply == b"RESET"
    info = client_info_fields(c.call("CLIENT", "INFO"))
    assert info["db"] == "0"
    assert info["name"] == ""
    assert info["multi"] == "-1"
    assert info["resp"] == "2"
    assert c.call("CLIENT", "GETNAME") is resp.Null
    if has_multi:
        assert c.call("EXEC") == resp.Error(b"ERR EXEC without MULTI")
    assert r.execute_command("SELECT", 2) and r.exists("x") == 0
    # RESET also returns to RESP2
    assert isinstance(c.call("HELLO", "3"), resp.Map)
    assert c.call("RESET") == b"RESET"
    assert isinstance(c.call("HELLO"), list)
    c.close()


# ------------------------------------------------------------------ SELECT

def test_select_errors(conn):
    assert error_of(conn, "SELECT", "16") == "ERR DB index is out of range"
    assert error_of(conn, "SELECT", "100000") == "ERR DB index is out of range"
    assert error_of(conn, "SELECT", "-1") == "ERR DB index is out of range"
    assert error_of(conn, "SELECT", "1.5") == "ERR value is not an integer or out of range"
    assert conn.call("SELECT", "15") == b"OK"
    assert client_info_fields(conn.call("CLIENT", "INFO"))["db"] == "15"


def test_select_isolated_per_connection(server, r):
    a, b = server.conn(), server.conn()
    a.call("SELECT", "1")
    a.call("SET", "k", "one")
    b.call("SET", "k", "zero")
    assert a.call("GET", "k") == b"one"
    assert b.call("GET", "k") == b"zero"
    a.close()
    b.close()
    r.flushall()


# ------------------------------------------------------------ AUTH

def test_auth_without_password_configured(conn):
    assert error_of(conn, "AUTH", "x") == (
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")
    # the default user is 'nopass': any password is accepted in the 2-arg form
    assert conn.call("AUTH", "default", "whatever") == b"OK"
    assert error_of(conn, "AUTH", "a", "b", "c") == "ERR syntax error"


@pytest.fixture
def auth_server(server):
    return server.start(["--requirepass", "s3cret"])


def test_requirepass(auth_server):
    c = auth_server.conn()
    assert error_of(c, "PING") == NOAUTH
    assert error_of(c, "GET", "a") == NOAUTH
    assert error_of(c, "SET", "a", "b") == NOAUTH
    assert error_of(c, "CLIENT", "ID") == NOAUTH
    assert error_of(c, "SELECT", "1") == NOAUTH
    assert error_of(c, "AUTH", "bad") == WRONGPASS
    assert error_of(c, "AUTH", "default", "bad") == WRONGPASS
    assert error_of(c, "AUTH", "nosuchuser", "s3cret") == WRONGPASS
    assert error_of(c, "PING") == NOAUTH
    assert c.call("AUTH", "s3cret") == b"OK"
    assert c.call("PING") == b"PONG"
    assert c.call("SET", "a", "b") == b"OK"
    assert c.call("AUTH", "default", "s3cret") == b"OK"
    # a failed re-AUTH does not log an authenticated client out
    assert error_of(c, "AUTH", "bad") == WRONGPASS
    assert c.call("GET", "a") == b"b"
    # RESET de-authenticates
    assert c.call("RESET") == b"RESET"
    assert error_of(c, "GET", "a") == NOAUTH
    c.close()
    # QUIT is allowed without auth
    c = auth_server.conn()
    assert c.call("QUIT") == b"OK"
    assert c.is_closed()
    c.close()
    # redis-py with password
    cl = auth_server.client(password="s3cret")
    assert cl.get("a") == b"b"
    cl.close()
    with pytest.raises(redis.ResponseError) as e:
        auth_server.client(password="wrong").ping()
    assert "WRONGPASS" in str(e.value)


def test_hello_before_auth(auth_server):
    c = auth_server.conn()
    assert error_of(c, "HELLO", "3") == (
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
        "the RESP protocol version at the same time")
    assert error_of(c, "HELLO", "3", "AUTH", "default", "bad") == WRONGPASS
    reply = c.call("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "authed")
    assert isinstance(reply, resp.Map)
    assert reply.as_dict()[b"proto"] == 3
    assert c.call("CLIENT", "GETNAME") == b"authed"
    assert c.call("PING") == b"PONG"
    c.close()


def test_unauthenticated_protocol_limits(auth_server):
    c = auth_server.conn()
    c.send(b"*11\r\n")
    assert c.read_reply() == resp.Error(b"ERR Protocol error: unauthenticated multibulk length")
    assert c.is_closed()
    c.close()
    c = auth_server.conn()
    c.send(b"*1\r\n$20000\r\n")
    assert c.read_reply() == resp.Error(b"ERR Protocol error: unauthenticated bulk length")
    assert c.is_closed()
    c.close()
    c = auth_server.conn()
    assert c.call("AUTH", "s3cret") == b"OK"
    big = b"x" * 20000
    assert c.call("SET", "big", big) == b"OK"
    assert c.call("GET", "big") == big
    c.close()


# ------------------------------------------------------------------- HELLO

def test_hello_2(conn, server):
    reply = conn.call("HELLO", "2")
    assert isinstance(reply, list) and len(reply) == 14
    d = dict(zip(reply[::2], reply[1::2]))
    assert set(d) == {b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"}
    assert d[b"proto"] == 2
    assert d[b"id"] == conn.call("CLIENT", "ID")
    assert d[b"mode"] == b"standalone"
    assert d[b"role"] == b"master"
    assert d[b"modules"] == []
    assert re.match(rb"^\d+\.\d+\.\d+", d[b"version"])
    # HELLO without arguments reports the current protocol
    assert dict(zip(*[iter(conn.call("HELLO"))] * 2))[b"proto"] == 2


def test_hello_3(server, r):
    c = server.conn()
    reply = c.call("HELLO", "3")
    assert isinstance(reply, resp.Map)
    d = reply.as_dict()
    assert d[b"proto"] == 3
    assert d[b"server"] == b"redis"  # clients check this; keep it for compatibility
    assert isinstance(d[b"id"], int)
    assert d[b"modules"] == []
    # RESP3 types are now in use
    assert c.call("GET", "nokey") is resp.Null
    assert client_info_fields(c.call("CLIENT", "INFO"))["resp"] == "3"
    # back to 2
    reply = c.call("HELLO", "2")
    assert isinstance(reply, list)
    assert c.call("GET", "nokey") is resp.Null
    c.send_command("GET", "nokey")
    assert c.read_raw(0.3) == b"$-1\r\n"
    c.close()


def test_hello_setname_and_errors(conn):
    reply = conn.call("HELLO", "2", "SETNAME", "viahello")
    assert isinstance(reply, list)
    assert conn.call("CLIENT", "GETNAME") == b"viahello"
    for v in ("4", "0", "1", "-1", "999"):
        assert error_of(conn, "HELLO", v) == "NOPROTO unsupported protocol version"
    assert error_of(conn, "HELLO", "abc") == "ERR Protocol version is not an integer or out of range"
    assert error_of(conn, "HELLO", "2", "FOO") == "ERR Syntax error in HELLO option 'FOO'"
    assert error_of(conn, "HELLO", "2", "SETNAME") == "ERR Syntax error in HELLO option 'SETNAME'"
    assert error_of(conn, "HELLO", "2", "SETNAME", "a b") == \
        "ERR Client names cannot contain spaces, newlines or special characters."
    # a failing HELLO does not switch protocol
    assert error_of(conn, "HELLO", "3", "FOO") == "ERR Syntax error in HELLO option 'FOO'"
    conn.send_command("GET", "nokey")
    assert conn.read_raw(0.3) == b"$-1\r\n"


# ------------------------------------------------------------------ CLIENT

def test_client_id_unique_and_increasing(server, conn):
    ids = []
    conns = [server.conn() for _ in range(5)]
    for c in conns:
        ids.append(c.call("CLIENT", "ID"))
        c.close()
    assert all(isinstance(i, int) and i > 0 for i in ids)
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert conn.call("CLIENT", "ID") == conn.call("CLIENT", "ID")
    assert error_of(conn, "CLIENT", "ID", "x") == "ERR wrong number of arguments for 'client|id' command"


def test_client_info_and_list(server, conn):
    cid = conn.call("CLIENT", "ID")
    info = conn.call("CLIENT", "INFO")
    assert isinstance(info, bytes) and info.endswith(b"\n") and info.count(b"\n") == 1
    f = client_info_fields(info)
    for key in ("id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
                "multi", "qbuf", "obl", "oll", "omem", "events", "cmd", "user", "resp"):
        assert key in f, key
    assert f["id"] == str(cid)
    assert f["laddr"] == "127.0.0.1:%d" % server.port
    assert f["addr"].startswith("127.0.0.1:")
    assert f["cmd"] == "client|info"
    assert f["user"] == "default"
    assert f["flags"] == "N"
    assert f["db"] == "0"
    other = server.conn()
    other_id = other.call("CLIENT", "ID")
    lst = conn.call("CLIENT", "LIST")
    lines = [client_info_fields(l) for l in lst.decode().strip("\n").split("\n")]
    ids = {int(l["id"]) for l in lines}
    assert {cid, other_id} <= ids
    only = conn.call("CLIENT", "LIST", "ID", str(other_id))
    assert only.count(b"\n") == 1 and client_info_fields(only)["id"] == str(other_id)
    two = conn.call("CLIENT", "LIST", "ID", str(other_id), str(cid), "999999")
    assert two.count(b"\n") == 2
    assert conn.call("CLIENT", "LIST", "ID", "999999") == b""
    typed = conn.call("CLIENT", "LIST", "TYPE", "normal")
    assert {cid, other_id} <= {int(client_info_fields(l)["id"]) for l in typed.decode().strip().split("\n")}
    assert error_of(conn, "CLIENT", "LIST", "ID", "abc") == "ERR Invalid client ID"
    assert error_of(conn, "CLIENT", "LIST", "TYPE", "foo") == "ERR Unknown client type 'foo'"
    assert error_of(conn, "CLIENT", "LIST", "FOO") == "ERR syntax error"
    other.close()


def test_client_setname_getname(conn, server):
    assert conn.call("CLIENT", "GETNAME") is resp.Null
    assert conn.call("CLIENT", "SETNAME", "worker-1") == b"OK"
    assert conn.call("CLIENT", "GETNAME") == b"worker-1"
    assert client_info_fields(conn.call("CLIENT", "INFO"))["name"] == "worker-1"
    assert b"name=worker-1 " in conn.call("CLIENT", "LIST")
    for bad in ("a b", "a\nb", "x\x01"):
        assert error_of(conn, "CLIENT", "SETNAME", bad) == \
            "ERR Client names cannot contain spaces, newlines or special characters."
    assert conn.call("CLIENT", "GETNAME") == b"worker-1"
    assert conn.call("CLIENT", "SETNAME", "") == b"OK"  # clears the name
    assert conn.call("CLIENT", "GETNAME") is resp.Null


def test_client_kill_by_id(server, conn):
    victim = server.conn()
    vid = victim.call("CLIENT", "ID")
    assert conn.call("CLIENT", "KILL", "ID", str(vid)) == 1
    assert victim.is_closed()
    victim.close()
    assert conn.call("CLIENT", "KILL", "ID", str(vid)) == 0
    assert error_of(conn, "CLIENT", "KILL", "ID", "abc") == "ERR client-id should be greater than 0"
    assert error_of(conn, "CLIENT", "KILL", "FOO", "bar") == "ERR syntax error"
    # SKIPME defaults to yes for the new form
    me = conn.call("CLIENT", "ID")
    assert conn.call("CLIENT", "KILL", "ID", str(me)) == 0
    assert conn.call("PING") == b"PONG"


def test_client_kill_by_addr(server, conn):
    victim = server.conn()
    addr = client_info_fields(victim.call("CLIENT", "INFO"))["addr"]
    # old form: CLIENT KILL ip:port -> +OK
    assert conn.call("CLIENT", "KILL", addr) == b"OK"
    assert victim.is_closed()
    victim.close()
    assert error_of(conn, "CLIENT", "KILL", addr) == "ERR No such client"
    # new form: CLIENT KILL ADDR ip:port -> count
    victim = server.conn()
    addr = client_info_fields(victim.call("CLIENT", "INFO"))["addr"]
    assert conn.call("CLIENT", "KILL", "ADDR", addr) == 1
    assert victim.is_closed()
    victim.close()
    assert conn.call("CLIENT", "KILL", "ADDR", "1.2.3.4:5") == 0


def test_client_kill_self_old_form(server):
    c = server.conn()
    addr = client_info_fields(c.call("CLIENT", "INFO"))["addr"]
    assert c.call("CLIENT", "KILL", addr) == b"OK"  # reply is delivered before closing
    assert c.is_closed()
    c.close()


def test_client_setinfo(conn):
    # CLIENT SETINFO was added in Redis 7.2. Redis 7.0 rejects it; an
    # implementation that supports it must behave like 7.2.
    reply = conn.call("CLIENT", "SETINFO", "LIB-NAME", "ember-tests")
    if isinstance(reply, resp.Error):
        assert reply == b"ERR unknown subcommand 'SETINFO'. Try CLIENT HELP."
        return
    assert reply == b"OK"
    assert conn.call("CLIENT", "SETINFO", "LIB-VER", "1.0") == b"OK"
    f = client_info_fields(conn.call("CLIENT", "INFO"))
    assert f.get("lib-name") == "ember-tests" and f.get("lib-ver") == "1.0"
    assert isinstance(conn.call("CLIENT", "SETINFO", "FOO", "x"), resp.Error)


def test_client_no_touch(r, conn):
    # CLIENT NO-TOUCH is 7.2 as well; in 7.0 it is an unknown subcommand.
    reply = conn.call("CLIENT", "NO-TOUCH", "ON")
    if isinstance(reply, resp.Error):
        assert reply == b"ERR unknown subcommand 'NO-TOUCH'. Try CLIENT HELP."
        return
    assert reply == b"OK"
    assert conn.call("CLIENT", "NO-TOUCH", "OFF") == b"OK"
    assert isinstance(conn.call("CLIENT", "NO-TOUCH", "MAYBE"), resp.Error)


def test_client_no_evict(conn):
    assert conn.call("CLIENT", "NO-EVICT", "ON") == b"OK"
    assert "e" in client_info_fields(conn.call("CLIENT", "INFO"))["flags"]
    assert conn.call("CLIENT", "NO-EVICT", "off") == b"OK"
    assert "e" not in client_info_fields(conn.call("CLIENT", "INFO"))["flags"]
    assert error_of(conn, "CLIENT", "NO-EVICT", "maybe") == "ERR syntax error"


def test_client_reply_off_on_skip(conn, r):
    # OFF: no replies at all (not even for CLIENT REPLY OFF itself)
    conn.send_command("CLIENT", "REPLY", "OFF")
    conn.send_command("SET", "a", "1")
    conn.send_command("GET", "a")
    conn.send_command("NOSUCHCOMMAND")
    assert conn.read_raw(0.3) == b""
    assert r.get("a") == b"1"  # but commands are executed
    # ON: acknowledged with +OK
    assert conn.call("CLIENT", "REPLY", "ON") == b"OK"
    # SKIP: suppresses the reply of the next command only
    conn.send_command("CLIENT", "REPLY", "SKIP")
    conn.send_command("SET", "b", "2")
    conn.send_command("GET", "b")
    assert conn.read_reply() == b"2"
    assert conn.read_raw(0.2) == b""
    assert error_of(conn, "CLIENT", "REPLY", "foo") == "ERR syntax error"


def test_client_unknown_subcommand(conn):
    assert error_of(conn, "CLIENT", "FOO") == "ERR unknown subcommand 'FOO'. Try CLIENT HELP."
    assert error_of(conn, "CLIENT") == "ERR wrong number of arguments for 'client' command"
    help_lines = conn.call("CLIENT", "HELP")
    assert isinstance(help_lines, list) and help_lines[0].startswith(b"CLIENT <subcommand>")


def test_idle_clients_are_counted(server, conn):
    conns = [server.conn() for _ in range(5)]
    for c in conns:
        c.call("PING")
    lines = conn.call("CLIENT", "LIST").decode().strip().split("\n")
    assert len(lines) >= 6
    for c in conns:
        c.close()
    wait_until(lambda: len(conn.call("CLIENT", "LIST").decode().strip().split("\n")) <= len(lines) - 5,
               msg="closed connections to disappear from CLIENT LIST")
