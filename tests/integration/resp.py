"""Minimal raw RESP2/RESP3 client used by the integration tests.

It deliberately does not depend on redis-py so that tests can send arbitrary
(also malformed) bytes and inspect the exact wire-level reply types.

Parsed reply representation:

    +OK            -> SimpleString(b"OK")            (subclass of bytes)
    -ERR x         -> Error(b"ERR x")                (instance, not raised)
    :1             -> int
    $3 abc         -> bytes;  $-1 -> Null (RESP2 null bulk)
    *2 ...         -> list;   *-1 -> Null (RESP2 null array)
    _              -> Null
    ,1.5           -> Double(1.5)                    (subclass of float)
    #t / #f        -> Boolean                        (True / False)
    !N err         -> BlobError(b"...")              (Error subclass)
    =N txt:abc     -> Verbatim(b"abc", fmt=b"txt")   (bytes subclass)
    (123           -> BigNumber(123)                 (int subclass)
    %N k v ...     -> Map([(k, v), ...])             (list of pairs, keeps order)
    ~N ...         -> Set([...])                     (list subclass)
    >N ...         -> Push([...])                    (list subclass)
    |N k v ... X   -> Attribute pairs are stored on the following reply as
                      `reply_attributes` on the Conn (last_attributes).
"""

import socket
import time


class ProtocolError(Exception):
    pass


class SimpleString(bytes):
    def __repr__(self):
        return "SimpleString(%s)" % bytes.__repr__(self)


class Error(bytes):
    def __repr__(self):
        return "Error(%s)" % bytes.__repr__(self)


class BlobError(Error):
    pass


class Verbatim(bytes):
    fmt = b""

    def __new__(cls, data, fmt):
        obj = bytes.__new__(cls, data)
        obj.fmt = fmt
        return obj


class Double(float):
    pass


class BigNumber(int):
    pass


class Boolean:
    def __init__(self, v):
        self.value = bool(v)

    def __bool__(self):
        return self.value

    def __eq__(self, other):
        if isinstance(other, Boolean):
            return self.value == other.value
        if isinstance(other, bool):
            return self.value == other
        return NotImplemented

    def __hash__(self):
        return hash(self.value)

    def __repr__(self):
        return "Boolean(%r)" % self.value


class _NullType:
    _inst = None

    def __new__(cls):
        if cls._inst is None:
            cls._inst = object.__new__(cls)
        return cls._inst

    def __bool__(self):
        return False

    def __repr__(self):
        return "Null"


Null = _NullType()


class Map(list):
    """Ordered list of (key, value) pairs."""

    def as_dict(self):
        return dict(self)


class Set(list):
    pass


class Push(list):
    pass


class Conn:
    """A raw connection to a RESP server."""

    def __init__(self, host="127.0.0.1", port=6379, timeout=10.0):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(timeout)
        self.buf = bytearray()
        self.pos = 0
        self.last_attributes = None

    # ----------------------------------------------------------------- io
    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def send_command(self, *args):
        self.send(encode_command(*args))

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("connection closed by server")
        if self.pos > (1 << 20) and self.pos > len(self.buf) // 2:
            del self.buf[: self.pos]
            self.pos = 0
        self.buf += chunk

    def _readline(self):
        while True:
            idx = self.buf.find(b"\r\n", self.pos)
            if idx >= 0:
                line = bytes(self.buf[self.pos:idx])
                self.pos = idx + 2
                return line
            self._fill()

    def _readexact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        if self.buf[self.pos + n:self.pos + n + 2] != b"\r\n":
            raise ProtocolError("bulk payload not terminated by CRLF")
        self.pos += n + 2
        return data

    # -------------------------------------------------------------- parse
    def read_reply(self, timeout=None):
        """Read and parse exactly one reply."""
        if timeout is not None:
            old = self.sock.gettimeout()
            self.sock.settimeout(timeout)
        try:
            self.last_attributes = None
            return self._parse()
        finally:
            if timeout is not None:
                self.sock.settimeout(old)

    def _parse(self):
        line = self._readline()
        if not line:
            raise ProtocolError("empty line")
        t, rest = line[:1], line[1:]
        if t == b"+":
            return SimpleString(rest)
        if t == b"-":
            return Error(rest)
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return Null
            return self._readexact(n)
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return Null
            items = [self._parse() for _ in range(n)]
            if t == b"~":
                return Set(items)
            if t == b">":
                return Push(items)
            return items
        if t == b"%":
            n = int(rest)
            return Map((self._parse(), self._parse()) for _ in range(n))
        if t == b"|":
            n = int(rest)
            attrs = Map((self._parse(), self._parse()) for _ in range(n))
            value = self._parse()
            self.last_attributes = attrs
            return value
        if t == b"_":
            return Null
        if t == b",":
            s = rest.decode().lower()
            if s in ("inf", "+inf"):
                return Double(float("inf"))
            if s == "-inf":
                return Double(float("-inf"))
            return Double(float(s))
        if t == b"#":
            if rest == b"t":
                return Boolean(True)
            if rest == b"f":
                return Boolean(False)
            raise ProtocolError("bad boolean %r" % rest)
        if t == b"!":
            return BlobError(self._readexact(int(rest)))
        if t == b"=":
            data = self._readexact(int(rest))
            return Verbatim(data[4:], data[:3])
        if t == b"(":
            return BigNumber(int(rest))
        raise ProtocolError("unknown reply type %r in line %r" % (t, line))

    # ---------------------------------------------------------- helpers
    def call(self, *args, timeout=None):
        self.send_command(*args)
        return self.read_reply(timeout=timeout)

    def read_raw(self, timeout=0.5):
        """Return whatever bytes arrive within `timeout` (unparsed)."""
        out = bytes(self.buf[self.pos:])
        self.buf.clear()
        self.pos = 0
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
        finally:
            self.sock.settimeout(old)
        return out

    def read_bytes(self, n, timeout=5.0):
        """Return exactly `n` raw bytes (fewer only on timeout or EOF)."""
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        try:
            while len(self.buf) - self.pos < n and time.monotonic() < deadline:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.buf += chunk
        except socket.timeout:
            pass
        finally:
            self.sock.settimeout(old)
        out = bytes(self.buf[self.pos:self.pos + n])
        self.pos += len(out)
        return out

    def is_closed(self, timeout=2.0):
        """True if the peer closed the connection (EOF or reset) in time."""
        if len(self.buf) > self.pos:
            return False
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
                return False
            return False
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
        finally:
            self.sock.settimeout(old)


def _arg(a):
    if isinstance(a, bytes):
        return a
    if isinstance(a, (bytearray, memoryview)):
        return bytes(a)
    if isinstance(a, float):
        return repr(a).encode()
    return str(a).encode()


def encode_command(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        b = _arg(a)
        parts.append(b"$%d\r\n" % len(b))
        parts.append(b)
        parts.append(b"\r\n")
    return b"".join(parts)


def connect(host, port, timeout=10.0):
    return Conn(host, port, timeout=timeout)
