#!/usr/bin/python3
"""Differential test: Ember vs redis-server (Redis 7.0 is the spec).

Both servers are started on free 127.0.0.1 ports with their own temporary
--dir.  A seeded random script of string / keyspace / expiry commands is sent
to both over raw sockets, one command at a time, and the raw RESP reply bytes
are compared.  Replies that legitimately differ between implementations are
normalised first:

  * KEYS                       -> compared as a sorted list of elements
  * SCAN                       -> a full iteration is run on both servers and
                                  the *sets* of returned keys are compared
  * RANDOMKEY                  -> exact only when DBSIZE <= 1, otherwise both
                                  must return a (non-nil) bulk string
  * TTL / EXPIRETIME           -> +-1 s tolerance
  * PTTL / PEXPIRETIME         -> +-1500 ms tolerance

Usage:
  pytest tests/diff/diff_test.py
  /usr/bin/python3 tests/diff/diff_test.py --seed 7 --commands 5000 [--seeds 3]

Environment:
  EMBER_BIN     binary under test   (default <repo>/build/ember-server)
  REDIS_BIN     oracle              (default /usr/bin/redis-server)
  DIFF_SEEDS    pytest: comma separated seed list (default 1,2,3,4,5,6,7,8)
  DIFF_COMMANDS pytest: commands per seed (default 5000)

Validate the harness itself with EMBER_BIN=/usr/bin/redis-server: Redis vs
Redis must produce zero differences.
"""

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_EMBER = os.path.join(REPO, "build", "ember-server")
DEFAULT_REDIS = "/usr/bin/redis-server"
MAX_REPORTED = 50

# ---------------------------------------------------------------------------
# RESP client (raw bytes + parsed value)
# ---------------------------------------------------------------------------


class ServerGone(Exception):
    pass


def encode_command(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode("latin-1")  # str chars map 1:1 to bytes (\xff -> 0xff)
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Reply:
    """One parsed reply. kind is the RESP type byte, value depends on kind:
    '+' '-' -> bytes, ':' -> int, '$' -> bytes or None,
    '*' -> list of Reply or None; other RESP3 types -> raw payload."""

    __slots__ = ("raw", "kind", "value")

    def __init__(self, raw, kind, value):
        self.raw = raw
        self.kind = kind
        self.value = value

    def is_error(self):
        return self.kind == "-"

    def __repr__(self):
        return fmt_bytes(self.raw)


class Conn:
    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _fill(self):
        try:
            chunk = self.sock.recv(1 << 16)
        except socket.timeout:
            raise ServerGone("timeout waiting for reply")
        except OSError as e:
            raise ServerGone("socket error: %s" % e)
        if not chunk:
            raise ServerGone("connection closed by server")
        self.buf += chunk

    def _line(self):
        while True:
            idx = self.buf.find(b"\r\n", self.pos)
            if idx >= 0:
                line = bytes(self.buf[self.pos : idx])
                self.pos = idx + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos : self.pos + n])
        if self.buf[self.pos + n : self.pos + n + 2] != b"\r\n":
            raise ServerGone("protocol error: bulk not terminated by CRLF")
        self.pos += n + 2
        return data

    def read_reply(self):
        # compact only at reply boundaries so offsets stay valid while parsing
        if self.pos == len(self.buf):
            self.buf.clear()
            self.pos = 0
        elif self.pos > (1 << 20):
            del self.buf[: self.pos]
            self.pos = 0
        start = self.pos
        try:
            kind, value = self._parse()
        except ValueError as e:  # bad length / integer: stream is out of sync
            raise ServerGone("protocol error: %s near %s" % (e, fmt_bytes(self.buf[start : start + 80])))
        return Reply(bytes(self.buf[start : self.pos]), kind, value)

    def _parse(self):
        line = self._line()
        if not line:
            raise ServerGone("protocol error: empty line")
        t = chr(line[0])
        rest = line[1:]
        if t in "+-":
            return t, rest
        if t == ":":
            return t, int(rest)
        if t in "$=!":
            n = int(rest)
            if n < 0:
                return t, None
            return t, self._exact(n)
        if t in "*~>%|":
            n = int(rest)
            if n < 0:
                return t, None
            if t in "%|":
                n *= 2
            items = []
            for _ in range(n):
                s = self.pos
                k, v = self._parse()
                items.append(Reply(bytes(self.buf[s : self.pos]), k, v))
            return t, items
        if t in "_,#(":
            return t, rest
        raise ServerGone("protocol error: unknown type byte %r" % line[:20])

    def call(self, args):
        try:
            self.sock.sendall(encode_command(args))
        except OSError as e:
            raise ServerGone("send failed: %s" % e)
        return self.read_reply()


def fmt_bytes(b, limit=300):
    if b is None:
        return "None"
    if isinstance(b, (list, tuple)):
        return "[" + ", ".join(fmt_bytes(x, 60) for x in b[:20]) + (", ..." if len(b) > 20 else "") + "]"
    if isinstance(b, str):
        b = b.encode("latin-1")
    r = repr(bytes(b[:limit]))
    if len(b) > limit:
        r += "...(%d bytes)" % len(b)
    return r


