"""Helpers for the crash and disk-fault persistence tests.

* Node: a server that is killed with SIGKILL and restarted on the same directory with the same
  arguments (each generation gets a new port and its own log file in that directory).
* Writer: a thread on its own connection that sends writes one at a time and records which ones
  were acknowledged (a reply arrived) and when.
* Ledger: checks what a restarted server holds against what the writers sent.
* tmpfs(): mounts a small tmpfs (skips the test when that is not permitted).

Every loop is bounded in count and in time; processes are only ever signalled by their own PID.
"""

import contextlib
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

import resp
from helpers import wait_until
from conftest import ServerProcess

LOAD_TIMEOUT = float(os.environ.get("EMBER_CRASH_LOAD_TIMEOUT", "60"))
TTL_MS = 3600 * 1000


def seed_for(name):
    """Deterministic per-test seed; EMBER_CRASH_SEED changes all of them."""
    base = int(os.environ.get("EMBER_CRASH_SEED", "20240611"))
    h = 0
    for ch in name:
        h = (h * 131 + ord(ch)) & 0xFFFFFFFF
    return base ^ h


# --------------------------------------------------------------------------
# processes

def _proc_stat(pid):
    """(state, ppid, starttime) of a live PID, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(")") + 2:].split()
    # rest[0] = state (field 3), rest[1] = ppid (field 4), rest[19] = starttime (field 22)
    return rest[0], int(rest[1]), int(rest[19])


def child_pids(pid):
    """Direct children of `pid` with their start times (to never signal a reused PID)."""
    out = []
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                for c in f.read().split():
                    st = _proc_stat(int(c))
                    if st and st[1] == pid:
                        out.append((int(c), st[2]))
        except OSError:
            pass
    return out


def _same_alive(pid, starttime):
    st = _proc_stat(pid)
    return st is not None and st[0] != "Z" and st[2] == starttime


def _kill_exact(pid, starttime):
    if _same_alive(pid, starttime):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _wait_gone(kids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_same_alive(p, s) for p, s in kids):
            return True
        time.sleep(0.02)
    return not any(_same_alive(p, s) for p, s in kids)


def wait_loaded(srv, timeout=LOAD_TIMEOUT):
    """Wait until the server answers PING with PONG (not -LOADING); bounded."""
    deadline = time.monotonic() + timeout
    last = None
    conn = None
    while time.monotonic() < deadline:
        if not srv.alive():
            raise AssertionError("server exited while loading (code %s); log:\n%s"
                                 % (srv.proc.returncode, srv.log()[-4000:]))
        try:
            if conn is None:
                conn = srv.conn(timeout=5)
            last = conn.call("PING")
            if last == b"PONG":
                conn.close()
                return
        except (OSError, ConnectionError, resp.ProtocolError) as e:
            last = e
            if conn is not None:
                conn.close()
            conn = None
        time.sleep(0.02)
    raise AssertionError("server did not finish loading within %.0fs (last reply %r); log:\n%s"
                         % (timeout, last, srv.log()[-4000:]))


class Node:
    """A server that can be crashed and restarted on the same directory with the same args."""

    def __init__(self, args, workdir=None):
        self.args = [str(a) for a in args]
        self.workdir = workdir or tempfile.mkdtemp(prefix="ember-crash-")
        self.srv = None
        self.generations = []
        self.orphans = []
        self.crash_notes = []

    def start(self):
        self.srv = ServerProcess(self.args, tmpdir=self.workdir)
        self.generations.append(self.srv)
        wait_loaded(self.srv)
        return self.srv

    @property
    def host(self):
        return self.srv.host

    @property
    def port(self):
        return self.srv.port

    def conn(self, timeout=10.0):
        return self.srv.conn(timeout=timeout)

    def crash(self, children="kill"):
        """SIGKILL the server at this moment.

        The server is first SIGSTOPped so that it cannot fork (or answer) any more, then its
        direct children (a BGSAVE / BGREWRITEAOF child) are either SIGKILLed too
        (children="kill": the whole server dies, as in a power cut, leaving half-written
        temp files) or left to finish on their own (children="wait": what `kill -9 <pid>` of
        the main process really does; we wait, bounded, until they are gone, so that no old
        child writes into the directory after the restart). Returns the time of the kill."""
        srv = self.srv
        if not srv.alive():
            raise AssertionError("server died before the planned kill (code %s); log:\n%s"
                                 % (srv.proc.returncode, srv.log()[-4000:]))
        os.kill(srv.pid, signal.SIGSTOP)
        t = time.monotonic()
        kids = child_pids(srv.pid)
        if children == "kill":
            for pid, start in kids:
                _kill_exact(pid, start)
        srv.kill()
        if not _wait_gone(kids, 15.0 if children == "wait" else 5.0):
            for pid, start in kids:
                _kill_exact(pid, start)
            self.orphans += kids
        self.crash_notes.append((children, len(kids)))
        return t

    def stop(self):
        return self.srv.stop()

    def files(self):
        out = []
        for root, _dirs, names in os.walk(self.workdir):
            for n in names:
                out.append(os.path.relpath(os.path.join(root, n), self.workdir))
        return sorted(out)

    def cleanup(self):
        for srv in self.generations:
            if srv.alive():
                kids = child_pids(srv.pid)
                srv.kill()
                for pid, start in kids:
                    _kill_exact(pid, start)
            else:
                srv.kill()  # closes the log handle
        for pid, start in self.orphans:
            _kill_exact(pid, start)


# --------------------------------------------------------------------------
# raw pipelining

def pipeline(conn, cmds, chunk=500):
    out = []
    for i in range(0, len(cmds), chunk):
        part = cmds[i:i + chunk]
        conn.send(b"".join(resp.encode_command(*c) for c in part))
        for _ in part:
            out.append(conn.read_reply())
    return out


def scan_all(conn, max_iters=100000, count=5000):
    keys = []
    cursor = b"0"
    for _ in range(max_iters):
        reply = conn.call("SCAN", cursor, "COUNT", count)
        assert isinstance(reply, list), "SCAN failed: %r" % (reply,)
        cursor, batch = reply
        keys.extend(batch)
        if cursor == b"0":
            return keys
    raise AssertionError("SCAN did not finish within %d iterations" % max_iters)


def info_fields(conn, section="persistence"):
    reply = conn.call("INFO", section)
    assert not isinstance(reply, resp.Error), reply
    out = {}
    for line in bytes(reply).decode().split("\r\n"):
        k, sep, v = line.partition(":")
        if sep and not line.startswith("#"):
            out[k] = v
    return out


def wait_for(pred, timeout, interval=0.05, msg="condition"):
    return wait_until(pred, timeout, interval, msg)


# --------------------------------------------------------------------------
# writers

SET, SETPX, DEL, INCR = "set", "setpx", "del", "incr"


class Op:
    __slots__ = ("kind", "key", "value", "acked", "ack_time")

    def __init__(self, kind, key, value):
        self.kind, self.key, self.value = kind, key, value
        self.acked = False
        self.ack_time = None


class Writer(threading.Thread):
    """Sends, one at a time on its own connection, a seeded mix of
    SET k:<round>:<tag>:<n> (unique values), INCR c:<round>:<tag>, SET t:... PX 1h,
    DEL of an earlier k: key and SET of a deleted k: key again (re-creation).
    Only this thread touches its keys, so per key the order of operations is known."""

    def __init__(self, host, port, round_id, tag, seed, max_seconds, max_ops=10 ** 6,
                 value_pad=16):
        super().__init__(daemon=True)
        self.host, self.port = host, port
        self.prefix = "%s:%s" % (round_id, tag)
        self.counter = "c:%s" % self.prefix
        self.rng = random.Random(seed)
        self.max_seconds = max_seconds
        self.max_ops = max_ops
        self.pad = "." * value_pad
        self.stop_event = threading.Event()
        self.ops = []
        self.errors = []
        self.end_reason = None

    def _next(self, n, live, deleted):
        x = self.rng.random()
        if x < 0.25:
            return Op(INCR, self.counter, None)
        if x < 0.35:
            return Op(SETPX, "t:%s:%d" % (self.prefix, n), "tv:%s:%d%s" % (self.prefix, n, self.pad))
        if x < 0.50 and live:
            key = live.pop(self.rng.randrange(len(live)))
            deleted.append(key)
            return Op(DEL, key, None)
        if x < 0.58 and deleted:
            key = deleted.pop(self.rng.randrange(len(deleted)))
            live.append(key)
            return Op(SET, key, "rv:%s:%d%s" % (self.prefix, n, self.pad))
        key = "k:%s:%d" % (self.prefix, n)
        live.append(key)
        return Op(SET, key, "v:%s:%d%s" % (self.prefix, n, self.pad))

    def run(self):
        try:
            conn = resp.Conn(self.host, self.port, timeout=10.0)
        except OSError as e:
            self.errors.append("connect: %r" % (e,))
            return
        deadline = time.monotonic() + self.max_seconds
        live, deleted = [], []
        n = 0
        try:
            while n < self.max_ops:
                if self.stop_event.is_set():
                    self.end_reason = "stopped"
                    break
                if time.monotonic() > deadline:
                    self.end_reason = "deadline"
                    break
                op = self._next(n, live, deleted)
                n += 1
                if op.kind == INCR:
                    args = ("INCR", op.key)
                elif op.kind == DEL:
                    args = ("DEL", op.key)
                elif op.kind == SETPX:
                    args = ("SET", op.key, op.value, "PX", TTL_MS)
                else:
                    args = ("SET", op.key, op.value)
                self.ops.append(op)  # "sent" (possibly) from here on
                try:
                    reply = conn.call(*args)
                except (OSError, ConnectionError, resp.ProtocolError) as e:
                    self.end_reason = "connection: %r" % (e,)
                    break
                if isinstance(reply, resp.Error):
                    self.errors.append("%r -> %r" % (args, reply))
                    break
                ok = (reply == b"OK") if op.kind in (SET, SETPX) else isinstance(reply, int)
                if not ok:
                    self.errors.append("%r -> unexpected %r" % (args, reply))
                    break
                op.acked = True
                op.ack_time = time.monotonic()
            else:
                self.end_reason = "max_ops"
        finally:
            conn.close()

    @property
    def acked_count(self):
        return sum(1 for op in self.ops if op.acked)


def run_writers(node, round_id, seed, nthreads, max_seconds):
    ws = [Writer(node.host, node.port, round_id, "w%d" % i, seed * 1000 + i, max_seconds)
          for i in range(nthreads)]
    for w in ws:
        w.start()
    return ws


def join_writers(ws, timeout=15.0):
    deadline = time.monotonic() + timeout
    for w in ws:
        w.stop_event.set()
    for w in ws:
        w.join(max(0.1, deadline - time.monotonic()))
        assert not w.is_alive(), "writer thread did not stop within %.0fs" % timeout
    errors = [e for w in ws for e in w.errors]
    assert not errors, "writes failed before the kill: %s" % errors[:5]


# --------------------------------------------------------------------------
# verification

def _b(s):
    return None if s is None else s.encode()


class Ledger:
    """What the data set may contain after a restart, given the writers' records.

    known: key -> exact value (bytes or None) of keys from earlier, already verified rounds
    (they must never change again). sent: every key any writer ever sent."""

    def __init__(self, extra_key_ok=None):
        self.known = {}
        self.sent = set()
        self.extra_key_ok = extra_key_ok or (lambda k: False)
        self.stats = []

    def check(self, conn, writers, cutoff=None):
        """cutoff None: every acknowledged write must be there (appendfsync always).
        cutoff t: every write acknowledged at or before monotonic time t must be there."""
        allowed = {}      # key -> set of allowed values (bytes or None)
        ttl_keys = set()
        counters = {}     # key -> (lo, hi)
        lost_late = 0
        acked_total = 0
        for w in writers:
            ops = w.ops
            acked_idx = [i for i, op in enumerate(ops) if op.acked]
            acked_total += len(acked_idx)
            if cutoff is None:
                lmin = acked_idx[-1] + 1 if acked_idx else 0
            else:
                lmin = sum(1 for op in ops if op.acked and op.ack_time <= cutoff)
            lmax = len(ops)
            state, incr = {}, 0
            for op in ops[:lmin]:
                if op.kind == INCR:
                    incr += 1
                else:
                    state[op.key] = _b(op.value)
            hi = incr
            tail_vals = {}
            for op in ops[lmin:lmax]:
                if op.kind == INCR:
                    hi += 1
                else:
                    tail_vals.setdefault(op.key, set()).add(_b(op.value))
            for op in ops:
                self.sent.add(op.key.encode())
                if op.kind == SETPX:
                    ttl_keys.add(op.key.encode())
            for key in set(state) | set(tail_vals):
                vals = {state.get(key)} | tail_vals.get(key, set())
                allowed[key.encode()] = vals
            counters[w.counter.encode()] = (incr, hi)
            w._lmin = lmin

        keys = sorted(set(allowed) | set(counters) | set(self.known))
        replies = pipeline(conn, [c for k in keys for c in (("GET", k), ("PTTL", k))])
        observed = {}
        problems = []
        for i, k in enumerate(keys):
            val, pttl = replies[2 * i], replies[2 * i + 1]
            if isinstance(val, resp.Error) or isinstance(pttl, resp.Error):
                problems.append("%r: error %r / %r" % (k, val, pttl))
                continue
            val = None if val is resp.Null or val is None else bytes(val)
            observed[k] = val
            if k in self.known:
                if val != self.known[k]:
                    problems.append("%r from an earlier round changed: %r -> %r"
                                    % (k, self.known[k], val))
            elif k in counters:
                lo, hi = counters[k]
                n = 0 if val is None else int(val)
                if not lo <= n <= hi:
                    problems.append("counter %r = %d, expected %d..%d (acknowledged..sent)"
                                    % (k, n, lo, hi))
            elif val not in allowed[k]:
                problems.append("%r = %r, allowed %r" % (k, val, sorted(allowed[k], key=repr)))
            if val is not None:
                if k in ttl_keys or k.startswith(b"t:"):
                    if not 0 < pttl <= TTL_MS:
                        problems.append("%r lost its TTL: PTTL %r" % (k, pttl))
                elif pttl != -1:
                    problems.append("%r has an unexpected TTL: PTTL %r" % (k, pttl))
        all_keys = scan_all(conn)
        strangers = [k for k in all_keys
                     if k not in self.sent and not self.extra_key_ok(k)]
        if strangers:
            problems.append("%d keys that were never written appeared, e.g. %r"
                            % (len(strangers), strangers[:5]))
        if cutoff is not None:
            # informational: acknowledged writes after the cutoff that did not survive
            for w in writers:
                last = {}
                for i, op in enumerate(w.ops):
                    last[op.key] = i
                acked_incr = sum(1 for op in w.ops if op.acked and op.kind == INCR)
                got = observed.get(w.counter.encode())
                lost_late += max(0, acked_incr - (int(got) if got else 0))
                for i, op in enumerate(w.ops[w._lmin:], w._lmin):
                    if op.acked and op.kind != INCR and last[op.key] == i:
                        if observed.get(op.key.encode()) != _b(op.value):
                            lost_late += 1
        assert not problems, "%d problems after restart:\n  %s" % (
            len(problems), "\n  ".join(problems[:20]))
        self.known.update(observed)
        self.stats.append({"acked": acked_total, "lost_after_cutoff": lost_late})
        return all_keys


# --------------------------------------------------------------------------
# tmpfs

@contextlib.contextmanager
def tmpfs(size, cleanup_first=()):
    """Mount a tmpfs of `size` (e.g. "2m") on a fresh directory and yield its path.

    Skips the test when mounting is not permitted. `cleanup_first` is a list the test may
    append callables to (e.g. stopping the server); they run before the umount."""
    base = tempfile.mkdtemp(prefix="ember-tmpfs-")
    mnt = os.path.join(base, "mnt")
    os.mkdir(mnt)
    try:
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", mnt],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip("cannot mount a tmpfs: %r" % (e,))
    if res.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip("cannot mount a tmpfs (needs root / CAP_SYS_ADMIN): %s"
                    % res.stdout.decode(errors="replace").strip())
    try:
        yield base, mnt
    finally:
        for fn in reversed(list(cleanup_first)):
            try:
                fn()
            except Exception:
                pass
        ok = False
        for _ in range(20):
            if subprocess.run(["umount", mnt], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=10).returncode == 0:
                ok = True
                break
            time.sleep(0.1)
        if not ok:
            subprocess.run(["umount", "-l", mnt], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=10)
        shutil.rmtree(base, ignore_errors=True)


def remount(mnt, size):
    res = subprocess.run(["mount", "-o", "remount,size=%s" % size, mnt],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    assert res.returncode == 0, "remount failed: %s" % res.stdout.decode(errors="replace")
