"""ember-cli, tested the way people use it.

One-shot output is compared byte for byte with redis-cli's for the same replies from the same
server, in raw mode (stdout is a pipe), in --no-raw mode and on a real terminal (`script`).
The interactive mode runs in tmux: keys are typed with send-keys and the screen is read back
with capture-pane.

ember-cli is looked up next to EMBER_BIN; the module is skipped when it is not there (e.g.
when EMBER_BIN is redis-server).
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import pytest

from conftest import EMBER_BIN, ServerProcess

EMBER_CLI = os.path.join(os.path.dirname(os.path.abspath(EMBER_BIN)), "ember-cli")
REDIS_CLI = shutil.which("redis-cli")
TMUX = shutil.which("tmux")
SCRIPT = shutil.which("script")

pytestmark = [
    pytest.mark.skipif(not os.access(EMBER_CLI, os.X_OK), reason="ember-cli not built next to EMBER_BIN"),
    pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli not installed"),
]
needs_tmux = pytest.mark.skipif(TMUX is None, reason="tmux not installed")
needs_script = pytest.mark.skipif(SCRIPT is None, reason="script(1) not installed")


def run(binary, server, *args, input=None, timeout=10, env=None):
    argv = [binary, "-h", server.host, "-p", str(server.port)] + [str(a) for a in args]
    return subprocess.run(argv, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, env=env)


def ember(server, *args, **kw):
    return run(EMBER_CLI, server, *args, **kw)


def redis(server, *args, **kw):
    return run(REDIS_CLI, server, *args, **kw)


def on_tty(binary, server, *args):
    """stdout of the client run on a pseudo-terminal (human form chosen by the client itself)."""
    cmd = " ".join([binary, "-h", server.host, "-p", str(server.port)] +
                   ["'%s'" % a.replace("'", "'\\''") for a in args])
    p = subprocess.run([SCRIPT, "-qc", cmd, "/dev/null"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    return p.stdout


@pytest.fixture
def data(r):
    r.set("s", "hello world")
    r.set("bin", b'a"b\\c\n\r\t\x01\xff end')
    r.set("n", 41)
    r.set("empty", "")
    r.set("ttl", "v", ex=1000)
    return r


# Read-only commands (or commands whose reply does not change when repeated), covering
# statuses, bulk strings with escapes, nil, integers, errors, arrays (nested, empty, with nil,
# with more than nine elements) and, with -3, RESP3 maps, sets, doubles, booleans, verbatim.
COMMANDS = [
    ["PING"],
    ["SET", "s", "hello world"],
    ["GET", "s"],
    ["GET", "bin"],
    ["GET", "empty"],
    ["GET", "nokey"],
    ["STRLEN", "s"],
    ["INCRBY", "n", "0"],
    ["EXISTS", "s", "nokey", "n"],
    ["TYPE", "s"],
    ["MGET", "s", "nokey", "n", "bin"],
    ["MGET", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "s"],
    ["NOSUCHCOMMAND", "x"],
    ["GET"],
    ["INCR", "s"],
    ["SCAN", "0", "MATCH", "nomatch*"],
    ["COMMAND", "DOCS", "GET"],
    ["ECHO", "quote ' and \" and \\"],
    ["DEBUG", "PROTOCOL", "string"],
    ["DEBUG", "PROTOCOL", "integer"],
    ["DEBUG", "PROTOCOL", "null"],
    ["DEBUG", "PROTOCOL", "array"],
    ["DEBUG", "PROTOCOL", "map"],
    ["DEBUG", "PROTOCOL", "set"],
    ["DEBUG", "PROTOCOL", "double"],
    ["DEBUG", "PROTOCOL", "verbatim"],
    ["DEBUG", "PROTOCOL", "true"],
    ["DEBUG", "PROTOCOL", "false"],
    ["-3", "DEBUG", "PROTOCOL", "map"],
    ["-3", "DEBUG", "PROTOCOL", "set"],
    ["-3", "DEBUG", "PROTOCOL", "double"],
    ["-3", "DEBUG", "PROTOCOL", "verbatim"],
    ["-3", "DEBUG", "PROTOCOL", "true"],
    ["-3", "DEBUG", "PROTOCOL", "false"],
    ["-3", "DEBUG", "PROTOCOL", "null"],
    ["-3", "DEBUG", "PROTOCOL", "push"],
    ["-3", "COMMAND", "DOCS", "GET", "SET"],
    ["-3", "MGET", "s", "nokey"],
    ["-n", "1", "GET", "s"],
]

IDS = ["_".join(c)[:40] for c in COMMANDS]


@pytest.mark.parametrize("mode", ["raw", "--no-raw"])
@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_one_shot_output_matches_redis_cli(server, data, cmd, mode):
    extra = [] if mode == "raw" else [mode]
    mine = ember(server, *(extra + cmd))
    theirs = redis(server, *(extra + cmd))
    assert mine.stdout == theirs.stdout, (mine.stdout, theirs.stdout)


@needs_script
@pytest.mark.parametrize("cmd", [c for c in COMMANDS if "push" not in c or "-3" in c],
                         ids=[i for c, i in zip(COMMANDS, IDS) if "push" not in c or "-3" in c])
def test_one_shot_on_a_terminal_matches_redis_cli(server, data, cmd):
    assert on_tty(EMBER_CLI, server, *cmd) == on_tty(REDIS_CLI, server, *cmd)


def test_exit_status(server, r):
    p = ember(server, "SET", "k", "v")
    assert (p.returncode, p.stdout) == (0, b"OK\n")
    p = ember(server, "NOSUCHCOMMAND")
    assert p.returncode == 1
    assert p.stdout.startswith(b"ERR unknown command")
    p = ember(server, "--no-raw", "GET", "k")
    assert (p.returncode, p.stdout) == (0, b'"v"\n')


def test_connection_refused():
    s = ServerProcess.__new__(ServerProcess)  # only host/port are used
    s.host = "127.0.0.1"
    from conftest import free_port
    s.port = free_port()
    p = ember(s, "PING")
    assert p.returncode == 1
    assert p.stderr == b"Could not connect to Redis at 127.0.0.1:%d: Connection refused\n" % s.port


def test_help_and_version():
    p = subprocess.run([EMBER_CLI, "--help"], stdout=subprocess.PIPE, timeout=5)
    assert p.returncode == 0
    for opt in (b"-h <hostname>", b"-p <port>", b"-a <password>", b"-u <uri>", b"-n <db>",
                b"--raw", b"--no-raw", b"-r <repeat>", b"-i <interval>", b"-x", b"--pipe",
                b"--latency", b"--stat", b"-3"):
        assert opt in p.stdout
    p = subprocess.run([EMBER_CLI, "--version"], stdout=subprocess.PIPE, timeout=5)
    assert p.returncode == 0 and p.stdout.startswith(b"ember-cli ")
    p = subprocess.run([EMBER_CLI, "--bogus"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=5)
    assert p.returncode == 1 and b"--bogus" in p.stderr


def test_repeat_and_interval(server, r):
    t0 = time.monotonic()
    p = ember(server, "-r", "3", "-i", "0.1", "INCR", "c")
    assert p.stdout == b"1\n2\n3\n"
    assert time.monotonic() - t0 >= 0.2
    for mode in ([], ["--no-raw"]):
        r.set("c", 0)
        mine = ember(server, *mode, "-r", "2", "INCR", "c").stdout
        r.set("c", 0)
        assert mine == redis(server, *mode, "-r", "2", "INCR", "c").stdout


def test_last_argument_from_stdin(server, r):
    p = ember(server, "-x", "SET", "k", input=b"line one\nline two\n")
    assert p.stdout == b"OK\n"
    assert r.get("k") == b"line one\nline two\n"


def test_commands_from_stdin(server, r):
    script = b'SET x 1\nINCR x\nSET "a b" "c d"\nGET "a b"\nGET nokey\n'
    mine = ember(server, input=script)
    r.flushall()
    theirs = redis(server, input=script)
    assert mine.stdout == theirs.stdout == b"OK\n2\nOK\nc d\n\n"


def test_select_db_and_uri(server, r):
    assert ember(server, "-n", "2", "SET", "k", "in2").stdout == b"OK\n"
    assert ember(server, "-n", "2", "GET", "k").stdout == b"in2\n"
    assert ember(server, "GET", "k").stdout == b"\n"
    p = subprocess.run([EMBER_CLI, "-u", "redis://%s:%d/2" % (server.host, server.port), "GET", "k"],
                       stdout=subprocess.PIPE, timeout=10)
    assert p.stdout == b"in2\n"


def test_password_options(server):
    srv = server.start(["--requirepass", "s3cret"], password="s3cret")
    p = ember(srv, "PING")
    assert p.stdout.startswith(b"NOAUTH")
    p = ember(srv, "-a", "s3cret", "PING")
    assert p.stdout == b"PONG\n"
    assert b"Warning: Using a password" in p.stderr
    p = ember(srv, "-a", "s3cret", "--no-auth-warning", "PING")
    assert (p.stdout, p.stderr) == (b"PONG\n", b"")
    p = ember(srv, "--user", "default", "--pass", "s3cret", "--no-auth-warning", "PING")
    assert p.stdout == b"PONG\n"
    p = subprocess.run([EMBER_CLI, "--no-auth-warning", "-u",
                        "redis://default:s3cret@%s:%d/0" % (srv.host, srv.port), "PING"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    assert p.stdout == b"PONG\n"
    p = ember(srv, "-a", "wrong", "--no-auth-warning", "PING")
    assert p.returncode == 1 and b"WRONGPASS" in p.stderr + p.stdout


def test_pipe_mass_insertion(server, r):
    data = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n" % (len(k), k)
                    for k in (b"key:%d" % i for i in range(5000)))
    data += b"*1\r\n$7\r\nBADCMD1\r\n"
    p = ember(server, "--pipe", input=data, timeout=30)
    out = p.stdout.decode()
    assert "All data transferred" in out
    assert out.rstrip().endswith("errors: 1, replies: 5001"), out
    assert p.returncode == 1
    assert r.dbsize() == 5000
    p = ember(server, "--pipe", input=b"*1\r\n$4\r\nPING\r\n", timeout=30)
    assert p.returncode == 0 and p.stdout.decode().endswith("errors: 0, replies: 1\n")


def _run_until_output(argv, min_lines, timeout=8):
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        lines = []
        while time.monotonic() < deadline and len(lines) < min_lines:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        return lines
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_latency_mode(server):
    lines = _run_until_output([EMBER_CLI, "-p", str(server.port), "--latency"], 1)
    assert lines and lines[0].startswith(b"min: ") and b"samples)" in lines[0]


def test_stat_mode(server, r):
    r.set("a", 1)
    lines = _run_until_output([EMBER_CLI, "-p", str(server.port), "--stat", "-i", "0.2"], 4)
    assert len(lines) >= 4
    assert lines[1].split()[:3] == [b"keys", b"mem", b"clients"]
    assert lines[2].split()[0] == b"1"


# ----------------------------------------------------------------------------------------
# Interactive mode in tmux.

class Tmux:
    """One private tmux server (own socket) running ember-cli in a shell wrapper that prints
    the exit status, so that the end of the CLI can be seen on the screen."""

    def __init__(self, argv, home, width=200, height=50):
        self.socket = "ember-cli-test-%s" % uuid.uuid4().hex[:8]
        cmd = "env -u EMBER_CLI_HISTFILE HOME=%s %s; echo EXITED $?; sleep 60" % (
            home, " ".join(argv))
        subprocess.run([TMUX, "-L", self.socket, "-f", "/dev/null", "new-session", "-d", "-s", "t",
                        "-x", str(width), "-y", str(height), cmd], check=True, timeout=10)
        self.pid = int(subprocess.run([TMUX, "-L", self.socket, "display-message", "-p", "-t", "t",
                                       "#{pid}"], stdout=subprocess.PIPE, timeout=10).stdout)

    def send(self, *keys, literal=False):
        argv = [TMUX, "-L", self.socket, "send-keys", "-t", "t"]
        if literal:
            argv.append("-l")
        subprocess.run(argv + list(keys), check=True, timeout=10)

    def type(self, text):
        self.send(text, literal=True)

    def screen(self):
        return subprocess.run([TMUX, "-L", self.socket, "capture-pane", "-p", "-t", "t"],
                              stdout=subprocess.PIPE, timeout=10).stdout.decode(errors="replace")

    def wait_for(self, text, timeout=5.0):
        text = text.rstrip(" ")  # capture-pane drops trailing spaces
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            if text in s:
                return s
            if time.monotonic() > deadline:
                raise AssertionError("%r not on screen within %ss:\n%s" % (text, timeout, s))
            time.sleep(0.05)

    def wait_for_count(self, text, n, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            if s.count(text) >= n:
                return s
            if time.monotonic() > deadline:
                raise AssertionError("%r not %d times on screen within %ss:\n%s"
                                     % (text, n, timeout, s))
            time.sleep(0.05)

    def wait_idle(self, timeout=5.0):
        """Waits until the last line is an empty prompt: the previous command is done and
        the line editor reads keys again (keys typed earlier may be lost, e.g. Ctrl-D)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.lines()
            if lines and lines[-1].endswith(">"):
                return
            if time.monotonic() > deadline:
                raise AssertionError("no idle prompt within %ss:\n%s" % (timeout, self.screen()))
            time.sleep(0.05)

    def lines(self):
        return [line.rstrip() for line in self.screen().splitlines() if line.strip()]

    def close(self):
        # Our own tmux server (by its PID); its children (shell, ember-cli, sleep) get SIGHUP.
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


