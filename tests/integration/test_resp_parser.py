"""Self-test of the raw RESP helper (no server involved)."""

import socket

import pytest

import resp


def parse_all(data, n=1):
    a, b = socket.socketpair()
    try:
        c = resp.Conn.__new__(resp.Conn)
        c.sock, c.buf, c.pos, c.last_attributes, c.timeout = a, bytearray(), 0, None, 2
        a.settimeout(2)
        b.sendall(data)
        return [c.read_reply() for _ in range(n)], c
    finally:
        b.close()


@pytest.mark.parametrize("data,expected", [
    (b"+OK\r\n", b"OK"),
    (b"-ERR x y\r\n", resp.Error(b"ERR x y")),
    (b":-42\r\n", -42),
    (b"$0\r\n\r\n", b""),
    (b"$4\r\na\r\nb\r\n", b"a\r\nb"),
    (b"$-1\r\n", resp.Null),
    (b"*-1\r\n", resp.Null),
    (b"*0\r\n", []),
    (b"*2\r\n:1\r\n*1\r\n$1\r\nx\r\n", [1, [b"x"]]),
    (b"_\r\n", resp.Null),
    (b",1.5\r\n", 1.5),
    (b",inf\r\n", float("inf")),
    (b",-inf\r\n", float("-inf")),
    (b"#t\r\n", resp.Boolean(True)),
    (b"#f\r\n", resp.Boolean(False)),
    (b"!5\r\nERR x\r\n", resp.BlobError(b"ERR x")),
    (b"=8\r\ntxt:abcd\r\n", b"abcd"),
    (b"(123456789012345678901234567890\r\n", 123456789012345678901234567890),
    (b"%1\r\n+a\r\n:1\r\n", [(b"a", 1)]),
    (b"~2\r\n:1\r\n:2\r\n", [1, 2]),
    (b">2\r\n+message\r\n+x\r\n", [b"message", b"x"]),
    (b"|1\r\n+ttl\r\n:5\r\n+value\r\n", b"value"),
])
def test_parse(data, expected):
    (reply,), c = parse_all(data)
    assert reply == expected
    assert type(reply) is not None


def test_types_and_attributes():
    replies, c = parse_all(b"%1\r\n+a\r\n:1\r\n~1\r\n:1\r\n>1\r\n:1\r\n=7\r\nmkd:# x\r\n|1\r\n+k\r\n+v\r\n:7\r\n", 5)
    m, s, p, v, i = replies
    assert isinstance(m, resp.Map) and m.as_dict() == {b"a": 1}
    assert isinstance(s, resp.Set)
    assert isinstance(p, resp.Push)
    assert isinstance(v, resp.Verbatim) and v.fmt == b"mkd" and v == b"# x"
    assert i == 7 and c.last_attributes == [(b"k", b"v")]


def test_encode_command():
    assert resp.encode_command("SET", b"k\x00", 12, 1.5) == \
        b"*4\r\n$3\r\nSET\r\n$2\r\nk\x00\r\n$2\r\n12\r\n$3\r\n1.5\r\n"
