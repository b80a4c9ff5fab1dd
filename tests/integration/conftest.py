"""Fixtures for the Ember integration suite.

The server under test is $EMBER_BIN (default: <repo>/build/ember-server).
Every test is expected to pass against real Redis 7.0 as well:

    EMBER_BIN=/usr/bin/redis-server /usr/bin/python3 -m pytest tests/integration -q

Fixtures
--------
server   module-scoped ServerProcess (host, port, pid, log_path, dir,
         start(extra_args) to launch additional servers, client(), conn()).
r        redis.Redis (decode_responses=False) on `server`; the server is
         FLUSHALLed before every test.
r3       raw resp.Conn on `server` that already switched to RESP3 with HELLO 3
         (redis-py 4.3.x, shipped by Debian 12, has no RESP3 support, so all
         RESP3 checks are done on raw sockets).
r3py     redis.Redis(protocol=3); skipped unless redis-py >= 5.
conn     raw resp.Conn (RESP2), for exact reply types and error strings.
is_ember True when the binary under test is Ember.

Markers
-------
ember_only      skipped unless the binary's name contains "ember".
redis_only      skipped when running Ember (documents a Redis quirk only).
timeout(sec)    per-test wall-clock limit (default DEFAULT_TIMEOUT), enforced
                with SIGALRM so that nothing hangs forever.
"""

import os
import pathlib
import shlex
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis

import resp

REPO = pathlib.Path(__file__).resolve().parents[2]
EMBER_BIN = os.environ.get("EMBER_BIN") or str(REPO / "build" / "ember-server")
IS_EMBER = "ember" in os.path.basename(EMBER_BIN).lower()
# Extra arguments for every server start (e.g. EMBER_EXTRA_ARGS="--loglevel debug")
EXTRA_ARGS = shlex.split(os.environ.get("EMBER_EXTRA_ARGS", ""))
DEFAULT_TIMEOUT = int(os.environ.get("EMBER_TEST_TIMEOUT", "30"))
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0

REDIS_PY_VERSION = tuple(int(x) for x in redis.__version__.split(".")[:2] if x.isdigit())


class TestTimeout(Exception):
    pass


# --------------------------------------------------------------------------
# helpers

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_base_args():
    """Arguments added to every server start depending on the binary."""
    if IS_EMBER:
        return ["--threads", "2"]
    # Real Redis: no persistence, and allow DEBUG (off by default since 7.0).
    return ["--save", "", "--appendonly", "no", "--enable-debug-command", "yes"]


class ServerProcess:
    """One server process started by the suite (and only stopped by PID)."""

    def __init__(self, args=None, config_file=None, port=None, tmpdir=None,
                 base_args=True, wait=True, password=None):
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.dir = tmpdir or tempfile.mkdtemp(prefix="ember-it-")
        self.log_path = os.path.join(self.dir, "server-%d.log" % self.port)
        self.password = password
        self.argv = [EMBER_BIN]
        if config_file:
            self.argv.append(str(config_file))
        self.argv += ["--port", str(self.port), "--bind", self.host, "--dir", self.dir]
        if base_args:
            self.argv += server_base_args()
        self.argv += EXTRA_ARGS
        self.argv += [str(a) for a in (args or [])]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir)
        self.pid = self.proc.pid
        if wait:
            self.wait_ready()

    # ---------------------------------------------------------------- info
    def __repr__(self):
        return "ServerProcess(pid=%s, port=%s)" % (self.pid, self.port)

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    # ------------------------------------------------------------ clients
    def client(self, **kw):
        kw.setdefault("socket_timeout", 10)
        kw.setdefault("socket_connect_timeout", 5)
        kw.setdefault("decode_responses", False)
        if self.password is not None:
            kw.setdefault("password", self.password)
        return redis.Redis(host=self.host, port=self.port, **kw)

    def conn(self, timeout=10.0):
        return resp.Conn(self.host, self.port, timeout=timeout)

    # ------------------------------------------------------------- control
    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with code %s during startup; argv=%r\nlog:\n%s"
                                   % (self.proc.returncode, self.argv, self.log()))
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    s.settimeout(1)
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                    data = s.recv(64)
                    # +PONG, or -NOAUTH when a password is configured
                    if data[:1] in (b"+", b"-"):
                        return
            except OSError as e:
                last = e
            time.sleep(0.02)
        self.kill()
        raise RuntimeError("server did not answer PING within %.0fs (%r); argv=%r\nlog:\n%s"
                           % (timeout, last, self.argv, self.log()))

    def start(self, extra_args=None, **kw):
        """Start an additional server (own port, same tmp dir); it is stopped
        (and checked for a clean exit) at the end of the current test."""
        kw.setdefault("tmpdir", tempfile.mkdtemp(prefix="ember-it-extra-", dir=self.dir))
        srv = ServerProcess(extra_args, **kw)
        _EXTRA_SERVERS.append(srv)
        return srv

    def signal(self, sig):
        if self.proc.poll() is None:
            os.kill(self.pid, sig)

    def wait_exit(self, timeout=STOP_TIMEOUT):
        """Wait for the process to exit; returns the exit code (None on timeout)."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM our own PID, return the exit code (kills and returns None on hang)."""
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
        rc = self.wait_exit(timeout)
        if rc is None:
            self.kill()
        self._log.close()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        try:
            self._log.close()
        except Exception:
            pass


