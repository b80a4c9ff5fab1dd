"""A real redis-server (Debian's 7.0.15) as the oracle of interoperability tests.

Started in a directory of the test's choosing on a free loopback port, with persistence
off unless the extra arguments say otherwise (later arguments win), and stopped by its PID
only.
"""

import os
import shutil
import signal
import subprocess
import time

import pytest
import redis

from conftest import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
HAVE_REDIS = os.access(REDIS_SERVER, os.X_OK)


class RedisOracle:
    """A real redis-server 7 (the oracle), stopped by its PID only."""

    def __init__(self, workdir, extra=()):
        self.port = free_port()
        self.dir = str(workdir)
        self.log_path = os.path.join(self.dir, "redis-%d.log" % self.port)
        argv = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                "--save", "", "--appendonly", "no", "--logfile", self.log_path,
                "--daemonize", "no"] + [str(a) for a in extra]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, cwd=self.dir)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError("redis-server did not start:\n" + self.log())
                time.sleep(0.05)

    def client(self, db=0):
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=10)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        """SIGTERM (Redis fsyncs the AOF and exits 0); returns the exit code."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def oracle():
    """Starts redis-server oracles for a test: oracle(workdir, extra_args); all are killed
    (by PID) at the end of the test."""
    started = []

    def start(workdir, extra=()):
        p = RedisOracle(workdir, extra)
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()


def snapshot_of(make_client, dbs=range(16)):
    """{db: {key: (value, pexpiretime)}} read back from a server; make_client(db) gives a
    redis-py client on that database (RedisOracle.client, or db_clients(an Ember server))."""
    out = {}
    for db in dbs:
        c = make_client(db)
        keys = {}
        for k in c.scan_iter(count=1000):
            keys[k] = (c.get(k), c.execute_command("PEXPIRETIME", k))
        if keys:
            out[db] = keys
    return out


def db_clients(srv):
    """make_client for snapshot_of on a conftest ServerProcess."""
    return lambda db: srv.client(db=db)

