"""UDP requests (--udp-port): one request per datagram, one reply datagram to the sender.

Ember only: Redis has no UDP listener."""

import socket
import threading
import time

import pytest

import resp
from conftest import ServerProcess, run_server_cmd

pytestmark = pytest.mark.ember_only

REFUSED = b"needs connection state and is not available over UDP; use TCP\r\n"


def free_port_tcp_and_udp():
    """A port free for both TCP and UDP on loopback."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port free for both TCP and UDP")


class Udp:
    """A UDP client socket talking to one server port."""

    def __init__(self, port, timeout=2.0):
        self.addr = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendto(data, self.addr)

    def recv(self):
        data, addr = self.sock.recvfrom(70000)
        assert addr == self.addr
        return data

    def raw(self, data):
        self.send(data)
        return self.recv()

    def call(self, *args):
        return self.raw(resp.encode_command(*args))

    def no_reply(self, wait=0.3):
        self.sock.settimeout(wait)
        try:
            data = self.sock.recvfrom(70000)[0]
        except socket.timeout:
            return True
        finally:
            self.sock.settimeout(2.0)
        pytest.fail("unexpected reply %r" % data[:200])


def start_udp_server(extra=None, **kw):
    port = free_port_tcp_and_udp()
    return ServerProcess(["--udp-port", port] + (extra or []), port=port, **kw)


@pytest.fixture(scope="module")
def userver(tmp_path_factory):
    srv = start_udp_server(tmpdir=str(tmp_path_factory.mktemp("udp")))
    yield srv
    rc = srv.stop()
    assert rc == 0, "server exited with %r; log:\n%s" % (rc, srv.log())


@pytest.fixture
def ur(userver):
    c = userver.client()
    c.flushall()
    c.config_set("udp-max-reply", "1400")
    yield c
    c.close()


@pytest.fixture
def udp(userver, ur):
    u = Udp(userver.port)
    yield u
    u.close()


# ------------------------------------------------------------------ basics

def test_ping_inline_and_multibulk(udp):
    assert udp.raw(b"PING") == b"+PONG\r\n"
    assert udp.raw(b"PING\r\n") == b"+PONG\r\n"
    assert udp.raw(b"ping hello\n") == b"$5\r\nhello\r\n"
    assert udp.call("PING") == b"+PONG\r\n"
    assert udp.call("ECHO", "a b") == b"$3\r\na b\r\n"


def test_set_get_same_port_as_tcp(userver, ur, udp):
    # The fixture binds UDP on the TCP port (like DNS).
    assert udp.addr[1] == userver.port
    assert udp.call("SET", "k", "v1") == b"+OK\r\n"
    assert udp.call("GET", "k") == b"$2\r\nv1\r\n"
    assert udp.call("GET", "missing") == b"$-1\r\n"
    assert udp.call("INCR", "k") == b"-ERR value is not an integer or out of range\r\n"
    assert udp.call("NOSUCH").startswith(b"-ERR unknown command 'NOSUCH'")
    assert udp.call("GET") == b"-ERR wrong number of arguments for 'get' command\r\n"


def test_consistent_with_tcp(ur, udp):
    ur.set("fromtcp", "1")
    assert udp.call("GET", "fromtcp") == b"$1\r\n1\r\n"
    assert udp.call("INCRBY", "fromtcp", 41) == b":42\r\n"
    assert ur.get("fromtcp") == b"42"
    assert udp.call("SET", "fromudp", "x", "EX", 100) == b"+OK\r\n"
    assert 0 < ur.ttl("fromudp") <= 100
    ur.delete("fromudp")
    assert udp.call("EXISTS", "fromudp") == b":0\r\n"


def test_config_directives(ur):
    cfg = {k if isinstance(k, bytes) else k.encode(): v if isinstance(v, bytes) else v.encode()
           for k, v in ur.config_get("udp-*").items()}
    assert cfg[b"udp-max-reply"] == b"1400"
    assert cfg[b"udp-allow-unauthenticated"] == b"no"
    assert int(cfg[b"udp-port"]) > 0
    with pytest.raises(Exception):
        ur.config_set("udp-port", "0")  # fixed at start-up
    with pytest.raises(Exception):
        ur.config_set("udp-max-reply", "65508")  # more than a UDP payload can hold


def test_off_by_default(r):
    assert list(r.config_get("udp-port").values()) in ([b"0"], ["0"])


# ------------------------------------------------------ stateless requests

@pytest.mark.parametrize("cmd", [
    ("SELECT", "1"), ("HELLO", "3"), ("HELLO",), ("CLIENT", "ID"), ("CLIENT", "SETNAME", "x"),
    ("CLIENT", "REPLY", "OFF"), ("CLIENT", "LIST"), ("CLIENT", "KILL", "ID", "1"), ("RESET",),
    ("AUTH", "pw"), ("QUIT",),
])
def test_connection_state_commands_refused(udp, cmd):
    reply = udp.call(*cmd)
    name = " ".join(cmd[:2] if cmd[0] == "CLIENT" else cmd[:1]).upper()
    assert reply == b"-ERR " + name.encode() + b" " + REFUSED
    # Nothing leaked: still db 0, RESP2, replies on.
    assert udp.call("SET", "after", "1") == b"+OK\r\n"
    assert udp.call("GET", "after") == b"$1\r\n1\r\n"


def test_refusals_counted_as_rejected(ur, udp):
    ur.config_resetstat()
    udp.call("SELECT", "2")
    stats = ur.info("commandstats")
    assert stats["cmdstat_select"]["rejected_calls"] == 1
    assert stats["cmdstat_select"]["calls"] == 0


# ----------------------------------------------------------- reply limits

def test_reply_too_large_is_an_error_never_truncated(ur, udp):
    # "$1391\r\n" + 1391 bytes + "\r\n" is exactly 1400 bytes.
    ur.set("fits", "a" * 1391)
    ur.set("big", "b" * 1392)
    assert udp.call("GET", "fits") == b"$1391\r\n" + b"a" * 1391 + b"\r\n"
    assert udp.call("GET", "big") == (
        b"-ERR reply too large for UDP (1401 bytes > udp-max-reply 1400); use TCP\r\n")
    ur.config_set("udp-max-reply", "4000")
    assert udp.call("GET", "big") == b"$1392\r\n" + b"b" * 1392 + b"\r\n"
    ur.config_set("udp-max-reply", "128")
    assert udp.call("GET", "fits").startswith(b"-ERR reply too large for UDP (1400 bytes")
    assert ur.info("stats")["total_error_replies"] >= 2


def test_large_request_small_reply(ur, udp):
    # A datagram near the IPv4 UDP maximum (65507 bytes) is a valid request.
    value = b"v" * 65000
    assert udp.call("SET", "large", value) == b"+OK\r\n"
    assert ur.strlen("large") == 65000
    assert udp.call("STRLEN", "large") == b":65000\r\n"
    assert udp.call("GET", "large").startswith(b"-ERR reply too large for UDP (65010 bytes")


# ------------------------------------------------------- bad datagrams

def test_empty_datagram_is_dropped(udp):
    udp.send(b"")
    udp.send(b"\r\n")      # a blank inline line: no request
    udp.send(b"*0\r\n")    # an empty multibulk: no request
    udp.no_reply()
    assert udp.raw(b"PING") == b"+PONG\r\n"


@pytest.mark.parametrize("data,error", [
    (b"*1\r\n$4\r\nPIN", b"-ERR Protocol error: incomplete request in datagram\r\n"),
    (b"*2\r\n$3\r\nGET\r\n", b"-ERR Protocol error: incomplete request in datagram\r\n"),
    (b"*2\r\n$3\r\nGET\r\n$99999\r\nk\r\n",
     b"-ERR Protocol error: incomplete request in datagram\r\n"),
    (b"PING\r\nPING\r\n", b"-ERR Protocol error: more than one request in datagram\r\n"),
    (b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n",
     b"-ERR Protocol error: more than one request in datagram\r\n"),
    (b"*1\r\n$4\r\nPING\r\ngarbage", b"-ERR Protocol error: more than one request in datagram\r\n"),
    (b"*x\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*1\r\nPING\r\n", b"-ERR Protocol error: expected '$', got 'P'\r\n"),
    (b'SET "k v', b"-ERR Protocol error: unbalanced quotes in request\r\n"),
])
def test_malformed_datagram_gets_error(userver, ur, udp, data, error):
    assert udp.raw(data) == error
    # Neither this sender nor TCP clients are disturbed.
    assert udp.raw(b"PING") == b"+PONG\r\n"
    assert ur.ping()


def test_garbage_bytes_never_crash(userver, ur, udp):
    import random
    rng = random.Random(7)
    for _ in range(300):
        n = rng.choice([1, 2, 5, 20, 200, 3000])
        data = bytes(rng.randrange(256) for _ in range(n))
        udp.send(data)
        if data.strip(b"\r\n \t") == b"" or data.startswith(b"*0\r\n"):
            continue
        # Every datagram gets at most one reply; drain what came.
        try:
            udp.sock.settimeout(0.5)
            udp.recv()
        except socket.timeout:
            pass
    udp.sock.settimeout(2.0)
    while True:
        try:
            udp.sock.settimeout(0.2)
            udp.recv()
        except socket.timeout:
            break
    udp.sock.settimeout(2.0)
    assert udp.raw(b"PING") == b"+PONG\r\n"
    assert ur.ping()
    assert userver.alive()


# ------------------------------------------------------------- security

def test_requirepass_refuses_udp_unless_allowed(userver):
    # A server of its own, with requirepass and UDP on its TCP port.
    port = free_port_tcp_and_udp()
    srv = userver.start(["--requirepass", "s3cret", "--udp-port", port], port=port,
                        password="s3cret")
    u = Udp(port)
    try:
        assert u.raw(b"PING") == b"-NOAUTH Authentication required.\r\n"
        assert u.call("SET", "k", "v") == b"-NOAUTH Authentication required.\r\n"
        # No way to authenticate a datagram: AUTH needs a connection.
        assert u.call("AUTH", "s3cret") == b"-ERR AUTH " + REFUSED
        # Unauthenticated requests get the stricter parser limits.
        big = resp.encode_command("SET", "k", "x" * 20000)
        assert u.raw(big).startswith(b"-ERR Protocol error: unauthenticated")
        c = srv.client()
        assert c.exists("k") == 0
        c.config_set("udp-allow-unauthenticated", "yes")
        assert u.call("SET", "k", "v") == b"+OK\r\n"
        assert c.get("k") == b"v"
        c.config_set("udp-allow-unauthenticated", "no")
        assert u.call("GET", "k") == b"-NOAUTH Authentication required.\r\n"
        c.close()
    finally:
        u.close()


def test_allow_unauthenticated_at_startup(userver):
    port = free_port_tcp_and_udp()
    userver.start(["--requirepass", "pw", "--udp-port", port,
                   "--udp-allow-unauthenticated", "yes"], port=port, password="pw")
    u = Udp(port)
    try:
        assert u.raw(b"PING") == b"+PONG\r\n"
    finally:
        u.close()


def test_udp_port_in_use_fails_start(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.0.0.1", 0))
        busy = holder.getsockname()[1]
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            tcp_port = t.getsockname()[1]
        p = run_server_cmd(["--port", tcp_port, "--bind", "127.0.0.1", "--dir", tmp_path,
                            "--udp-port", busy])
        assert p.returncode != 0
        out = (p.stdout + p.stderr).decode(errors="replace")
        assert "UDP" in out and str(busy) in out


# --------------------------------------------------------------- stress

@pytest.mark.timeout(120)
def test_concurrent_senders_every_reply_and_final_state(userver, ur):
    """Several threads send thousands of datagrams each while a TCP client also writes the
    shared counter; every reply is checked, then the final keyspace."""
    senders, rounds = 4, 1500  # 4 x 1500 x 3 = 18000 datagrams
    tcp_incrs = 500
    errors = []
    shared_replies = []
    lock = threading.Lock()

    def call_idempotent(u, payload, expect):
        # SET/GET may be retried: on loopback a lost datagram is rare but legal.
        for attempt in range(3):
            u.send(payload)
            try:
                got = u.recv()
            except socket.timeout:
                continue
            if got != expect:
                raise AssertionError("%r -> %r, expected %r" % (payload[:60], got, expect))
            return
        raise AssertionError("no reply to %r after 3 tries" % payload[:60])

    def sender(t):
        u = Udp(userver.port)
        mine = []
        try:
            for i in range(rounds):
                key, val = "s:%d:%d" % (t, i), "v%d-%d" % (t, i) * (1 + i % 7)
                call_idempotent(u, resp.encode_command("SET", key, val), b"+OK\r\n")
                call_idempotent(u, resp.encode_command("GET", key),
                                b"$%d\r\n%s\r\n" % (len(val), val.encode()))
                # INCR is not idempotent: no retry, a lost reply fails the test.
                got = u.call("INCR", "shared")
                assert got.startswith(b":") and got.endswith(b"\r\n"), got
                mine.append(int(got[1:-2]))
        except Exception as e:  # noqa: BLE001 - reported below
            with lock:
                errors.append("sender %d: %r" % (t, e))
        finally:
            u.close()
            with lock:
                shared_replies.extend(mine)

    def tcp_writer():
        c = userver.client()
        try:
            for _ in range(tcp_incrs):
                shared_replies_local.append(c.incr("shared"))
        finally:
            c.close()

    shared_replies_local = []
    threads = [threading.Thread(target=sender, args=(t,)) for t in range(senders)]
    threads.append(threading.Thread(target=tcp_writer))
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    total = senders * rounds + tcp_incrs
    # Every INCR, over UDP or TCP, saw a distinct value: the keyspace is one.
    assert sorted(shared_replies + shared_replies_local) == list(range(1, total + 1))
    assert ur.get("shared") == str(total).encode()
    assert ur.dbsize() == senders * rounds + 1
    for t in range(senders):
        for i in (0, rounds // 2, rounds - 1):
            assert ur.get("s:%d:%d" % (t, i)) == ("v%d-%d" % (t, i) * (1 + i % 7)).encode()
