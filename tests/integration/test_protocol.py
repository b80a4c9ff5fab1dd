"""Wire protocol: inline commands, pipelining, fragmentation, big payloads,
protocol errors, unknown commands, RESP3 encodings."""

import time

import pytest

import resp
from helpers import error_of


def raw_exchange(server, data, expected_len=None, wait=0.3):
    """Send raw bytes on a fresh connection and return what comes back.

    With expected_len, returns as soon as that many bytes arrived (plus a short
    check that nothing else follows)."""
    c = server.conn()
    c.send(data)
    if expected_len is None:
        out = c.read_raw(wait)
    else:
        out = c.read_bytes(expected_len) + c.read_raw(0.02)
    c.close()
    return out


def exchange_is(server, data, expected):
    return raw_exchange(server, data, len(expected)) == expected


def expect_bytes(c, expected, what=None):
    """Read exactly len(expected) raw bytes and compare."""
    got = c.read_bytes(len(expected))
    assert got == expected, what


# ------------------------------------------------------------------ inline

def test_inline_ping(server):
    assert exchange_is(server, b"PING\r\n", b"+PONG\r\n")
    assert exchange_is(server, b"ping\n", b"+PONG\r\n")  # bare LF is accepted
    assert exchange_is(server, b"   PING   \r\n", b"+PONG\r\n")
    assert exchange_is(server, b"\r\n\r\n\nPING\r\n", b"+PONG\r\n")  # empty lines ignored


def test_inline_set_get(server, r):
    assert exchange_is(server, b"SET k v\n", b"+OK\r\n")
    assert r.get("k") == b"v"
    assert exchange_is(server, b"SET  k2   spaced\r\nGET k2\r\n", b"+OK\r\n$6\r\nspaced\r\n")


def test_inline_quoting(server, r):
    assert exchange_is(server, b'SET k "a b"\r\n', b"+OK\r\n")
    assert r.get("k") == b"a b"
    assert exchange_is(server, b"SET k 'it\\'s'\r\n", b"+OK\r\n")
    assert r.get("k") == b"it's"
    # escapes inside double quotes
    assert exchange_is(server, b'SET k "a\\x41b\\n\\t\\"q\\\\"\r\n', b"+OK\r\n")
    assert r.get("k") == b'aAb\n\t"q\\'
    assert exchange_is(server, b'SET k ""\r\n', b"+OK\r\n")
    assert r.get("k") == b""
    assert exchange_is(server, b'ECHO "\\x00\\xff"\r\n', b"$2\r\n\x00\xff\r\n")


def test_inline_unbalanced_quotes(server):
    c = server.conn()
    c.send(b'SET k "a b\r\n')
    assert c.read_reply() == resp.Error(b"ERR Protocol error: unbalanced quotes in request")
    assert c.is_closed()
    c.close()
    c = server.conn()
    c.send(b'SET k "a"b\r\n')  # closing quote must be followed by a space
    assert c.read_reply() == resp.Error(b"ERR Protocol error: unbalanced quotes in request")
    assert c.is_closed()
    c.close()


def test_inline_too_big(server):
    c = server.conn()
    c.send(b"x" * (70 * 1024))  # no newline, more than 64k
    assert c.read_reply() == resp.Error(b"ERR Protocol error: too big inline request")
    assert c.is_closed()
    c.close()


def test_mixed_inline_and_multibulk(server):
    data = b"SET a 1\r\n" + resp.encode_command("INCR", "a") + b"GET a\r\n" + resp.encode_command("GET", "a")
    assert exchange_is(server, data, b"+OK\r\n:2\r\n$1\r\n2\r\n$1\r\n2\r\n")


# -------------------------------------------------------------- pipelining

def test_pipeline_10000_in_one_send(server, r):
    c = server.conn()
    payload = b"".join(resp.encode_command("INCR", "counter") for _ in range(10000))
    c.send(payload)
    for i in range(1, 10001):
        assert c.read_reply() == i
    assert c.read_raw(0.1) == b""
    c.close()
    assert r.get("counter") == b"10000"


def test_pipeline_mixed_replies_order(server):
    c = server.conn()
    cmds = []
    for i in range(2000):
        cmds.append(resp.encode_command("SET", "k%d" % i, "v%d" % i))
        cmds.append(resp.encode_command("GET", "k%d" % i))
        cmds.append(resp.encode_command("GET", "missing"))
        cmds.append(resp.encode_command("NOSUCHCMD"))
    c.send(b"".join(cmds))
    for i in range(2000):
        assert c.read_reply() == b"OK"
        assert c.read_reply() == b"v%d" % i
        assert c.read_reply() is resp.Null
        assert isinstance(c.read_reply(), resp.Error)
    c.close()