@pytest.fixture
def home():
    d = tempfile.mkdtemp(prefix="ember-cli-home-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def tmux_cli(home):
    sessions = []

    def start(port, *args, width=200):
        t = Tmux([EMBER_CLI, "-p", str(port)] + list(args), home, width=width)
        sessions.append(t)
        return t

    yield start
    for t in sessions:
        t.close()


@needs_tmux
def test_interactive_session(server, r, tmux_cli, home):
    prompt = "127.0.0.1:%d> " % server.port
    t = tmux_cli(server.port)
    t.wait_for(prompt)
    t.type('SET greeting "hello world"')
    t.send("Enter")
    t.wait_for("OK")
    t.type("GET greeting")
    t.send("Enter")
    t.wait_for('"hello world"')
    assert r.get("greeting") == b"hello world"
    t.type("SET q 'it''s'")
    t.send("Enter")
    t.wait_for("Invalid argument(s)")
    t.type(r'SET esc "tab\there\x41"')
    t.send("Enter")
    t.type("INCR counter")
    t.send("Enter")
    t.wait_for("(integer) 1")
    assert r.get("esc") == b"tab\thereA"
    t.type("NOSUCH")
    t.send("Enter")
    t.wait_for("(error) ERR unknown command 'NOSUCH'")
    t.type("SELECT 1")
    t.send("Enter")
    t.wait_for("127.0.0.1:%d[1]> " % server.port)
    # History recall: Up twice brings back INCR... no: the last lines are NOSUCH, INCR.
    t.send("Up")
    t.wait_for("127.0.0.1:%d[1]> SELECT 1" % server.port)
    t.send("Up", "Up")
    t.wait_for("127.0.0.1:%d[1]> INCR counter" % server.port)
    t.send("Enter")
    t.wait_for_count("(integer) 1", 2)  # db 1 has its own counter
    assert r.get("counter") == b"1"
    t.wait_idle()
    t.send("C-d")
    t.wait_for("EXITED 0")
    with open(os.path.join(home, ".ember_cli_history"), "rb") as f:
        hist = f.read()
    assert b"greeting" in hist and b"INCR" in hist


@needs_tmux
def test_history_persists_across_sessions(server, r, tmux_cli):
    t = tmux_cli(server.port)
    t.wait_for("> ")
    t.type('ECHO "persisted line"')
    t.send("Enter")
    t.wait_for_count('"persisted line"', 2)
    t.wait_idle()
    t.send("C-d")
    t.wait_for("EXITED 0")
    t2 = tmux_cli(server.port)
    t2.wait_for("> ")
    t2.send("Up")
    t2.wait_for('> ECHO "persisted line"')
    t2.send("Enter")
    t2.wait_for_count('"persisted line"', 2)


@needs_tmux
def test_hints_and_help(server, r, tmux_cli):
    t = tmux_cli(server.port)
    t.wait_for("> ")
    t.type("SET k ")
    t.wait_for("value [NX|XX]")
    t.send("C-u")
    t.type("help SET")
    t.send("Enter")
    s = t.wait_for("summary: Set the string value of a key")
    assert "  SET key value" in s
    assert "group: string" in s
    t.type("help @string")
    t.send("Enter")
    t.wait_for("SETRANGE key offset value")


@needs_tmux
def test_long_hint_is_shortened_to_fit(server, r, tmux_cli):
    t = tmux_cli(server.port, width=80)
    t.wait_for("> ")
    t.type("SET k ")
    s = t.wait_for("value [NX|XX] [GET]")
    assert "..." in s
    assert all(len(line) <= 80 for line in s.splitlines())


@needs_tmux
@pytest.mark.timeout(40)
def test_reconnects_after_server_restart(server, tmux_cli):
    srv = server.start()
    port = srv.port
    t = tmux_cli(port)
    prompt = "127.0.0.1:%d> " % port
    t.wait_for(prompt)
    t.type("SELECT 2")
    t.send("Enter")
    t.wait_for("127.0.0.1:%d[2]> " % port)
    assert srv.stop() == 0
    srv2 = server.start(port=port)
    srv2.client().set("after", "restart")
    srv2.client(db=2).set("after", "restart-in-2")
    t.type("GET after")
    t.send("Enter")
    t.wait_for('"restart-in-2"')
    assert srv2.stop() == 0
    t.type("PING")
    t.send("Enter")
    t.wait_for("Could not connect to Redis at 127.0.0.1:%d: Connection refused" % port)
    t.wait_for("not connected> ")


@needs_tmux
def test_starts_when_server_is_down_and_ctrl_c_exits(tmux_cli):
    from conftest import free_port
    port = free_port()
    t = tmux_cli(port)
    t.wait_for("not connected> ")
    assert "Could not connect to Redis at 127.0.0.1:%d" % port in t.screen()
    t.type("PIN")
    t.wait_for("not connected> PIN")  # echoed by the line editor: Ctrl-C is a key now
    t.send("C-c")
    t.wait_for("\nEXITED 0")


def test_udp_transport(server):
    """--udp sends each command as one datagram to the server's UDP port (same number as TCP)."""
    from conftest import free_port
    port = free_port()
    u = server.start(["--udp-port", str(port)], port=port)
    base = [EMBER_CLI, "-h", "127.0.0.1", "-p", str(port), "--udp"]
    out = subprocess.run(base + ["SET", "ukey", "41"], stdout=subprocess.PIPE, timeout=10)
    assert out.returncode == 0 and out.stdout == b"OK\n"
    out = subprocess.run(base + ["INCR", "ukey"], stdout=subprocess.PIPE, timeout=10)
    assert out.stdout == b"42\n"
    # The same key over TCP: one keyspace.
    out = subprocess.run([EMBER_CLI, "-p", str(u.port), "GET", "ukey"], stdout=subprocess.PIPE,
                         timeout=10)
    assert out.stdout == b"42\n"
    # Connection-state commands are refused over UDP with a clear error and a failing status.
    out = subprocess.run(base + ["SELECT", "1"], stdout=subprocess.PIPE, timeout=10)
    assert out.returncode == 1 and b"use TCP" in out.stdout
    # Stateful options are refused up front.
    out = subprocess.run(base + ["-n", "2", "PING"], stderr=subprocess.PIPE, timeout=10)
    assert out.returncode == 1 and b"--udp cannot be combined" in out.stderr
    # Nothing listening: a clear error, not a hang.
    out = subprocess.run([EMBER_CLI, "-p", str(free_port()), "--udp", "PING"],
                         stderr=subprocess.PIPE, timeout=10)
    assert out.returncode == 1 and out.stderr


def test_embedded_mode_and_shared_data_directory(server, tmp_path):
    """--embedded runs the engine in-process; with --dir its data is ember-server's too."""
    out = subprocess.run([EMBER_CLI, "--embedded"], input=b"SET a 1\nINCR a\nGET a\n",
                         stdout=subprocess.PIPE, timeout=20)
    assert out.returncode == 0 and out.stdout == b"OK\n2\n2\n"
    d = str(tmp_path)
    out = subprocess.run([EMBER_CLI, "--embedded", "--dir", d, "SET", "shared", "value"],
                         stdout=subprocess.PIPE, timeout=20)
    assert out.stdout == b"OK\n"
    out = subprocess.run([EMBER_CLI, "--embedded", "--dir", d, "GET", "shared"],
                         stdout=subprocess.PIPE, timeout=20)
    assert out.stdout == b"value\n"
    # The server started on that directory finds what the embedded session wrote.
    srv = server.start(tmpdir=d)
    out = subprocess.run([EMBER_CLI, "-p", str(srv.port), "GET", "shared"], stdout=subprocess.PIPE,
                         timeout=10)
    assert out.stdout == b"value\n"
