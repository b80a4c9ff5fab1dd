"""Compatibility with the stock redis tools (redis-cli, redis-benchmark)."""

import os
import pty
import select
import shutil
import subprocess
import time

import pytest

from helpers import parse_info

REDIS_CLI = shutil.which("redis-cli")
REDIS_BENCHMARK = shutil.which("redis-benchmark")

needs_cli = pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli not installed")
needs_bench = pytest.mark.skipif(REDIS_BENCHMARK is None, reason="redis-benchmark not installed")


def cli(server, *args, input=None, timeout=20):
    return subprocess.run([REDIS_CLI, "-h", server.host, "-p", str(server.port)] + [str(a) for a in args],
                          input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


@needs_cli
def test_cli_set_get(server, r):
    p = cli(server, "SET", "a", "b")
    assert p.returncode == 0
    assert p.stdout == b"OK\n"
    p = cli(server, "--raw", "GET", "a")
    assert p.returncode == 0 and p.stdout == b"b\n"
    p = cli(server, "GET", "nokey")
    assert p.stdout == b"\n"  # nil prints as an empty line when not on a tty
    p = cli(server, "--no-raw", "GET", "nokey")
    assert p.stdout == b"(nil)\n"
    p = cli(server, "--no-raw", "GET", "a")
    assert p.stdout == b'"b"\n'
    p = cli(server, "--no-raw", "INCR", "n")
    assert p.stdout == b"(integer) 1\n"
    p = cli(server, "--no-raw", "MGET", "a", "nokey")
    assert p.stdout == b'1) "b"\n2) (nil)\n'
    p = cli(server, "NOSUCHCMD", "x")
    assert b"ERR unknown command 'NOSUCHCMD'" in p.stdout


@needs_cli
def test_cli_commands_from_stdin(server, r):
    p = cli(server, input=b"SET x 1\nINCR x\nGET x\n")
    assert p.returncode == 0
    assert p.stdout.split() == [b"OK", b"2", b"2"]


@needs_cli
def test_cli_pipe_mass_insertion(server, r):
    data = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v)
                    for k, v in ((b"key:%d" % i, b"val:%d" % i) for i in range(10000)))
    p = cli(server, "--pipe", input=data, timeout=60)
    out = p.stdout.decode()
    assert p.returncode == 0, out + p.stderr.decode()
    assert "errors: 0, replies: 10000" in out
    assert r.dbsize() == 10000
    assert r.get("key:9999") == b"val:9999"


@needs_cli
def test_cli_pipe_reports_errors(server, r):
    data = b"SET a 1\r\nINCR a\r\nNOSUCHCMD\r\nGET a\r\n"
    p = cli(server, "--pipe", input=data, timeout=30)
    out = p.stdout.decode()
    assert "errors: 1, replies: 4" in out
    assert p.returncode == 1


@needs_cli
def test_cli_info_and_scan(server, r):
    r.mset({"s1": 1, "s2": 2, "other": 3})
    p = cli(server, "INFO", "server")
    assert p.returncode == 0
    sections, _ = parse_info(p.stdout.replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n"))
    assert "server" in sections
    p = cli(server, "--scan", "--pattern", "s*")
    assert sorted(p.stdout.split()) == [b"s1", b"s2"]


@needs_cli
def test_cli_interactive_uses_command_docs(server, r):
    """Interactive redis-cli (on a pty) fetches COMMAND DOCS for its hints and
    `help`; nothing in that exchange may fail."""
    c = server.conn()
    c.call("CONFIG", "RESETSTAT")
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.environ["TERM"] = "dumb"
        try:
            os.execv(REDIS_CLI, [REDIS_CLI, "-h", server.host, "-p", str(server.port)])
        finally:
            os._exit(127)
    out = b""

    def pump(t):
        nonlocal out
        end = time.monotonic() + t
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                out += chunk

    try:
        pump(0.5)
        for line in (b"set ikey 42\r", b"get ikey\r", b"help set\r", b"help @string\r", b"quit\r"):
            os.write(fd, line)
            pump(0.4)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    text = out.decode(errors="replace")
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, text
    assert "OK" in text and '"42"' in text
    assert "summary:" in text.lower() or "Set the string value of a key" in text
    assert "ERR" not in text, text
    sections, _ = parse_info(c.call("INFO", "commandstats"))
    stats = sections["commandstats"]
    assert "cmdstat_command|docs" in stats, stats
    assert "failed_calls=0" in stats["cmdstat_command|docs"]
    _, errors = parse_info(c.call("INFO", "errorstats"))
    assert errors == {}, errors
    c.close()


@needs_bench
@pytest.mark.timeout(60)
def test_redis_benchmark(server, r):
    p = subprocess.run([REDIS_BENCHMARK, "-h", server.host, "-p", str(server.port),
                        "-t", "set,get", "-n", "20000", "-P", "16", "-q"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=50)
    out = p.stdout.decode() + p.stderr.decode()
    assert p.returncode == 0, out
    assert "SET:" in out and "GET:" in out and "requests per second" in out, out
    assert r.ping()
    assert r.dbsize() >= 1  # key:__rand_int__
    _, f = parse_info(server.conn().call("INFO", "stats"))
    assert int(f["total_commands_processed"]) >= 40000


@needs_bench
@pytest.mark.timeout(60)
def test_redis_benchmark_many_clients(server, r):
    p = subprocess.run([REDIS_BENCHMARK, "-h", server.host, "-p", str(server.port),
                        "-t", "incr,mset", "-n", "10000", "-c", "100", "-q"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=50)
    out = p.stdout.decode() + p.stderr.decode()
    assert p.returncode == 0, out
    assert "INCR:" in out and "MSET (10 keys):" in out, out
    assert r.get("counter:__rand_int__") == b"10000"