def test_pipeline_large_replies_with_slow_reader(server, r):
    # Replies far larger than the socket buffers: the server must buffer and
    # keep going once the client starts reading.
    r.set("blob", b"z" * 100000)
    c = server.conn()
    c.send(b"".join(resp.encode_command("GET", "blob") for _ in range(300)))  # ~30 MB of replies
    time.sleep(0.3)
    for _ in range(300):
        assert len(c.read_reply()) == 100000
    assert c.call("PING") == b"PONG"
    c.close()


# ----------------------------------------------------------- fragmentation

def test_partial_writes_one_byte_at_a_time(server, r):
    c = server.conn()
    data = resp.encode_command("SET", "frag", "hello world")
    for i, byte in enumerate(data):
        c.send(bytes([byte]))
        if i % 7 == 0:
            time.sleep(0.001)
    assert c.read_reply() == b"OK"
    data = resp.encode_command("GET", "frag")
    for byte in data[:-1]:
        c.send(bytes([byte]))
    assert c.read_raw(0.2) == b""  # nothing until the command is complete
    c.send(data[-1:])
    assert c.read_reply() == b"hello world"
    for byte in b"ECHO inline\r\n":
        c.send(bytes([byte]))
        time.sleep(0.001)
    assert c.read_reply() == b"inline"
    c.close()


def test_split_in_every_position(server):
    c = server.conn()
    data = resp.encode_command("SET", "sp", "x\r\ny") + resp.encode_command("GET", "sp")
    for cut in range(1, len(data)):
        c.send(data[:cut])
        time.sleep(0.002)
        c.send(data[cut:])
        assert c.read_reply() == b"OK"
        assert c.read_reply() == b"x\r\ny"
    c.close()


