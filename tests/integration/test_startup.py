"""Command line, config file and process lifecycle."""

import re
import signal
import socket

import pytest

import resp
from conftest import free_port, run_server_cmd


def output(p):
    return (p.stdout + p.stderr).decode(errors="replace")


# --------------------------------------------------------- failing starts

def test_unknown_directive_exits_1(tmp_path):
    p = run_server_cmd(["--port", free_port(), "--dir", tmp_path, "--foo", "bar"])
    assert p.returncode == 1
    assert "foo" in output(p)


def test_bad_port_value_exits_1(tmp_path):
    p = run_server_cmd(["--port", "abc", "--dir", tmp_path])
    assert p.returncode == 1
    assert "port" in output(p)
    p = run_server_cmd(["--port", "99999", "--dir", tmp_path])
    assert p.returncode == 1
    assert "port" in output(p)


def test_missing_argument_exits_1(tmp_path):
    p = run_server_cmd(["--dir", tmp_path, "--port"])
    assert p.returncode == 1
    p = run_server_cmd(["--dir", tmp_path, "--port", free_port(), "--maxmemory", "abc"])
    assert p.returncode == 1
    assert "maxmemory" in output(p)


def test_bad_boolean_exits_1(tmp_path):
    p = run_server_cmd(["--port", free_port(), "--dir", tmp_path, "--appendonly", "yesno"])
    assert p.returncode == 1
    assert "appendonly" in output(p)


def test_missing_config_file_exits_1(tmp_path):
    missing = str(tmp_path / "does-not-exist.conf")
    p = run_server_cmd([missing, "--port", free_port()])
    assert p.returncode == 1
    assert "does-not-exist.conf" in output(p)


def test_bad_directive_in_config_file_exits_1(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("# comment\nport %d\nfoo bar\n" % free_port())
    p = run_server_cmd([str(conf), "--dir", tmp_path])
    assert p.returncode == 1
    out = output(p)
    assert "foo" in out
    assert "line 3" in out  # the offending line is reported


def test_port_in_use_exits_1(server, tmp_path):
    p = run_server_cmd(["--port", server.port, "--bind", "127.0.0.1", "--dir", tmp_path])
    assert p.returncode == 1
    assert server.alive()


# ----------------------------------------------------------- information

def test_version_flag():
    for flag in ("--version", "-v"):
        p = run_server_cmd([flag])
        assert p.returncode == 0, output(p)
        assert re.search(r"v=\d+\.\d+\.\d+", output(p)), output(p)


@pytest.mark.ember_only
def test_ember_help():
    # Ember defines --help as a successful command (usage on stdout, exit 0).
    # (redis-server 7.0 prints its usage to stderr and exits with 1.)
    p = run_server_cmd(["--help"])
    assert p.returncode == 0
    out = p.stdout.decode()
    assert "usage" in out.lower()
    assert "--threads" in out


# ----------------------------------------------------------- config file

def test_config_file_first_argument(server, tmp_path):
    conf = tmp_path / "server.conf"
    conf.write_text('# a comment\n\n   maxmemory 12mb\nmaxmemory-policy "allkeys-lru"\nhz 15\n')
    srv = server.start([], config_file=str(conf))
    c = srv.conn()
    got = c.call("CONFIG", "GET", "maxmemory")
    assert got == [b"maxmemory", b"12582912"]
    assert c.call("CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy", b"allkeys-lru"]
    assert c.call("CONFIG", "GET", "hz") == [b"hz", b"15"]
    # port and bind came from the command line
    assert c.call("CONFIG", "GET", "port") == [b"port", str(srv.port).encode()]
    c.close()


def test_command_line_options_apply(server):
    srv = server.start(["--maxmemory", "7mb", "--databases", "4", "--hz", "20"])
    c = srv.conn()
    assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"7340032"]
    assert c.call("CONFIG", "GET", "databases") == [b"databases", b"4"]
    assert c.call("SELECT", "3") == b"OK"
    assert c.call("SELECT", "4") == resp.Error(b"ERR DB index is out of range")
    c.close()


# ------------------------------------------------------------- shutdown

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_exits_cleanly(server, sig):
    srv = server.start([])
    clients = [srv.conn() for _ in range(5)]
    for i, c in enumerate(clients):
        assert c.call("SET", "k%d" % i, "v") == b"OK"
    # one client in the middle of a command
    clients[0].send(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1000\r\nabc")
    srv.signal(sig)
    rc = srv.wait_exit(10)
    assert rc == 0, "exit code %r after %s; log:\n%s" % (rc, sig.name, srv.log())
    for c in clients:
        assert c.is_closed(timeout=2)
        c.close()
    # the port is free again
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", srv.port))


def test_shutdown_command_exits_cleanly(server):
    srv = server.start([])
    c = srv.conn()
    c.send_command("SHUTDOWN", "NOSAVE")
    assert c.is_closed(timeout=10)
    c.close()
    assert srv.wait_exit(10) == 0


def test_restart_on_same_port(server):
    srv = server.start([])
    port = srv.port
    c = srv.conn()
    c.call("PING")
    assert srv.stop() == 0
    c.close()  # TIME_WAIT on the client side must not prevent rebinding
    srv2 = server.start([], port=port)
    c = srv2.conn()
    assert c.call("PING") == b"PONG"
    c.close()


# -------------------------------------------------------------- ember only

@pytest.mark.ember_only
def test_threads_option(server):
    srv = server.start(["--threads", "1"])
    c = srv.conn()
    assert c.call("PING") == b"PONG"
    c.close()


@pytest.mark.ember_only
def test_bad_threads_value_exits_1(tmp_path):
    p = run_server_cmd(["--port", free_port(), "--dir", tmp_path, "--threads", "abc"])
    assert p.returncode == 1
    assert "threads" in output(p)
    p = run_server_cmd(["--port", free_port(), "--dir", tmp_path, "--threads", "0"])
    assert p.returncode == 1