_EXTRA_SERVERS = []


def run_server_cmd(args, timeout=5):
    """Run the server binary to completion (for startup-failure / --version tests).

    Fails the test if the process is still running after `timeout` seconds
    (subprocess.run kills the child it started in that case)."""
    argv = [EMBER_BIN] + [str(a) for a in args]
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = ((e.stdout or b"") + (e.stderr or b"")).decode(errors="replace")
        pytest.fail("%r did not exit within %ss (expected it to exit by itself); output:\n%s"
                    % (argv, timeout, out))


# --------------------------------------------------------------------------
# pytest hooks

def pytest_configure(config):
    config.addinivalue_line("markers", "ember_only: runs only against Ember")
    config.addinivalue_line("markers", "redis_only: runs only against real Redis")
    config.addinivalue_line("markers", "timeout(seconds): per-test time limit")
    config.addinivalue_line("markers", "slow: slower test")


def pytest_sessionstart(session):
    if not (os.path.isfile(EMBER_BIN) and os.access(EMBER_BIN, os.X_OK)):
        pytest.exit("server binary %r not found or not executable: build Ember (build/ember-server) "
                    "or set EMBER_BIN=/usr/bin/redis-server to validate against real Redis" % EMBER_BIN,
                    returncode=4)


def pytest_report_header(config):
    return "server under test: %s (ember=%s), redis-py %s" % (EMBER_BIN, IS_EMBER, redis.__version__)


def pytest_collection_modifyitems(config, items):
    skip_ember = pytest.mark.skip(reason="ember-only test (binary is not ember)")
    skip_redis = pytest.mark.skip(reason="documents a real-Redis-only behaviour")
    for item in items:
        if "ember_only" in item.keywords and not IS_EMBER:
            item.add_marker(skip_ember)
        if "redis_only" in item.keywords and IS_EMBER:
            item.add_marker(skip_redis)


def _alarm_handler(signum, frame):
    raise TestTimeout("test exceeded its time limit (SIGALRM guard)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    marker = item.get_closest_marker("timeout")
    limit = int(marker.args[0]) if marker and marker.args else DEFAULT_TIMEOUT
    old = signal.signal(signal.SIGALRM, _alarm_handler)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------
# fixtures

@pytest.fixture(scope="session")
def is_ember():
    return IS_EMBER


@pytest.fixture(scope="session")
def ember_bin():
    return EMBER_BIN


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("srv"))
    srv = ServerProcess(tmpdir=d)
    yield srv
    rc = srv.stop()
    assert rc is not None, "server pid %d did not exit within %ss of SIGTERM" % (srv.pid, STOP_TIMEOUT)
    assert rc == 0, "server exited with code %r after SIGTERM; log:\n%s" % (rc, srv.log())


@pytest.fixture(autouse=True)
def _stop_extra_servers():
    yield
    errors = []
    while _EXTRA_SERVERS:
        srv = _EXTRA_SERVERS.pop()
        already = srv.proc.poll() is not None
        rc = srv.stop()
        if already:
            continue  # the test itself made it exit and checked how
        if rc is None:
            errors.append("extra server pid %d did not exit within %ss" % (srv.pid, STOP_TIMEOUT))
        elif rc != 0:
            errors.append("extra server pid %d exited with %r; log:\n%s" % (srv.pid, rc, srv.log()))
    assert not errors, "\n".join(errors)


@pytest.fixture
def r(server):
    if not server.alive():
        pytest.fail("shared server is not running; log:\n%s" % server.log())
    client = server.client()
    try:
        client.flushall()
    except redis.RedisError as e:
        pytest.fail("fixture 'r' needs a working FLUSHALL: %s" % e)
    yield client
    client.close()


@pytest.fixture
def r3(server, r):
    """Raw RESP3 connection (HELLO 3 already done)."""
    c = server.conn()
    reply = c.call("HELLO", "3")
    assert isinstance(reply, resp.Map), reply
    yield c
    c.close()


@pytest.fixture
def r3py(server, r):
    """redis.Redis speaking RESP3 -- only with redis-py >= 5.0 (Debian 12 ships
    4.3.4 without RESP3 support, so this skips there; use `r3` instead)."""
    if REDIS_PY_VERSION < (5, 0):
        pytest.skip("redis-py %s has no RESP3 support" % redis.__version__)
    client = server.client(protocol=3)
    yield client
    client.close()


@pytest.fixture
def conn(server, r):
    """Raw RESP2 connection."""
    c = server.conn()
    yield c
    c.close()
