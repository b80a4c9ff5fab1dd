"""Pieces the benchmark scripts share (standard library only): a tiny blocking RESP client,
starting and stopping the processes a script owns (by Popen object, never by name), /proc
readings, percentiles, and the readers of compare.sh's raw files.

The scripts import it as a sibling module (`python3 bench/<script>.py` puts bench/ first on
sys.path).
"""

import math
import os
import signal
import socket
import subprocess
import sys
import time


def log(msg=""):
    print(msg, file=sys.stderr, flush=True)


def ensure_deps():
    """Installs what the benchmarks need and a machine lacks (redis-server, redis-benchmark,
    perf, matplotlib...: scripts/deps.sh --bench, Debian packages, only the missing ones)."""
    deps = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "deps.sh")
    if subprocess.run([deps, "--bench"], stdout=sys.stderr).returncode != 0:
        raise SystemExit("scripts/deps.sh --bench failed")


# ---------------------------------------------------------------- tiny RESP client

class Resp:
    """Blocking RESP2 client: enough for PING, DBSIZE, INFO, BGSAVE, FLUSHALL, GET, SET."""

    def __init__(self, port, timeout=30.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def close(self):
        self.sock.close()

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            self._fill()

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            v = bytes(self.buf[:n])
            del self.buf[:n + 2]
            return v
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError(f"bad RESP line {line!r}")

    def call(self, *args):
        self.sock.sendall(self.encode(*args))
        return self.read()

    def info(self, section=""):
        raw = self.call("INFO", section) if section else self.call("INFO")
        out = {}
        for line in raw.decode().splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k] = v
        return out


# ---------------------------------------------------------------- child roles

class Stop(Exception):
    pass


def install_stop_handler():
    """In a child role (probe, load generator): SIGTERM raises Stop while state["armed"]."""
    state = {"armed": True}

    def handler(_sig, _frm):
        if state["armed"]:
            raise Stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    return state


# ---------------------------------------------------------------- processes we own

STARTED = []  # Popen objects this script started (servers, probe, load, redis-cli)


def stop_proc(p, sig=signal.SIGTERM, grace=30.0):
    if p.poll() is None:
        try:
            p.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            log(f"  pid {p.pid} did not exit after {sig.name}; sending SIGKILL")
            p.kill()
            p.wait()
    if p in STARTED:
        STARTED.remove(p)


def cleanup():
    for p in list(STARTED):
        stop_proc(p)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def launch_server(make_cmd, d, name, grace=30.0):
    """Runs make_cmd(port) in directory d (log: d/server.log) on a free port, up to 3 tries,
    until it answers PING. Returns (Popen, port, Resp connection)."""
    for attempt in range(3):
        port = free_port()
        cmd = make_cmd(port)
        logf = open(os.path.join(d, "server.log"), "ab")
        p = subprocess.Popen(cmd, cwd=d, stdout=logf, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        logf.close()
        STARTED.append(p)
        t_end = time.monotonic() + 15
        while time.monotonic() < t_end and p.poll() is None:
            try:
                c = Resp(port, timeout=2)
                if c.call("PING") == "PONG":
                    return p, port, c
                c.close()
            except (OSError, RuntimeError):
                pass
            time.sleep(0.1)
        stop_proc(p, grace=grace)
        with open(os.path.join(d, "server.log"), errors="replace") as f:
            tail = f.read()[-2000:]
        log(f"  {name} did not start on port {port} (attempt {attempt + 1}):\n{tail}")
    raise SystemExit(f"could not start {name}: {' '.join(cmd)}")


# ---------------------------------------------------------------- readings

def proc_kb(pid, field="VmRSS"):
    """A /proc/PID/status field in kB (VmRSS by default), None if the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    i = min(len(sorted_vals) - 1, max(0, math.ceil(p / 100.0 * len(sorted_vals)) - 1))
    return sorted_vals[i]


# ---------------------------------------------------------------- compare.sh's raw files

def load_tsv(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            if line.strip():
                rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    return rows


def read_meta(d):
    meta = {}
    path = os.path.join(d, "meta.env")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    meta[k] = v
    return meta