# ---------------------------------------------------------------------------
# Server processes
# ---------------------------------------------------------------------------


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, binary, name, extra_args=()):
        self.binary = binary
        self.name = name
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.dir = None
        self.log_path = None

    def args(self):
        a = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir]
        if "ember" in os.path.basename(self.binary):
            a += ["--threads", "2"]
        else:
            a += ["--save", "", "--appendonly", "no"]
        return a + self.extra_args

    def start(self, attempts=3):
        last = None
        for _ in range(attempts):
            self.dir = tempfile.mkdtemp(prefix="ember-diff-%s-" % self.name)
            self.port = free_port()
            self.log_path = os.path.join(self.dir, "server.log")
            log = open(self.log_path, "wb")
            self.proc = subprocess.Popen(self.args(), stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)
            log.close()
            deadline = time.time() + 10
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    c = Conn(self.port, timeout=2)
                    r = c.call(["PING"])
                    c.close()
                    if r.raw == b"+PONG\r\n":
                        return
                except (OSError, ServerGone):
                    pass
                time.sleep(0.05)
            last = self.log_tail()
            self.stop()
        raise RuntimeError("could not start %s (%s):\n%s" % (self.name, self.binary, last))

    def log_tail(self, n=2000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()  # signals this child's PID only
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self.proc = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


def start_servers():
    ember_bin = os.environ.get("EMBER_BIN", DEFAULT_EMBER)
    redis_bin = os.environ.get("REDIS_BIN", DEFAULT_REDIS)
    ember = Server(ember_bin, "ember")
    redis = Server(redis_bin, "redis")
    try:
        ember.start()
        redis.start()
    except Exception:
        ember.stop()
        redis.stop()
        raise
    return ember, redis


# ---------------------------------------------------------------------------
# Random command generation
# ---------------------------------------------------------------------------

MAIN_KEYS = ["k%d" % i for i in range(12)]
ODD_KEYS = ["", "a b", "k\x00\r\n", "\xff\xfe\x80", "{tag}k", "k*", "k?", "counter"]
ALL_KEYS = MAIN_KEYS + ODD_KEYS  # 20 keys

INT_EDGES = [
    "0", "1", "-1", "10", "100", "-100", "9223372036854775807", "-9223372036854775808",
    "9223372036854775808", "-9223372036854775809", "9223372036854775806",
    "-9223372036854775807", "18446744073709551616", "99999999999999999999",
    " 1", "1 ", "+1", "01", "-0", "00", "1e3", "0x10", "", "abc", "3.0", "-", "1\x00",
]
FLOAT_EDGES = [
    "1.5", "-0.5", "0.1", "1e308", "-1e308", "1.7976931348623157e308", "inf", "-inf",
    "+inf", "Infinity", "nan", "-nan", "1e-300", "5e-324", "3.0e2", "1e400", "-1e400",
    " 1", "1 ", "1.", ".5", "17.5", "0x1p3", "0x10", "1e", "", "abc", "10.50", "-0",
    "5.0e3", "3", "-3", "1e18", "123456789012345678", "0.0000001",
]
GLOB_PATTERNS = [
    "*", "k*", "k1*", "k?", "k??", "k[1-3]", "k[^1]", "k[!1]*", "[a-z]*", "*k*", "k\\*",
    "k\\?", "\\*", "[", "[k", "k[", "[]", "*[", "a b", "{tag}*", "\\", "k[1-]", "k[-1]",
    "k[3-1]", "counter", "*er", "?", "", "**", "*\x00*", "\xff*", "[\\]]", "k[\\1]",
]


def ascii_word(rng, lo=1, hi=12):
    n = rng.randint(lo, hi)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


def binary_value(rng):
    n = rng.randint(0, 24)
    pool = b"\x00\r\n\xff\x80\x7f\t aZ09\"'\\$*+-:"
    return bytes(rng.choice(pool) for _ in range(n))


class Cmd:
    __slots__ = ("args", "mode", "tol", "after")

    def __init__(self, args, mode="exact", tol=0, after=None):
        self.args = args
        self.mode = mode
        self.tol = tol
        self.after = after or []


class Generator:
    """Produces random commands. `oracle` is a callable(args)->Reply that
    queries the reference server without sending the command to the server
    under test (only used for read-only size checks)."""

    def __init__(self, seed, base_time, oracle):
        self.rng = random.Random(seed)
        self.base = base_time  # unix seconds at start of run
        self.oracle = oracle
        self.idx = 0
        table = [
            (40, self.g_get), (40, self.g_set), (6, self.g_setnx), (6, self.g_setex),
            (5, self.g_psetex), (6, self.g_getset), (5, self.g_getdel), (12, self.g_getex),
            (10, self.g_mget), (8, self.g_mset), (5, self.g_msetnx), (12, self.g_append),
            (8, self.g_strlen), (14, self.g_incr), (12, self.g_incrby), (12, self.g_incrbyfloat),
            (12, self.g_getrange), (12, self.g_setrange), (8, self.g_lcs),
            (10, self.g_del), (8, self.g_exists), (6, self.g_type), (5, self.g_keys),
            (3, self.g_scan), (3, self.g_randomkey), (8, self.g_rename), (8, self.g_copy),
            (5, self.g_move), (4, self.g_touch), (4, self.g_dbsize), (1, self.g_flushdb),
            (5, self.g_select), (3, self.g_swapdb), (8, self.g_object),
            (20, self.g_expire), (16, self.g_ttl), (5, self.g_persist),
            (3, self.g_ping), (3, self.g_echo), (5, self.g_wrong_arity), (2, self.g_unknown),
        ]
        self.funcs = [f for _, f in table]
        self.weights = [w for w, _ in table]

    # -- building blocks ------------------------------------------------
    def key(self):
        r = self.rng.random()
        if r < 0.8:
            return self.rng.choice(MAIN_KEYS)
        return self.rng.choice(ALL_KEYS)

    def value(self):
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            return str(rng.randint(-100, 100))
        if r < 0.35:
            return rng.choice(INT_EDGES)
        if r < 0.45:
            return rng.choice(FLOAT_EDGES)
        if r < 0.65:
            return ascii_word(rng)
        if r < 0.8:
            return binary_value(rng)
        if r < 0.9:
            # straddle the 44 byte embstr/raw boundary and the 20 digit int limit
            return rng.choice(["x" * rng.randint(40, 48), "1" * rng.randint(18, 21),
                               "-" + "9" * rng.randint(17, 20)])
        if r < 0.95:
            return ""
        return ascii_word(rng, 50, 300)

    def rel_secs(self):
        """Relative TTL in seconds.  Valid values sit on a 10^6 s grid plus
        2*command_index so that GT/LT comparisons between two relative TTLs
        never depend on sub-second timing."""
        rng = self.rng
        if rng.random() < 0.85:
            return str(rng.randint(1, 9) * 1000000 + 2 * self.idx)
        return rng.choice(["0", "-1", "-100", "9223372036854775807", "9223372036854775",
                           "9223372036854776", "-9223372036854775808", "abc", "1.5", "",
                           " 100000", "100000 ", "+100000"])

    def rel_ms(self):
        rng = self.rng
        if rng.random() < 0.85:
            return str((rng.randint(1, 9) * 1000000 + 2 * self.idx) * 1000)
        return rng.choice(["0", "-1", "-100", "9223372036854775807", "9223372036854775806",
                           "-9223372036854775808", "abc", "1.5", "", "9223372036854775808"])

    def abs_secs(self):
        """Absolute unix time in seconds, half a grid step away from anything
        a relative TTL can produce (so ordering is timing independent)."""
        rng = self.rng
        if rng.random() < 0.8:
            return str(self.base + rng.randint(1, 9) * 1000000 + 500000 + rng.randint(0, 1))
        return rng.choice(["1", "0", "-1", str(self.base - 100000), "9223372036854775807",
                           "9223372036854775", "9223372036854776", "abc", ""])

    def abs_ms(self):
        rng = self.rng
        if rng.random() < 0.8:
            return str((self.base + rng.randint(1, 9) * 1000000 + 500000) * 1000 + rng.randint(0, 1))
        return rng.choice(["1", "0", "-1", str((self.base - 100000) * 1000), "9223372036854775807",
                           "9223372036854775808", "abc"])

    @staticmethod
    def is_past_abs(s, ms):
        try:
            v = int(s)
        except ValueError:
            return False
        now = time.time() * (1000 if ms else 1)
        return 0 < v < now

    def case(self, name):
        """Randomly vary the case of a command / option name."""
        r = self.rng.random()
        if r < 0.7:
            return name
        if r < 0.85:
            return name.lower()
        return "".join(c.upper() if self.rng.random() < 0.5 else c.lower() for c in name)

    def db(self):
        if self.rng.random() < 0.85:
            return str(self.rng.randint(0, 3))
        return self.rng.choice(["16", "-1", "x", "", "1.0", "9223372036854775808", "15"])

    # -- generators -----------------------------------------------------
    def next(self):
        self.idx += 1
        f = self.rng.choices(self.funcs, self.weights)[0]
        return f()

    def g_get(self):
        return Cmd([self.case("GET"), self.key()])

    def _expiry_option(self, allow_keepttl=True):
        rng = self.rng
        choice = rng.choice(["EX", "PX", "EXAT", "PXAT"] + (["KEEPTTL"] if allow_keepttl else []))
        if choice == "EX":
            return [self.case("EX"), self.rel_secs()], None
        if choice == "PX":
            return [self.case("PX"), self.rel_ms()], None
        if choice == "EXAT":
            v = self.abs_secs()
            return [self.case("EXAT"), v], ("past" if self.is_past_abs(v, False) else None)
        if choice == "PXAT":
            v = self.abs_ms()
            return [self.case("PXAT"), v], ("past" if self.is_past_abs(v, True) else None)
        return [self.case("KEEPTTL")], None

    def g_set(self):
        rng = self.rng
        k = self.key()
        args = [self.case("SET"), k, self.value()]
        opts = []
        past = False
        if rng.random() < 0.25:
            opts.append([self.case(rng.choice(["NX", "XX"]))])
        if rng.random() < 0.2:
            opts.append([self.case("GET")])
        if rng.random() < 0.4:
            o, flag = self._expiry_option()
            past = past or flag == "past"
            opts.append(o)
        if rng.random() < 0.06:  # conflicting / duplicated / unknown options
            extra = rng.choice([["NX"], ["XX"], ["GET"], ["KEEPTTL"], ["FOO"], ["EX"], ["PX"],
                                ["EX", "100"], ["EXAT", "abc"]])
            opts.append(extra)
            if extra[0] in ("EXAT", "PXAT"):
                past = True
        rng.shuffle(opts)
        for o in opts:
            args += o
        after = [Cmd(["EXISTS", k])] if past else None
        return Cmd(args, after=after)

    def g_setnx(self):
        return Cmd([self.case("SETNX"), self.key(), self.value()])

    def g_setex(self):
        return Cmd([self.case("SETEX"), self.key(), self.rel_secs(), self.value()])

    def g_psetex(self):
        return Cmd([self.case("PSETEX"), self.key(), self.rel_ms(), self.value()])

    def g_getset(self):
        return Cmd([self.case("GETSET"), self.key(), self.value()])

    def g_getdel(self):
        return Cmd([self.case("GETDEL"), self.key()])

    def g_getex(self):
        rng = self.rng
        args = [self.case("GETEX"), self.key()]
        r = rng.random()
        if r < 0.2:
            pass
        elif r < 0.35:
            args.append(self.case("PERSIST"))
        elif r < 0.85:
            o, _ = self._expiry_option(allow_keepttl=False)
            args += o
        else:
            args += rng.choice([["PERSIST", "EX", "100"], ["EX", "100", "PX", "100"], ["FOO"],
                                ["EX"], ["KEEPTTL"], ["PERSIST", "PERSIST"],
                                ["EX", self.rel_secs(), "EX", self.rel_secs()], ["NX"]])
        return Cmd(args)

    def _keys(self, lo=1, hi=5):
        return [self.key() for _ in range(self.rng.randint(lo, hi))]

    def g_mget(self):
        return Cmd([self.case("MGET")] + self._keys())

    def _pairs(self):
        args = []
        for _ in range(self.rng.randint(1, 4)):
            args += [self.key(), self.value()]
        if self.rng.random() < 0.08:
            args.append(self.key())  # odd number -> arity error
        return args

    def g_mset(self):
        return Cmd([self.case("MSET")] + self._pairs())

    def g_msetnx(self):
        return Cmd([self.case("MSETNX")] + self._pairs())

    def g_append(self):
        v = self.value()
        if len(v) > 64:
            v = v[:64]
        return Cmd([self.case("APPEND"), self.key(), v])

    def g_strlen(self):
        return Cmd([self.case("STRLEN"), self.key()])

    def g_incr(self):
        return Cmd([self.case(self.rng.choice(["INCR", "DECR"])), self.key()])

    def g_incrby(self):
        rng = self.rng
        n = str(rng.randint(-1000, 1000)) if rng.random() < 0.6 else rng.choice(INT_EDGES)
        return Cmd([self.case(rng.choice(["INCRBY", "DECRBY"])), self.key(), n])

    def g_incrbyfloat(self):
        rng = self.rng
        if rng.random() < 0.5:
            n = rng.choice(["%.3f" % rng.uniform(-100, 100), str(rng.randint(-50, 50)),
                            "%ge%d" % (rng.uniform(-9, 9), rng.randint(-20, 20))])
        else:
            n = rng.choice(FLOAT_EDGES + INT_EDGES)
        return Cmd([self.case("INCRBYFLOAT"), self.key(), n])

    def _index(self):
        rng = self.rng
        r = rng.random()
        if r < 0.6:
            return str(rng.randint(-60, 60))
        if r < 0.8:
            return rng.choice(["-1000000000", "1000000000", "0", "-1"])
        return rng.choice(INT_EDGES)

    def g_getrange(self):
        return Cmd([self.case(self.rng.choice(["GETRANGE", "SUBSTR"])), self.key(),
                    self._index(), self._index()])

    def g_setrange(self):
        rng = self.rng
        r = rng.random()
        v = self.value()[:40]
        if r < 0.7:
            off = str(rng.randint(0, 60))
        elif r < 0.85:
            off = str(rng.randint(0, 5000))
        elif r < 0.88:
            off = str(rng.randint(60000, 70000))
        else:
            off = rng.choice(["-1", "536870912", "536870913", "9223372036854775807",
                              "9223372036854775808", "abc", "", " 1", "1.5"])
            if off.startswith("5368709") and rng.random() < 0.5:
                v = ""
            elif off.startswith("5368709") and v == "":
                v = "x"
        if rng.random() < 0.05:
            # offset + len == 512MB + 1 -> error, never allocates
            off, v = "536870911", "xy"
        return Cmd([self.case("SETRANGE"), self.key(), off, v])

    def g_lcs(self):
        rng = self.rng
        k1, k2 = self.key(), self.key()
        # guard: Redis' LCS uses O(len1*len2) memory
        l1 = self.oracle(["STRLEN", k1])
        l2 = self.oracle(["STRLEN", k2])
        if l1.kind == ":" and l2.kind == ":" and (l1.value + 1) * (l2.value + 1) > 2000000:
            return self.g_get()
        args = [self.case("LCS"), k1, k2]
        opts = []
        if rng.random() < 0.3:
            opts.append([self.case("LEN")])
        if rng.random() < 0.4:
            opts.append([self.case("IDX")])
        if rng.random() < 0.3:
            opts.append([self.case("MINMATCHLEN"), rng.choice(["0", "1", "2", "3", "5", "-1", "abc",
                                                              "9223372036854775808"])])
        if rng.random() < 0.3:
            opts.append([self.case("WITHMATCHLEN")])
        if rng.random() < 0.05:
            opts.append([rng.choice(["FOO", "MINMATCHLEN"])])
        rng.shuffle(opts)
        for o in opts:
            args += o
        return Cmd(args)

    def g_del(self):
        return Cmd([self.case(self.rng.choice(["DEL", "UNLINK"]))] + self._keys(1, 4))

    def g_exists(self):
        return Cmd([self.case("EXISTS")] + self._keys(1, 4))

    def g_touch(self):
        return Cmd([self.case("TOUCH")] + self._keys(1, 4))

    def g_type(self):
        return Cmd([self.case("TYPE"), self.key()])

    def g_keys(self):
        return Cmd([self.case("KEYS"), self.rng.choice(GLOB_PATTERNS)], mode="sorted")

    def g_scan(self):
        rng = self.rng
        args = [self.case("SCAN")]
        if rng.random() < 0.85:
            args.append("0")
        else:
            # invalid cursors, plus spellings strtoul() reads as 0
            args.append(rng.choice(["abc", " 0", "18446744073709551616", "1.5", "0x0", "1 ",
                                    "", "+0", "-0", "00"]))
        opts = []
        if rng.random() < 0.5:
            opts.append([self.case("MATCH"), rng.choice(GLOB_PATTERNS)])
        if rng.random() < 0.5:
            opts.append([self.case("COUNT"), rng.choice(["1", "2", "5", "10", "100", "1000"])])
        if rng.random() < 0.3:
            opts.append([self.case("TYPE"), rng.choice(["string", "STRING", "list", "hash", "none",
                                                        "foo"])])
        if rng.random() < 0.05:
            opts.append(rng.choice([["COUNT", "0"], ["COUNT", "-1"], ["COUNT", "abc"], ["MATCH"],
                                    ["FOO", "bar"], ["COUNT"], ["TYPE"]]))
        rng.shuffle(opts)
        for o in opts:
            args += o
        return Cmd(args, mode="scan")

    def g_randomkey(self):
        return Cmd([self.case("RANDOMKEY")], mode="randomkey")

    def g_rename(self):
        k1 = self.key()
        k2 = k1 if self.rng.random() < 0.1 else self.key()
        return Cmd([self.case(self.rng.choice(["RENAME", "RENAMENX"])), k1, k2])

    def g_copy(self):
        rng = self.rng
        k1 = self.key()
        k2 = k1 if rng.random() < 0.1 else self.key()
        args = [self.case("COPY"), k1, k2]
        opts = []
        if rng.random() < 0.4:
            opts.append([self.case("DB"), self.db()])
        if rng.random() < 0.4:
            opts.append([self.case("REPLACE")])
        if rng.random() < 0.05:
            opts.append(rng.choice([["DB"], ["FOO"], ["REPLACE", "REPLACE"]]))
        rng.shuffle(opts)
        for o in opts:
            args += o
        return Cmd(args)

    def g_move(self):
        return Cmd([self.case("MOVE"), self.key(), self.db()])

    def g_dbsize(self):
        return Cmd([self.case("DBSIZE")])

    def g_flushdb(self):
        args = [self.case("FLUSHDB")]
        r = self.rng.random()
        if r < 0.3:
            args.append(self.case("ASYNC"))
        elif r < 0.5:
            args.append(self.case("SYNC"))
        elif r < 0.6:
            args.append(self.rng.choice(["FOO", "ASYNC SYNC"]))
        return Cmd(args)

    def g_select(self):
        return Cmd([self.case("SELECT"), self.db()])

    def g_swapdb(self):
        return Cmd([self.case("SWAPDB"), self.db(), self.db()])

    def g_object(self):
        r = self.rng.random()
        if r < 0.9:
            return Cmd([self.case("OBJECT"), self.case("ENCODING"), self.key()])
        return Cmd([self.case("OBJECT")] + self.rng.choice([["FOO", "k1"], ["ENCODING"],
                                                            ["ENCODING", "k1", "k2"], []]))

    def g_expire(self):
        rng = self.rng
        name = rng.choice(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
        k = self.key()
        t = {"EXPIRE": self.rel_secs, "PEXPIRE": self.rel_ms, "EXPIREAT": self.abs_secs,
             "PEXPIREAT": self.abs_ms}[name]()
        args = [self.case(name), k, t]
        r = rng.random()
        if r < 0.5:
            args.append(self.case(rng.choice(["NX", "XX", "GT", "LT"])))
        elif r < 0.6:
            args += [self.case(rng.choice(["NX", "XX", "GT", "LT", "FOO"])) for _ in range(2)]
        return Cmd(args)

    def g_ttl(self):
        name = self.rng.choice(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"])
        tol = 1 if name in ("TTL", "EXPIRETIME") else 1500
        return Cmd([self.case(name), self.key()], mode="ttl", tol=tol)

    def g_persist(self):
        return Cmd([self.case("PERSIST"), self.key()])

    def g_ping(self):
        r = self.rng.random()
        if r < 0.5:
            return Cmd([self.case("PING")])
        if r < 0.9:
            return Cmd([self.case("PING"), self.value()])
        return Cmd([self.case("PING"), "a", "b"])

    def g_echo(self):
        if self.rng.random() < 0.9:
            return Cmd([self.case("ECHO"), self.value()])
        return Cmd([self.case("ECHO")] + self.rng.choice([[], ["a", "b"]]))

    ARITY = {
        "GET": 2, "SET": -3, "SETNX": 3, "SETEX": 4, "PSETEX": 4, "GETSET": 3, "GETDEL": 2,
        "GETEX": -2, "MGET": -2, "MSET": -3, "MSETNX": -3, "APPEND": 3, "STRLEN": 2, "INCR": 2,
        "DECR": 2, "INCRBY": 3, "DECRBY": 3, "INCRBYFLOAT": 3, "GETRANGE": 4, "SUBSTR": 4,
        "SETRANGE": 4, "LCS": -3, "DEL": -2, "UNLINK": -2, "EXISTS": -2, "TYPE": 2, "KEYS": 2,
        "SCAN": -2, "RANDOMKEY": 1, "RENAME": 3, "RENAMENX": 3, "COPY": -3, "MOVE": 3,
        "TOUCH": -2, "DBSIZE": 1, "SELECT": 2, "SWAPDB": 3, "OBJECT": -2,
        "EXPIRE": -3, "PEXPIRE": -3, "EXPIREAT": -3, "PEXPIREAT": -3, "TTL": 2, "PTTL": 2,
        "EXPIRETIME": 2, "PEXPIRETIME": 2, "PERSIST": 2, "PING": -1, "ECHO": 2,
    }

    def g_wrong_arity(self):
        rng = self.rng
        name = rng.choice(sorted(self.ARITY))
        ar = self.ARITY[name]
        if ar > 0:
            choices = [n for n in range(0, ar + 2) if n != ar - 1]
        else:
            choices = list(range(0, -ar - 1))
            if not choices:  # PING: -1 accepts anything from 0 args, use 2+ args
                choices = [2, 3]
        n = rng.choice(choices)
        if name == "PING" and n < 2:
            n = 2
        if name in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT") and n > 1:
            n = 1
        return Cmd([self.case(name)] + [self.key() for _ in range(n)])

    def g_unknown(self):
        rng = self.rng
        name = rng.choice(["FOO", "getx", "SETT", "", "GET\r\nX", "\xff", "x" * 200, "hset2"])
        args = [name] + [rng.choice([self.value(), "x" * rng.randint(100, 140)])
                         for _ in range(rng.randint(0, 4))]
        return Cmd(args)


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------


class Mismatch:
    def __init__(self, seed, index, args, ember, redis, note=""):
        self.seed = seed
        self.index = index
        self.args = args
        self.ember = ember
        self.redis = redis
        self.note = note

    def __str__(self):
        cmd = " ".join(fmt_bytes(a, 80) for a in self.args[:12])
        if len(self.args) > 12:
            cmd += " ...(%d args)" % len(self.args)
        s = "seed=%s index=%s cmd=%s\n    ember: %s\n    redis: %s" % (
            self.seed, self.index, cmd, fmt_bytes(self.ember), fmt_bytes(self.redis))
        if self.note:
            s += "\n    note: %s" % self.note
        return s


# cursors that Redis (strtoul based parsing) treats as 0: start a full iteration
SCAN_ZERO_CURSORS = ("0", "", "+0", "-0", "00")


class Differ:
    def __init__(self, ember_port, redis_port, verbose=False):
        self.e = Conn(ember_port)
        self.r = Conn(redis_port)
        self.mismatches = []
        self.commands = 0
        self.verbose = verbose

    def close(self):
        self.e.close()
        self.r.close()

    def both(self, args):
        self.commands += 1
        return self.e.call(args), self.r.call(args)

    def record(self, m):
        self.mismatches.append(m)
        if self.verbose or len(self.mismatches) <= MAX_REPORTED:
            print("MISMATCH " + str(m), flush=True)

    def reset(self):
        for db in range(4):
            for conn in (self.e, self.r):
                conn.call(["SELECT", str(db)])
                conn.call(["FLUSHDB"])
        for conn in (self.e, self.r):
            conn.call(["SELECT", "0"])

    def run_cmd(self, seed, index, cmd):
        if cmd.mode == "scan":
            self.run_scan(seed, index, cmd)
        elif cmd.mode == "randomkey":
            self.run_randomkey(seed, index, cmd)
        else:
            e, r = self.both(cmd.args)
            if not self.equal(cmd, e, r):
                self.record(Mismatch(seed, index, cmd.args, e.raw, r.raw))
        for sub in cmd.after:
            self.run_cmd(seed, index, sub)

    @staticmethod
    def equal(cmd, e, r):
        if e.raw == r.raw:
            return True
        if cmd.mode == "sorted":
            if e.kind == "*" and r.kind == "*" and e.value is not None and r.value is not None:
                return sorted(x.raw for x in e.value) == sorted(x.raw for x in r.value)
            return False
        if cmd.mode == "ttl":
            if e.kind == ":" and r.kind == ":" and e.value >= 0 and r.value >= 0:
                return abs(e.value - r.value) <= cmd.tol
            return False
        return False

    def run_randomkey(self, seed, index, cmd):
        e, r = self.both(["DBSIZE"])
        if e.raw != r.raw:
            self.record(Mismatch(seed, index, ["DBSIZE"], e.raw, r.raw, "before RANDOMKEY"))
            return
        dbsize = r.value if r.kind == ":" else 0
        e, r = self.both(cmd.args)
        if dbsize <= 1 or r.kind != "$" or r.value is None:
            if e.raw != r.raw:
                self.record(Mismatch(seed, index, cmd.args, e.raw, r.raw))
            return
        # several keys: any existing key is a valid answer
        ok = e.kind == "$" and e.value is not None
        if ok:
            ok = self.e.call(["EXISTS", e.value]).raw == b":1\r\n"
        if not ok:
            self.record(Mismatch(seed, index, cmd.args, e.raw, r.raw, "expected an existing key"))

    def _scan_all(self, conn, args, first):
        keys = set()
        reply = first
        calls = 0
        while True:
            if reply.kind != "*" or reply.value is None or len(reply.value) != 2:
                return None, "malformed SCAN reply %s" % fmt_bytes(reply.raw)
            cur, items = reply.value
            if cur.kind != "$" or items.kind != "*" or items.value is None:
                return None, "malformed SCAN reply %s" % fmt_bytes(reply.raw)
            for it in items.value:
                keys.add(it.value)
            calls += 1
            if cur.value == b"0":
                return keys, None
            if calls > 100000:
                return None, "SCAN did not terminate"
            reply = conn.call([args[0], cur.value] + list(args[2:]))

    def run_scan(self, seed, index, cmd):
        e, r = self.both(cmd.args)
        if e.is_error() or r.is_error() or cmd.args[1] not in SCAN_ZERO_CURSORS:
            if e.raw != r.raw:
                self.record(Mismatch(seed, index, cmd.args, e.raw, r.raw))
            return
        ek, eerr = self._scan_all(self.e, cmd.args, e)
        rk, rerr = self._scan_all(self.r, cmd.args, r)
        if rerr:
            raise RuntimeError("oracle SCAN problem: " + rerr)
        if eerr:
            self.record(Mismatch(seed, index, cmd.args, e.raw, r.raw, eerr))
        elif ek != rk:
            self.record(Mismatch(seed, index, cmd.args, sorted(ek), sorted(rk),
                                 "full SCAN iteration returned different key sets; "
                                 "only-ember=%s only-redis=%s" % (
                                     fmt_bytes(sorted(ek - rk)), fmt_bytes(sorted(rk - ek)))))

    def run_seed(self, seed, ncommands):
        self.reset()
        gen = Generator(seed, int(time.time()), self.r.call)
        before = len(self.mismatches)
        for i in range(ncommands):
            cmd = gen.next()
            if self.verbose:
                print("[%d:%d] %s" % (seed, i, " ".join(fmt_bytes(a, 40) for a in cmd.args)))
            try:
                self.run_cmd(seed, i, cmd)
            except ServerGone as ex:
                self.record(Mismatch(seed, i, cmd.args, None, None,
                                     "connection problem (server crashed?): %s" % ex))
                raise
        # final state check: every db must hold the same keys/values/ttl-ness
        for db in range(4):
            e, r = self.both(["SELECT", str(db)])
            e, r = self.both(["KEYS", "*"])
            keys = sorted(x.value for x in r.value) if r.kind == "*" else []
            if not self.equal(Cmd(["KEYS", "*"], mode="sorted"), e, r):
                self.record(Mismatch(seed, "final-db%d" % db, ["KEYS", "*"], e.raw, r.raw))
                continue
            for k in keys:
                for c in (Cmd(["GET", k]), Cmd(["TTL", k], mode="ttl", tol=1)):
                    e, r = self.both(c.args)
                    if not self.equal(c, e, r):
                        self.record(Mismatch(seed, "final-db%d" % db, c.args, e.raw, r.raw))
        self.both(["SELECT", "0"])
        return len(self.mismatches) - before


# ---------------------------------------------------------------------------
# Fixed regression cases: (command, expected raw reply or None = just diff)
# ---------------------------------------------------------------------------

REGRESSIONS = [
    [
        (["SET", "r:k", "hello"], b"+OK\r\n"),
        (["SETRANGE", "r:k", "536870912", "x"],
         b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"),
        (["SETRANGE", "r:k", "536870911", "xy"],
         b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"),
        (["SETRANGE", "r:k", "536870912", ""], b":5\r\n"),
        (["SETRANGE", "r:missing", "536870912", ""], b":0\r\n"),
        (["SETRANGE", "r:k", "-1", "x"], b"-ERR offset is out of range\r\n"),
        (["SETRANGE", "r:k", "7", "w"], b":8\r\n"),
        (["GET", "r:k"], b"$8\r\nhello\x00\x00w\r\n"),
        (["GETRANGE", "r:k", "-1000000000", "1000000000"], b"$8\r\nhello\x00\x00w\r\n"),
        (["GETRANGE", "r:k", "0", "-1000000000"], b"$1\r\nh\r\n"),  # 7.0 quirk
        (["GETRANGE", "r:k", "5", "3"], b"$0\r\n\r\n"),
        (["GETRANGE", "r:missing", "0", "-1"], b"$0\r\n\r\n"),
    ],
    [
        (["SET", "r:n", "9223372036854775807"], b"+OK\r\n"),
        (["INCR", "r:n"], b"-ERR increment or decrement would overflow\r\n"),
        (["DECRBY", "r:n", "-9223372036854775808"], None),
        (["INCRBY", "r:n", "9223372036854775808"], b"-ERR value is not an integer or out of range\r\n"),
        (["SET", "r:n", " 1"], b"+OK\r\n"),
        (["INCR", "r:n"], b"-ERR value is not an integer or out of range\r\n"),
        (["SET", "r:f", "10.50"], b"+OK\r\n"),
        (["INCRBYFLOAT", "r:f", "0.1"], b"$4\r\n10.6\r\n"),
        # long double arithmetic + "%.17Lg" formatting (not double!)
        (["INCRBYFLOAT", "r:f", "-5.0e3"], b"$23\r\n-4989.39999999999999991\r\n"),
        (["INCRBYFLOAT", "r:f", "nan"], None),
        (["INCRBYFLOAT", "r:f", "inf"], b"-ERR increment would produce NaN or Infinity\r\n"),
        (["SET", "r:f", "1e308"], b"+OK\r\n"),
        (["INCRBYFLOAT", "r:f", "1e308"], None),  # long double: does not overflow in Redis
        (["INCRBYFLOAT", "r:g", "1e400"], None),
        (["INCRBYFLOAT", "r:h", "3"], b"$1\r\n3\r\n"),
        (["OBJECT", "ENCODING", "r:h"], None),
        (["INCRBYFLOAT", "r:h", "abc"], b"-ERR value is not a valid float\r\n"),
    ],
    [
        (["SET", "key1", "ohmytext"], b"+OK\r\n"),
        (["SET", "key2", "mynewtext"], b"+OK\r\n"),
        (["LCS", "key1", "key2"], b"$6\r\nmytext\r\n"),
        (["LCS", "key1", "key2", "LEN"], b":6\r\n"),
        (["LCS", "key1", "key2", "IDX"], None),
        (["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"], None),
        (["LCS", "key1", "key2", "LEN", "IDX"],
         b"-ERR If you want both the length and indexes, please just use IDX.\r\n"),
        (["LCS", "key1", "nokey", "IDX", "WITHMATCHLEN"], None),
    ],
    [
        (["SET", "r:e", "v", "EXAT", "1"], b"+OK\r\n"),
        (["GET", "r:e"], b"$-1\r\n"),
        (["SET", "r:e", "v", "EX", "0"], b"-ERR invalid expire time in 'set' command\r\n"),
        (["SET", "r:e", "v", "EX", "9223372036854775"], b"-ERR invalid expire time in 'set' command\r\n"),
        (["SET", "r:e", "v", "KEEPTTL", "EX", "10"], b"-ERR syntax error\r\n"),
        (["SET", "r:e", "v", "NX", "XX"], b"-ERR syntax error\r\n"),
        (["SET", "r:e", "v", "EX", "100000", "EX", "200000"], b"+OK\r\n"),
        (["TTL", "r:e"], None),
        (["SET", "r:e", "w", "NX", "GET"], b"$1\r\nv\r\n"),
        (["GETEX", "r:nokey", "EX", "abc"], b"$-1\r\n"),
        (["GETEX", "r:e", "EX", "abc"], b"-ERR value is not an integer or out of range\r\n"),
        (["GETEX", "r:e", "PERSIST", "EX", "10"], b"-ERR syntax error\r\n"),
        (["GETEX", "r:e", "PERSIST"], b"$1\r\nv\r\n"),
        (["TTL", "r:e"], b":-1\r\n"),
        (["EXPIRE", "r:e", "100", "NX", "XX"],
         b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"),
        (["EXPIRE", "r:e", "100", "GT", "LT"],
         b"-ERR GT and LT options at the same time are not compatible\r\n"),
        (["EXPIRE", "r:e", "100", "FOO"], b"-ERR Unsupported option FOO\r\n"),
        (["EXPIRE", "r:e", "100", "GT"], b":0\r\n"),
        (["EXPIRE", "r:e", "100", "LT"], b":1\r\n"),
        (["EXPIRE", "r:e", "9223372036854775807"], b"-ERR invalid expire time in 'expire' command\r\n"),
        (["PEXPIREAT", "r:e", "9223372036854775807"], None),
        (["EXPIRETIME", "r:e"], None),
        (["EXPIRE", "r:e", "-1"], b":1\r\n"),
        (["EXISTS", "r:e"], b":0\r\n"),
        (["TTL", "r:e"], b":-2\r\n"),
    ],
    [
        (["FOO", "a", "b"], b"-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"),
        (["GeT"], b"-ERR wrong number of arguments for 'get' command\r\n"),
        (["OBJECT", "ENCODING"], b"-ERR wrong number of arguments for 'object|encoding' command\r\n"),
        (["OBJECT", "foo"], b"-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n"),
        (["FOO\r\nBAR", "x\r\ny"], None),
        (["PING"], b"+PONG\r\n"),
        (["PING", "a\x00b"], b"$3\r\na\x00b\r\n"),
        (["ECHO", ""], b"$0\r\n\r\n"),
        (["SELECT", "16"], b"-ERR DB index is out of range\r\n"),
        (["SELECT", "x"], b"-ERR value is not an integer or out of range\r\n"),
        (["SWAPDB", "0", "x"], b"-ERR invalid second DB index\r\n"),
        (["SWAPDB", "0", "99"], b"-ERR DB index is out of range\r\n"),
        (["SCAN", "abc"], b"-ERR invalid cursor\r\n"),
        (["SCAN", "0", "COUNT", "0"], b"-ERR syntax error\r\n"),
        (["MSET", "a", "1", "b"], b"-ERR wrong number of arguments for 'mset' command\r\n"),
    ],
    [
        (["SET", "r:s", "v"], b"+OK\r\n"),
        (["RENAME", "r:s", "r:s"], b"+OK\r\n"),
        (["RENAMENX", "r:s", "r:s"], b":0\r\n"),
        (["RENAME", "r:none", "r:s"], b"-ERR no such key\r\n"),
        (["MOVE", "r:s", "0"], b"-ERR source and destination objects are the same\r\n"),
        (["COPY", "r:s", "r:s"], b"-ERR source and destination objects are the same\r\n"),
        (["COPY", "r:s", "r:s", "DB", "1"], b":1\r\n"),
        (["MOVE", "r:s", "1"], b":0\r\n"),
        (["SET", "r:i", "12345"], b"+OK\r\n"),
        (["OBJECT", "ENCODING", "r:i"], b"$3\r\nint\r\n"),
        (["SET", "r:i", "0123"], b"+OK\r\n"),
        (["OBJECT", "ENCODING", "r:i"], b"$6\r\nembstr\r\n"),
        (["APPEND", "r:i", "4"], b":5\r\n"),
        (["OBJECT", "ENCODING", "r:i"], b"$3\r\nraw\r\n"),
        (["SET", "r:i", "x" * 44], b"+OK\r\n"),
        (["OBJECT", "ENCODING", "r:i"], b"$6\r\nembstr\r\n"),
        (["SET", "r:i", "x" * 45], b"+OK\r\n"),
        (["OBJECT", "ENCODING", "r:i"], b"$3\r\nraw\r\n"),
        (["OBJECT", "ENCODING", "r:none"], b"$-1\r\n"),
        (["SELECT", "1"], b"+OK\r\n"),
        (["FLUSHDB"], b"+OK\r\n"),
        (["SELECT", "0"], b"+OK\r\n"),
    ],
]


def run_regressions(d):
    failures = []
    for group in REGRESSIONS:
        d.reset()
        for i, (args, expected) in enumerate(group):
            e, r = d.both(args)
            name = args[0].upper()
            if name in ("TTL", "EXPIRETIME", "PTTL", "PEXPIRETIME"):
                cmd = Cmd(args, mode="ttl", tol=1 if name in ("TTL", "EXPIRETIME") else 1500)
            else:
                cmd = Cmd(args)
            if not d.equal(cmd, e, r):
                failures.append(Mismatch("regression", i, args, e.raw, r.raw))
            if expected is not None and r.raw != expected:
                failures.append(Mismatch("regression", i, args, e.raw, r.raw,
                                         "redis reply differs from expected %s (harness bug?)"
                                         % fmt_bytes(expected)))
    for f in failures[:MAX_REPORTED]:
        print("MISMATCH " + str(f), flush=True)
    return failures


# ---------------------------------------------------------------------------
# pytest entry points
# ---------------------------------------------------------------------------

def _pytest_seeds():
    return [int(s) for s in os.environ.get("DIFF_SEEDS", "1,2,3,4,5,6,7,8").split(",") if s.strip()]


try:
    import pytest

    class _Harness:
        def __init__(self):
            self.ember, self.redis = start_servers()
            self.differ = Differ(self.ember.port, self.redis.port)

        def run(self, fn, *args):
            """Run fn(differ, *args); turn a lost connection into a clear failure."""
            if not self.ember.alive():
                pytest.fail("server under test is not running any more; log tail:\n"
                            + self.ember.log_tail())
            try:
                return fn(self.differ, *args)
            except ServerGone as ex:
                time.sleep(0.2)
                pytest.fail("connection lost (%s); ember alive=%s; last mismatch:\n%s\n"
                            "ember log tail:\n%s" % (
                                ex, self.ember.alive(),
                                self.differ.mismatches[-1] if self.differ.mismatches else "-",
                                self.ember.log_tail()))

        def close(self):
            self.differ.close()
            self.ember.stop()
            self.redis.stop()

    @pytest.fixture(scope="module")
    def harness():
        ember_bin = os.environ.get("EMBER_BIN", DEFAULT_EMBER)
        if not os.path.exists(ember_bin):
            pytest.skip("server under test not found: %s (set EMBER_BIN)" % ember_bin)
        h = _Harness()
        try:
            yield h
        finally:
            h.close()

    def test_regressions(harness):
        failures = harness.run(run_regressions)
        assert not failures, "%d regression mismatches:\n%s" % (
            len(failures), "\n".join(str(f) for f in failures[:MAX_REPORTED]))

    @pytest.mark.parametrize("seed", _pytest_seeds())
    def test_random(harness, seed):
        n = int(os.environ.get("DIFF_COMMANDS", "5000"))
        start = len(harness.differ.mismatches)
        harness.run(Differ.run_seed, seed, n)
        new = harness.differ.mismatches[start:]
        assert not new, "%d mismatches for seed %d:\n%s" % (
            len(new), seed, "\n".join(str(m) for m in new[:MAX_REPORTED]))


except ImportError:  # script mode without pytest installed
    pass


# ---------------------------------------------------------------------------
# script entry point
# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=None, help="first seed (default: 1..8)")
    ap.add_argument("--seeds", type=int, default=None, help="number of seeds (default 1 with --seed, else 8)")
    ap.add_argument("--commands", type=int, default=5000, help="commands per seed")
    ap.add_argument("--verbose", action="store_true", help="print every command")
    ap.add_argument("--no-regressions", action="store_true")
    opts = ap.parse_args()
    if opts.seed is None:
        seeds = list(range(1, 1 + (opts.seeds or 8)))
    else:
        seeds = list(range(opts.seed, opts.seed + (opts.seeds or 1)))

    t0 = time.time()
    ember, redis = start_servers()
    print("ember: %s port %d | redis: %s port %d" % (ember.binary, ember.port, redis.binary, redis.port))
    d = Differ(ember.port, redis.port, verbose=opts.verbose)
    failures = []
    crashed = False
    try:
        if not opts.no_regressions:
            failures += run_regressions(d)
        for s in seeds:
            ts = time.time()
            n = d.run_seed(s, opts.commands)
            print("seed %d: %d commands, %d mismatches, %.1fs" % (s, opts.commands, n, time.time() - ts))
    except ServerGone as ex:
        crashed = True
        print("ABORT: %s" % ex)
        time.sleep(0.2)
        print("ember alive=%s; ember log tail:\n%s" % (ember.alive(), ember.log_tail()))
    finally:
        d.close()
        ember.stop()
        redis.stop()
    failures += d.mismatches
    print("total: %d commands sent to each server, %d mismatches, %.1fs" % (
        d.commands, len(failures), time.time() - t0))
    if failures:
        print("\nFAILED; first %d mismatches:" % min(len(failures), MAX_REPORTED))
        for m in failures[:MAX_REPORTED]:
            print(m)
    return 1 if failures or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