@pytest.mark.timeout(60)
def test_100mb_value_in_pieces(server, r):
    size = 100 * 1024 * 1024
    chunk = (b"0123456789" * 104858)[: 1024 * 1024]
    c = server.conn(timeout=30)
    c.send(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % size)
    for _ in range(size // len(chunk)):
        c.send(chunk)
    assert c.read_raw(0.05) == b""  # still waiting for the trailing CRLF
    c.send(b"\r\n")
    assert c.read_reply(timeout=30) == b"OK"
    assert c.call("STRLEN", "big") == size
    assert c.call("GETRANGE", "big", size - 10, size - 1) == chunk[-10:]
    value = c.call("GET", "big", timeout=30)
    assert len(value) == size and value[: len(chunk)] == chunk and value[-len(chunk):] == chunk
    del value
    assert c.call("DEL", "big") == 1
    c.close()


# --------------------------------------------------------- protocol errors

PROTOCOL_ERRORS = [
    (b"*abc\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*1 \r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*2147483648\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*1\r\n$abc\r\n", b"ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$-5\r\n", b"ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$600000000\r\n", b"ERR Protocol error: invalid bulk length"),  # > proto-max-bulk-len
    (b"*1\r\nPING\r\n", b"ERR Protocol error: expected '$', got 'P'"),
    (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n:1\r\n", b"ERR Protocol error: expected '$', got ':'"),
    (b'SET k "a b\r\n', b"ERR Protocol error: unbalanced quotes in request"),
]


@pytest.mark.parametrize("data,error", PROTOCOL_ERRORS, ids=[repr(d[:20]) for d, _ in PROTOCOL_ERRORS])
def test_protocol_error_replies_once_and_closes(server, data, error):
    bystander = server.conn()
    assert bystander.call("SET", "bystander", "ok") == b"OK"
    c = server.conn()
    c.send(data)
    assert c.read_reply() == resp.Error(error)
    assert c.is_closed(), "connection should be closed after a protocol error"
    c.close()
    # other clients are unaffected
    assert bystander.call("GET", "bystander") == b"ok"
    assert bystander.call("PING") == b"PONG"
    bystander.close()


def test_commands_before_protocol_error_are_executed(server, r):
    c = server.conn()
    c.send(b"SET before 1\r\n*abc\r\nSET after 1\r\n")
    assert c.read_reply() == b"OK"
    assert c.read_reply() == resp.Error(b"ERR Protocol error: invalid multibulk length")
    assert c.is_closed()
    c.close()
    assert r.get("before") == b"1"
    assert r.exists("after") == 0


def test_nonpositive_multibulk_length_is_ignored(server):
    # *0, *-1, *-5 are silently skipped (no reply, connection kept)
    assert exchange_is(server, b"*-5\r\nPING\r\n", b"+PONG\r\n")
    assert exchange_is(server, b"*0\r\n*-1\r\nPING\r\n", b"+PONG\r\n")


def test_max_bulk_len_boundary_accepted(server):
    # exactly proto-max-bulk-len (512MB) is a valid header: the server waits for data
    c = server.conn()
    c.send(b"*1\r\n$536870912\r\n")
    assert c.read_raw(0.3) == b""
    assert not c.is_closed(0.2)
    c.close()


def test_bulk_payload_with_crlf_inside(server, r):
    c = server.conn()
    c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\n\r\n\r\n\r\n\r\n")
    assert c.read_reply() == b"OK"
    c.close()
    assert r.get("k") == b"\r\n\r\n\r\n"


# -------------------------------------------------------- unknown commands

def test_unknown_command_messages(conn):
    assert error_of(conn, "foo", "a", "b") == "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
    assert error_of(conn, "foo") == "ERR unknown command 'foo', with args beginning with: "
    assert error_of(conn, "FOO", "x") == "ERR unknown command 'FOO', with args beginning with: 'x' "
    assert error_of(conn, "") == "ERR unknown command '', with args beginning with: "
    # arguments are quoted and cut after 128 characters in total
    assert error_of(conn, "foo", "a" * 200, "b") == \
        "ERR unknown command 'foo', with args beginning with: '%s' " % ("a" * 128)
    # the connection survives
    assert conn.call("PING") == b"PONG"


def test_unknown_command_inline(server):
    assert exchange_is(server, b"foo a b\r\n",
                       b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n")


def test_unknown_subcommand(conn):
    assert error_of(conn, "CONFIG", "NOPE") == "ERR unknown subcommand 'NOPE'. Try CONFIG HELP."


# ------------------------------------------------------------------- RESP3

def test_resp3_hello_map(server, r):
    c = server.conn()
    c.send_command("HELLO", "3")
    raw = c.read_bytes(200, timeout=0.5)
    assert raw.startswith(b"%7\r\n$6\r\nserver\r\n")
    assert b"$5\r\nproto\r\n:3\r\n" in raw
    c.close()


def test_resp3_null_and_basic_types(r3):
    r3.send_command("GET", "nokey")
    expect_bytes(r3, b"_\r\n")
    r3.send_command("SET", "k", "v")
    expect_bytes(r3, b"+OK\r\n")
    r3.send_command("GET", "k")
    expect_bytes(r3, b"$1\r\nv\r\n")
    r3.send_command("EXISTS", "k")
    expect_bytes(r3, b":1\r\n")
    r3.send_command("MGET", "k", "nokey")
    expect_bytes(r3, b"*2\r\n$1\r\nv\r\n_\r\n")
    r3.send_command("SET", "k", "x", "NX")
    expect_bytes(r3, b"_\r\n")
    r3.send_command("OBJECT", "ENCODING", "nokey")
    expect_bytes(r3, b"_\r\n")
    assert r3.call("NOSUCH").startswith(b"ERR unknown command")


def test_resp3_incrbyfloat_is_bulk_string(r3):
    # Redis 7.0 replies to INCRBYFLOAT with a bulk string even in RESP3
    r3.send_command("INCRBYFLOAT", "f", "1.5")
    expect_bytes(r3, b"$3\r\n1.5\r\n")


def test_resp3_map_replies(r3):
    reply = r3.call("CONFIG", "GET", "maxmemory")
    assert isinstance(reply, resp.Map) and reply == [(b"maxmemory", b"0")]
    r3.send_command("CONFIG", "GET", "nosuchparam")
    expect_bytes(r3, b"%0\r\n")


def test_resp3_verbatim_strings(r3):
    info = r3.call("INFO", "server")
    assert isinstance(info, resp.Verbatim) and info.fmt == b"txt"
    assert info.startswith(b"# Server\r\n")
    ci = r3.call("CLIENT", "INFO")
    assert isinstance(ci, resp.Verbatim) and ci.fmt == b"txt" and b"resp=3" in ci
    cl = r3.call("CLIENT", "LIST")
    assert isinstance(cl, resp.Verbatim) and cl.fmt == b"txt"


def test_resp3_other_families(r3):
    reply = r3.call("HSET", "h", "f", "v")
    if isinstance(reply, resp.Error) and b"unknown command" in reply:
        pytest.skip("no hashes")
    r3.send_command("HGETALL", "nokey")
    expect_bytes(r3, b"%0\r\n")
    assert r3.call("HGETALL", "h") == [(b"f", b"v")]
    r3.call("SADD", "s", "a")
    r3.send_command("SMEMBERS", "s")
    expect_bytes(r3, b"~1\r\n$1\r\na\r\n")
    r3.call("ZADD", "z", "1.5", "a")
    r3.send_command("ZSCORE", "z", "a")
    expect_bytes(r3, b",1.5\r\n")


DEBUG_PROTOCOL_RESP3 = {
    "string": b"$11\r\nHello World\r\n",
    "integer": b":12345\r\n",
    "double": b",3.141\r\n",
    "bignum": b"(1234567999999999999999999999999999999\r\n",
    "null": b"_\r\n",
    "array": b"*3\r\n:0\r\n:1\r\n:2\r\n",
    "set": b"~3\r\n:0\r\n:1\r\n:2\r\n",
    "map": b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n",
    "attrib": b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
              b"$39\r\nSome real reply following the attribute\r\n",
    "push": b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n",
    "verbatim": b"=29\r\ntxt:This is a verbatim\nstring\r\n",
    "true": b"#t\r\n",
    "false": b"#f\r\n",
}

DEBUG_PROTOCOL_RESP2 = {
    "double": b"$5\r\n3.141\r\n",
    "bignum": b"$37\r\n1234567999999999999999999999999999999\r\n",
    "null": b"$-1\r\n",
    "set": b"*3\r\n:0\r\n:1\r\n:2\r\n",
    "map": b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
    "attrib": b"$39\r\nSome real reply following the attribute\r\n",
    "push": b"-ERR RESP2 is not supported by this command\r\n",
    "verbatim": b"$25\r\nThis is a verbatim\nstring\r\n",
    "true": b":1\r\n",
    "false": b":0\r\n",
}


def test_debug_protocol_resp3_encodings(r3):
    for name, expected in DEBUG_PROTOCOL_RESP3.items():
        r3.send_command("DEBUG", "PROTOCOL", name)
        expect_bytes(r3, expected, name)
    # and our parser understands each of them
    assert r3.call("DEBUG", "PROTOCOL", "true") == resp.Boolean(True)
    assert r3.call("DEBUG", "PROTOCOL", "false") == resp.Boolean(False)
    assert r3.call("DEBUG", "PROTOCOL", "double") == 3.141
    assert isinstance(r3.call("DEBUG", "PROTOCOL", "bignum"), resp.BigNumber)
    assert r3.call("DEBUG", "PROTOCOL", "map").as_dict() == {0: resp.Boolean(False), 1: resp.Boolean(True),
                                                             2: resp.Boolean(False)}
    assert r3.call("DEBUG", "PROTOCOL", "attrib") == b"Some real reply following the attribute"
    assert r3.last_attributes == [(b"key-popularity", [b"key:123", 90])]
    push = r3.call("DEBUG", "PROTOCOL", "push")
    assert isinstance(push, resp.Push) and push == [b"server-cpu-usage", 42]
    assert r3.read_reply() == b"Some real reply following the push reply"


def test_debug_protocol_resp2_downgrades(conn):
    for name, expected in DEBUG_PROTOCOL_RESP2.items():
        conn.send_command("DEBUG", "PROTOCOL", name)
        expect_bytes(conn, expected, name)
    assert error_of(conn, "DEBUG", "PROTOCOL", "foo") == (
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")


# ------------------------------------------------------ many connections

def test_many_concurrent_connections(server):
    conns = [server.conn() for _ in range(200)]
    for i, c in enumerate(conns):
        c.send_command("SET", "c%d" % i, i)
    for c in conns:
        assert c.read_reply() == b"OK"
    for i, c in enumerate(conns):
        assert c.call("GET", "c%d" % i) == str(i).encode()
    for c in conns:
        c.close()


def test_client_disconnect_mid_command(server, r):
    c = server.conn()
    c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc")
    c.close()
    c = server.conn()
    c.send(resp.encode_command("SET", "x"))  # wrong arity, then close immediately
    c.close()
    time.sleep(0.1)
    assert r.exists("k") == 0
    assert r.ping()


def test_resp3_with_redis_py_client(r3py):
    # Only runs with redis-py >= 5 (RESP3-capable); otherwise skipped.
    r3py.set("k", "v")
    assert r3py.get("k") == b"v"
    assert r3py.get("nokey") is None
    assert r3py.config_get("maxmemory") == {b"maxmemory": b"0"} or r3py.config_get("maxmemory") == {"maxmemory": "0"}
