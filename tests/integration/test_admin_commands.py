"""Admin commands in depth: INFO, CONFIG, TIME, LASTSAVE, SHUTDOWN, SLOWLOG, LATENCY, DEBUG,
and start-up / exit behaviour. Complements test_server.py and test_startup.py.

Every test passes against real Redis 7.0 as well:

    EMBER_BIN=/usr/bin/redis-server /usr/bin/python3 -m pytest tests/integration/test_admin_commands.py

Ember-only checks are marked ember_only.
"""

import os
import re
import signal
import socket
import time

import pytest

import resp
from conftest import IS_EMBER, free_port, run_server_cmd
from oracle import HAVE_REDIS, oracle  # noqa: F401 (fixture)
from helpers import error_of, parse_info, wait_until


def info(conn, *sections):
    reply = conn.call("INFO", *sections)
    assert isinstance(reply, bytes), reply
    return parse_info(reply)


def pairs(lst):
    return dict(zip(lst[::2], lst[1::2]))


def config_get(conn, name):
    reply = pairs(conn.call("CONFIG", "GET", name))
    return reply[name.encode()]


def output(p):
    return (p.stdout + p.stderr).decode(errors="replace")


# ============================================================================ INFO

SECTION_ORDER = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                 "Modules", "Commandstats", "Errorstats", "Cluster", "Keyspace"]


def headers(text):
    return re.findall(r"^# (\w+)\r$", text.decode(), re.M)


def test_info_sections_keep_their_order(conn):
    # Requested sections come out in the server's order, not the request's.
    assert headers(conn.call("INFO", "keyspace", "CPU", "server")) == ["Server", "CPU", "Keyspace"]
    assert headers(conn.call("INFO", "server", "SERVER")) == ["Server"]
    everything = headers(conn.call("INFO", "everything"))
    known = [h for h in everything if h in SECTION_ORDER]
    assert known == [h for h in SECTION_ORDER if h in known]
    default = headers(conn.call("INFO", "default"))
    assert "Commandstats" not in default and "Server" in default
    # default + commandstats
    both = headers(conn.call("INFO", "default", "commandstats"))
    assert "Commandstats" in both and "Keyspace" in both


def test_info_format(conn):
    text = conn.call("INFO", "all")
    assert text.startswith(b"# Server\r\n")
    assert text.endswith(b"\r\n")
    for line in text.split(b"\r\n"):
        assert b"\n" not in line
        if line and not line.startswith(b"#"):
            assert b":" in line, line
    # An empty section is its header alone.
    assert conn.call("INFO", "keyspace") == b"# Keyspace\r\n"
    assert conn.call("INFO", "modules") == b"# Modules\r\n"
    assert conn.call("INFO", "nosuchsection") == b""
    assert conn.call("INFO", "nosuchsection", "cluster") == b"# Cluster\r\ncluster_enabled:0\r\n"


def test_info_resp3_is_verbatim(r3):
    reply = r3.call("INFO", "server")
    assert isinstance(reply, resp.Verbatim)
    assert reply.fmt == b"txt"
    assert reply.startswith(b"# Server\r\n")


def test_info_server_fields(conn, server, ember_bin):
    _, f = info(conn, "server")
    assert f["redis_version"] == "7.0.15" if IS_EMBER else re.match(r"^7\.0\.\d+$", f["redis_version"])
    assert f["executable"] == os.path.realpath(ember_bin) or f["executable"].endswith(
        os.path.basename(ember_bin))
    assert f["config_file"] == ""
    assert f["multiplexing_api"] == "epoll"
    assert int(f["arch_bits"]) == 64
    assert f["os"].startswith("Linux ")
    assert re.match(r"^\d+\.\d+\.\d+$", f["gcc_version"])
    _, f2 = info(conn, "server")
    assert f2["run_id"] == f["run_id"]  # stable for the process lifetime
    assert int(f2["server_time_usec"]) >= int(f["server_time_usec"])
    lru = int(f["lru_clock"])
    assert 0 <= lru < (1 << 24)
    if IS_EMBER:
        assert f["ember_version"]
        assert int(f["threads"]) == 2


def test_info_memory_human_forms(conn):
    _, f = info(conn, "memory")
    for k in ("used_memory", "used_memory_rss", "used_memory_peak", "total_system_memory"):
        n = int(f[k])
        human = f[k + "_human"]
        m = re.match(r"^(\d+(?:\.\d\d)?)([BKMGTP])$", human)
        assert m, (k, human)
        scale = {"B": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}[m.group(2)]
        assert abs(float(m.group(1)) * scale - n) <= scale * 0.01 + 1, (k, n, human)
    assert int(f["used_memory_peak"]) >= int(f["used_memory"]) * 0.5
    assert re.match(r"^\d+\.\d\d%$", f["used_memory_peak_perc"])
    assert re.match(r"^\d+\.\d\d$", f["mem_fragmentation_ratio"])
    assert f["maxmemory_human"] == "0B"
    assert f["mem_allocator"]


def test_info_stats_counts(server, r):
    c = server.conn()
    _, f0 = info(c, "stats")
    c.call("SET", "a", "1")
    c.call("GET", "a")            # hit
    c.call("GET", "missing")      # miss
    c.call("GET")                 # arity error: rejected, not processed
    c.call("INCR", "a", "b")      # arity error
    _, f1 = info(c, "stats")
    # INFO itself (the first one) + SET + 2 GET are processed; rejected calls are not.
    assert int(f1["total_commands_processed"]) - int(f0["total_commands_processed"]) == 4
    assert int(f1["keyspace_hits"]) - int(f0["keyspace_hits"]) == 1
    assert int(f1["keyspace_misses"]) - int(f0["keyspace_misses"]) == 1
    assert int(f1["total_error_replies"]) - int(f0["total_error_replies"]) == 2
    assert int(f1["total_net_input_bytes"]) > int(f0["total_net_input_bytes"])
    assert int(f1["total_net_output_bytes"]) > int(f0["total_net_output_bytes"])
    for k in ("instantaneous_input_kbps", "instantaneous_output_kbps"):
        assert re.match(r"^\d+\.\d\d$", f1[k]), (k, f1[k])
    c.close()


@pytest.mark.timeout(30)
def test_info_instantaneous_ops_per_sec(server, r):
    c = server.conn()
    deadline = time.monotonic() + 10
    seen = 0
    while time.monotonic() < deadline and seen == 0:
        # A steady stream of commands for a while: the 100 ms samples see it.
        t_end = time.monotonic() + 0.5
        while time.monotonic() < t_end:
            c.send(resp.encode_command("PING") * 50)
            for _ in range(50):
                c.read_reply()
        seen = int(info(c, "stats")[1]["instantaneous_ops_per_sec"])
    assert seen > 0
    c.close()


def test_info_persistence_counts_changes(conn, r):
    _, f0 = info(conn, "persistence")
    r.set("x", "1")
    r.set("y", "2")
    r.delete("x")
    _, f1 = info(conn, "persistence")
    assert int(f1["rdb_changes_since_last_save"]) - int(f0["rdb_changes_since_last_save"]) == 3
    assert int(f1["rdb_last_save_time"]) == conn.call("LASTSAVE")
    assert f1["rdb_last_bgsave_status"] == "ok"
    assert f1["aof_rewrite_in_progress"] == "0"


def test_info_keyspace_avg_ttl(r, conn):
    r.set("p", "v", ex=1000)
    r.set("q", "v", ex=1000)
    r.set("n", "v")

    def avg_ttl():
        ks = info(conn, "keyspace")[0]["keyspace"]
        m = re.match(r"^keys=3,expires=2,avg_ttl=(\d+)$", ks.get("db0", ""))
        assert m, ks
        return int(m.group(1))

    # The estimate comes from the active expiry cycle's samples: wait for it.
    ttl = wait_until(avg_ttl, timeout=10, msg="avg_ttl to be estimated")
    assert 900 * 1000 < ttl <= 1000 * 1000


def test_info_commandstats_rejected_and_subcommands(server):
    c = server.conn()
    c.call("CONFIG", "RESETSTAT")
    c.call("GET")                      # rejected (arity)
    c.call("CONFIG", "GET")            # rejected subcommand (arity)
    c.call("SLOWLOG", "LEN")
    c.call("SET", "k", "v")
    c.call("LPUSH", "k", "x")          # WRONGTYPE (failed, if LPUSH exists)
    cs = info(c, "commandstats")[0]["commandstats"]
    assert re.match(r"^calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,failed_calls=0$",
                    cs["cmdstat_get"]), cs["cmdstat_get"]
    assert cs["cmdstat_config|get"].endswith("rejected_calls=1,failed_calls=0")
    assert cs["cmdstat_slowlog|len"].startswith("calls=1,")
    # CONFIG RESETSTAT is counted after it ran, so it shows up in the fresh statistics.
    assert cs["cmdstat_config|resetstat"].startswith("calls=1,")
    es = info(c, "errorstats")[0]["errorstats"]
    # Two arity errors, plus an unknown command error if LPUSH is not implemented.
    assert es["errorstat_ERR"] == ("count=2" if "cmdstat_lpush" in cs else "count=3")
    if "cmdstat_lpush" in cs:
        assert cs["cmdstat_lpush"].endswith("failed_calls=1")
        assert es["errorstat_WRONGTYPE"] == "count=1"
    c.close()


def test_info_cpu_advances(conn):
    _, f0 = info(conn, "cpu")
    for k in ("used_cpu_sys_main_thread", "used_cpu_user_main_thread"):
        assert re.match(r"^\d+\.\d{6}$", f0[k]), (k, f0[k])
    # Burn some server CPU.
    for _ in range(300):
        conn.call("INFO", "all")
    _, f1 = info(conn, "cpu")
    before = float(f0["used_cpu_sys"]) + float(f0["used_cpu_user"])
    after = float(f1["used_cpu_sys"]) + float(f1["used_cpu_user"])
    assert after > before


def test_info_clients_blocked_is_zero(conn):
    _, f = info(conn, "clients")
    assert f["blocked_clients"] == "0"
    assert f["cluster_connections"] == "0"


# ========================================================================== CONFIG

def test_config_get_resp3_map(r3):
    reply = r3.call("CONFIG", "GET", "maxmemory", "hz")
    assert isinstance(reply, resp.Map)
    assert reply.as_dict() == {b"maxmemory": b"0", b"hz": b"10"}
    assert r3.call("CONFIG", "GET", "nosuch") == resp.Map([])


def test_config_get_no_duplicates(conn):
    reply = conn.call("CONFIG", "GET", "maxmemory", "maxmem*", "MAXMEMORY")
    names = reply[::2]
    assert len(names) == len(set(n.lower() for n in names))
    assert b"maxmemory" in names and b"maxmemory-policy" in names


def test_config_get_aliases(conn):
    assert pairs(conn.call("CONFIG", "GET", "hash-max-ziplist-entries")) == \
        {b"hash-max-ziplist-entries": b"512"}
    d = pairs(conn.call("CONFIG", "GET", "*-max-*-entries"))
    assert d[b"hash-max-listpack-entries"] == d[b"hash-max-ziplist-entries"] == b"512"
    assert d[b"zset-max-listpack-entries"] == b"128"


def test_config_set_syntax_and_names(conn):
    assert error_of(conn, "CONFIG", "SET", "hz", "1", "maxmemory") == "ERR syntax error"
    assert error_of(conn, "CONFIG", "SET", "nosuch", "1", "hz") == "ERR syntax error"
    assert error_of(conn, "CONFIG", "SET", "hz", "5", "nosuch", "1") == \
        "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"
    # Names are all checked before any value.
    assert error_of(conn, "CONFIG", "SET", "hz", "x", "databases", "5") == \
        "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"
    assert error_of(conn, "CONFIG", "SET", "hz", "5", "HZ", "6") == \
        "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter"
    # ... but a directive and its pre-7.0 alias are different names: the later one wins.
    try:
        assert conn.call("CONFIG", "SET", "hash-max-listpack-entries", "5",
                         "hash-max-ziplist-entries", "6") == b"OK"
        assert config_get(conn, "hash-max-listpack-entries") == b"6"
    finally:
        conn.call("CONFIG", "SET", "hash-max-listpack-entries", "512")
    assert error_of(conn, "CONFIG", "SET", "dir", "/tmp") == \
        "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"
    assert error_of(conn, "CONFIG", "SET", "daemonize", "no") == \
        "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"


def test_config_set_value_errors(conn):
    def err(name, value):
        return error_of(conn, "CONFIG", "SET", name, value)
    prefix = "ERR CONFIG SET failed (possibly related to argument '%s') - "
    for v in ("010", "+5", " 5", "-0", "", "5k", "0x10"):
        assert err("hz", v) == prefix % "hz" + "argument couldn't be parsed into an integer", v
    assert err("hz", "-1") == prefix % "hz" + "argument must be between 0 and 2147483647 inclusive"
    assert err("maxclients", "0") == prefix % "maxclients" + \
        "argument must be between 1 and 4294967295 inclusive"
    assert err("slowlog-log-slower-than", "-2") == prefix % "slowlog-log-slower-than" + \
        "argument must be between -1 and 9223372036854775807 inclusive"
    assert err("proto-max-bulk-len", "10") == prefix % "proto-max-bulk-len" + \
        "argument must be between 1048576 and 9223372036854775807 inclusive"
    for v in ("-1", "1.5gb", "5kbb", " 5"):
        assert err("maxmemory", v) == prefix % "maxmemory" + "argument must be a memory value", v
    assert err("protected-mode", "true") == prefix % "protected-mode" + "argument must be 'yes' or 'no'"
    assert err("loglevel", "nothing") == prefix % "loglevel" + \
        "argument(s) must be one of the following: debug, verbose, notice, warning"
    assert err("appendfsync", "x") == prefix % "appendfsync" + \
        "argument(s) must be one of the following: everysec, always, no"
    assert err("save", "10") == prefix % "save" + "Invalid save parameters"
    assert err("notify-keyspace-events", "q") == prefix % "notify-keyspace-events" + \
        "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."


def test_config_set_normalises_values(conn):
    try:
        assert conn.call("CONFIG", "SET", "hz", "1000") == b"OK"
        assert config_get(conn, "hz") == b"500"       # clamped
        assert conn.call("CONFIG", "SET", "hz", "0") == b"OK"
        assert config_get(conn, "hz") == b"1"
        assert conn.call("CONFIG", "SET", "maxmemory", "1k") == b"OK"
        assert config_get(conn, "maxmemory") == b"1000"
        assert conn.call("CONFIG", "SET", "maxmemory", "010") == b"OK"
        assert config_get(conn, "maxmemory") == b"10"
        assert conn.call("CONFIG", "SET", "maxmemory", "2KB") == b"OK"
        assert config_get(conn, "maxmemory") == b"2048"
        assert conn.call("CONFIG", "SET", "maxmemory-policy", "ALLKEYS-LRU") == b"OK"
        assert config_get(conn, "maxmemory-policy") == b"allkeys-lru"
        assert conn.call("CONFIG", "SET", "loglevel", "WARNING") == b"OK"
        assert config_get(conn, "loglevel") == b"warning"
        assert conn.call("CONFIG", "SET", "protected-mode", "NO") == b"OK"
        assert config_get(conn, "protected-mode") == b"no"
        for given, shown in (("KEA", b"AKE"), ("Ex", b"xE"), ("Egm$", b"g$Em"),
                             ("dtexzhsl$g", b"A"), ("nmKA", b"AKm"), ("", b"")):
            assert conn.call("CONFIG", "SET", "notify-keyspace-events", given) == b"OK"
            assert config_get(conn, "notify-keyspace-events") == shown, given
        assert conn.call("CONFIG", "SET", "save", "3600 1 300 100") == b"OK"
        assert config_get(conn, "save") == b"3600 1 300 100"
    finally:
        conn.call("CONFIG", "SET", "hz", "10", "maxmemory", "0", "maxmemory-policy", "noeviction",
                  "loglevel", "notice", "protected-mode", "yes", "notify-keyspace-events", "",
                  "save", "")


def test_config_activerehashing(conn):
    # Redis's directive and default; with it off, the tables' resizes advance with writes only
    # and every key stays reachable.
    assert config_get(conn, "activerehashing") == b"yes"
    try:
        assert conn.call("CONFIG", "SET", "activerehashing", "no") == b"OK"
        assert config_get(conn, "activerehashing") == b"no"
        args = []
        for i in range(20000):
            args += [b"rh:%d" % i, b"%d" % i]
        assert conn.call("MSET", *args) == b"OK"
        assert conn.call("MGET", *[b"rh:%d" % i for i in range(0, 20000, 7)]) == \
            [b"%d" % i for i in range(0, 20000, 7)]
        assert conn.call("CONFIG", "SET", "activerehashing", "yes") == b"OK"
        assert conn.call("DEL", *[b"rh:%d" % i for i in range(0, 20000, 2)]) == 10000
        assert conn.call("MGET", *[b"rh:%d" % i for i in range(1, 20000, 2)]) == \
            [b"%d" % i for i in range(1, 20000, 2)]
    finally:
        conn.call("CONFIG", "SET", "activerehashing", "yes")
        conn.call("FLUSHALL")


def test_config_set_is_atomic(conn):
    reply = conn.call("CONFIG", "SET", "maxmemory", "7mb", "timeout", "33", "hz", "x")
    assert isinstance(reply, resp.Error)
    assert config_get(conn, "maxmemory") == b"0"
    assert config_get(conn, "timeout") == b"0"


def test_config_set_requirepass_applies_to_new_connections(server, r):
    c = server.conn()
    try:
        assert c.call("CONFIG", "SET", "requirepass", "s3cret") == b"OK"
        c.call("PING")  # an existing connection stays authenticated
        other = server.conn()
        assert bytes(other.call("GET", "x")).startswith(b"NOAUTH")
        assert other.call("AUTH", "s3cret") == b"OK"
        assert other.call("CONFIG", "SET", "requirepass", "") == b"OK"
        other.close()
        fresh = server.conn()
        assert fresh.call("PING") == b"PONG"
        fresh.close()
    finally:
        c.call("CONFIG", "SET", "requirepass", "")
        c.close()


def test_config_set_port_rebinds(server):
    srv = server.start([])
    c = srv.conn()
    new_port = free_port()
    assert c.call("CONFIG", "SET", "port", str(new_port)) == b"OK"
    assert config_get(c, "port") == str(new_port).encode()

    def connect_new():
        try:
            with socket.create_connection(("127.0.0.1", new_port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16) == b"+PONG\r\n"
        except OSError:
            return False
    wait_until(connect_new, msg="server to listen on the new port")

    def old_refused():
        try:
            socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()
            return False
        except OSError:
            return True
    wait_until(old_refused, msg="old port to be closed")
    # The established connection is unaffected.
    assert c.call("PING") == b"PONG"
    _, f = info(c, "server")
    assert int(f["tcp_port"]) == new_port
    c.close()


def test_config_set_port_in_use_fails(server):
    srv = server.start([])
    c = srv.conn()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        busy = holder.getsockname()[1]
        assert error_of(c, "CONFIG", "SET", "port", str(busy)) == (
            "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on "
            "this port. Check server logs.")
    assert config_get(c, "port") == str(srv.port).encode()
    assert c.call("PING") == b"PONG"
    c.close()


def test_config_set_bind(server):
    srv = server.start([])
    c = srv.conn()
    # An address this host does not have: refused, and the server keeps listening.
    assert error_of(c, "CONFIG", "SET", "bind", "10.255.255.1") == (
        "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to "
        "specified addresses.")
    assert config_get(c, "bind") == b"127.0.0.1"
    # An optional address ('-' prefix) that fails is skipped.
    assert c.call("CONFIG", "SET", "bind", "127.0.0.1 -10.255.255.1") == b"OK"
    assert config_get(c, "bind") == b"127.0.0.1 -10.255.255.1"

    def answers():
        try:
            with socket.create_connection(("127.0.0.1", srv.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16) == b"+PONG\r\n"
        except OSError:
            return False
    wait_until(answers, msg="server to accept connections after rebinding")
    c.close()


def test_config_resetstat_clears_counters(server, r):
    c = server.conn()
    c.call("SET", "k", "v")
    c.call("GET", "k")
    c.call("GET", "nokey")
    c.call("NOSUCHCOMMAND")
    assert c.call("CONFIG", "RESETSTAT") == b"OK"
    _, f = info(c, "stats")
    assert f["keyspace_hits"] == "0"
    assert f["keyspace_misses"] == "0"
    assert f["total_error_replies"] == "0"
    assert f["expired_keys"] == "0"
    assert int(f["total_commands_processed"]) <= 2
    c.close()


def test_config_help_shape(conn):
    lines = conn.call("CONFIG", "HELP")
    assert all(isinstance(x, resp.SimpleString) for x in lines)
    assert lines[0].startswith(b"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    assert lines[-2:] == [b"HELP", b"    Prints this help."]
    text = b"\n".join(lines)
    for sub in (b"GET", b"SET", b"RESETSTAT", b"REWRITE"):
        assert re.search(rb"^" + sub + rb"\b", text, re.M), sub
    assert error_of(conn, "CONFIG", "HELP", "x") == \
        "ERR wrong number of arguments for 'config|help' command"


def test_config_rewrite_appends_and_folds(server, tmp_path):
    conf = tmp_path / "rw.conf"
    conf.write_text("# mine\nhz 20\nhz 30\nmaxmemory 10mb\n")
    srv = server.start([], config_file=str(conf))
    c = srv.conn()
    assert config_get(c, "hz") == b"30"
    assert c.call("CONFIG", "SET", "hz", "15", "slowlog-max-len", "1000",
                  "maxmemory", "1000001") == b"OK"
    assert c.call("CONFIG", "REWRITE") == b"OK"
    text = conf.read_text()
    lines = text.splitlines()
    assert lines[0] == "# mine"
    assert lines[1] == "hz 15"
    assert "hz 30" not in lines                # a repeated directive keeps one line
    assert "maxmemory 1000001" in lines
    assert "# Generated by CONFIG REWRITE" in lines
    tail = lines[lines.index("# Generated by CONFIG REWRITE"):]
    assert "slowlog-max-len 1000" in tail
    # A second rewrite keeps the content (Redis adds a blank line at the end each time).
    assert c.call("CONFIG", "REWRITE") == b"OK"
    assert conf.read_text().rstrip("\n") == text.rstrip("\n")
    c.close()


# ==================================================================== TIME, LASTSAVE

def test_time_advances(conn):
    a = conn.call("TIME")
    time.sleep(0.02)
    b = conn.call("TIME")
    ta = int(a[0]) * 1_000_000 + int(a[1])
    tb = int(b[0]) * 1_000_000 + int(b[1])
    assert tb - ta >= 15_000
    assert re.match(rb"^\d{1,6}$", a[1])


def test_lastsave_is_start_time(conn):
    _, f = info(conn, "server")
    ls = conn.call("LASTSAVE")
    start = int(f["server_time_usec"]) // 1_000_000 - int(f["uptime_in_seconds"])
    assert abs(ls - start) <= 2
    assert error_of(conn, "LASTSAVE", "x") == "ERR wrong number of arguments for 'lastsave' command"


# ======================================================================== SHUTDOWN

def test_shutdown_argument_errors(conn):
    for args in (("FOO",), ("NOSAVE", "SAVE"), ("NOW", "ABORT"), ("NOSAVE", "ABORT"),
                 ("FORCE", "ABORT"), ("SAVE", "ABORT")):
        assert error_of(conn, "SHUTDOWN", *args) == "ERR syntax error", args
    assert error_of(conn, "SHUTDOWN", "ABORT") == "ERR No shutdown in progress."
    assert conn.call("PING") == b"PONG"


@pytest.mark.parametrize("args", [(), ("NOSAVE", "NOW", "FORCE"), ("nosave", "force", "force")],
                         ids=["plain", "nosave-now-force", "repeated"])
def test_shutdown_variants_exit_0(server, args):
    srv = server.start([])
    c = srv.conn()
    other = srv.conn()
    assert other.call("PING") == b"PONG"
    c.send_command("SHUTDOWN", *args)
    assert c.is_closed(timeout=10)  # no reply at all
    assert srv.wait_exit(10) == 0
    assert other.is_closed(timeout=5)
    c.close()
    other.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_exit_0_with_idle_clients(server, sig):
    srv = server.start([])
    conns = [srv.conn() for _ in range(4)]
    for c in conns:
        assert c.call("PING") == b"PONG"
    srv.signal(sig)
    assert srv.wait_exit(10) == 0
    for c in conns:
        assert c.is_closed(timeout=5)
        c.close()


# ========================================================================= SLOWLOG

def test_slowlog_get_counts_and_errors(server):
    c = server.conn()
    try:
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
        c.call("SLOWLOG", "RESET")
        for i in range(15):
            c.call("SET", "k%d" % i, "v")
        assert len(c.call("SLOWLOG", "GET")) == 10  # default count
        assert c.call("SLOWLOG", "GET", "0") == []
        assert len(c.call("SLOWLOG", "GET", "3")) == 3
        assert error_of(c, "SLOWLOG", "get", "1", "2") == \
            "ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP."
        assert error_of(c, "SLOWLOG", "GET", "1", "2") == \
            "ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP."
        assert error_of(c, "SLOWLOG", "LEN", "x") == \
            "ERR wrong number of arguments for 'slowlog|len' command"
        assert error_of(c, "SLOWLOG", "RESET", "x") == \
            "ERR wrong number of arguments for 'slowlog|reset' command"
        ids = [e[0] for e in c.call("SLOWLOG", "GET", "-1")]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    finally:
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        c.call("SLOWLOG", "RESET")
        c.close()


def test_slowlog_max_len_trims(server):
    c = server.conn()
    try:
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "5")
        c.call("SLOWLOG", "RESET")
        for i in range(20):
            c.call("SET", "k", str(i))
        assert c.call("SLOWLOG", "LEN") == 5
        newest = c.call("SLOWLOG", "GET", "1")[0]
        assert newest[3] == [b"SLOWLOG", b"LEN"]
        assert c.call("CONFIG", "SET", "slowlog-max-len", "0") == b"OK"
        c.call("SET", "k", "x")
        assert c.call("SLOWLOG", "LEN") == 0
    finally:
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000", "slowlog-max-len", "128")
        c.call("SLOWLOG", "RESET")
        c.close()


def test_slowlog_records_slow_command(server):
    c = server.conn()
    try:
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "50000")
        c.call("SLOWLOG", "RESET")
        c.call("PING")
        c.call("DEBUG", "SLEEP", "0.1")
        entries = c.call("SLOWLOG", "GET")
        assert len(entries) == 1
        assert entries[0][3] == [b"DEBUG", b"SLEEP", b"0.1"]
        assert entries[0][2] >= 90_000
        assert entries[0][5] == b""  # no client name
    finally:
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        c.call("SLOWLOG", "RESET")
        c.close()


def test_slowlog_help_shape(conn):
    lines = conn.call("SLOWLOG", "HELP")
    assert lines[0].startswith(b"SLOWLOG <subcommand>")
    assert lines[-2:] == [b"HELP", b"    Prints this help."]
    assert any(line.startswith(b"GET") for line in lines)


# ========================================================================= LATENCY

def test_latency_events(server):
    c = server.conn()
    try:
        c.call("LATENCY", "RESET")
        c.call("CONFIG", "SET", "latency-monitor-threshold", "20")
        c.call("DEBUG", "SLEEP", "0.05")
        c.call("DEBUG", "SLEEP", "0.03")
        latest = c.call("LATENCY", "LATEST")
        assert len(latest) == 1
        name, ts, last, peak = latest[0]
        assert name == b"command"
        assert 20 <= last <= peak
        assert peak >= 45
        hist = c.call("LATENCY", "HISTORY", "command")
        assert 1 <= len(hist) <= 2  # samples within the same second are merged
        assert all(isinstance(t, int) and isinstance(ms, int) for t, ms in hist)
        assert c.call("LATENCY", "RESET", "nosuch", "other") == 0
        assert c.call("LATENCY", "RESET", "command", "command") == 1
        assert c.call("LATENCY", "LATEST") == []
        assert error_of(c, "LATENCY", "HISTORY") == \
            "ERR wrong number of arguments for 'latency|history' command"
    finally:
        c.call("CONFIG", "SET", "latency-monitor-threshold", "0")
        c.call("LATENCY", "RESET")
        c.close()


def test_latency_doctor_is_text(server, r3):
    reply = r3.call("LATENCY", "DOCTOR")
    assert isinstance(reply, resp.Verbatim)
    c = server.conn()
    text = c.call("LATENCY", "DOCTOR")
    assert isinstance(text, bytes) and len(text) > 20
    c.close()


def test_latency_histogram_details(server):
    c = server.conn()
    c.call("CONFIG", "RESETSTAT")
    for _ in range(4):
        c.call("SET", "k", "v")
    c.call("CONFIG", "GET", "hz")
    h = c.call("LATENCY", "HISTOGRAM", "set", "SET", "config", "nosuch", "get")
    names = h[::2]
    # A name given twice is reported twice; a container stands for its used subcommands.
    assert names.count(b"set") == 2
    assert b"config|get" in names and b"config|resetstat" in names
    assert b"get" not in names and b"nosuch" not in names
    entry = pairs(h[1])
    assert entry[b"calls"] == 4
    buckets = entry[b"histogram_usec"]
    labels, counts = buckets[::2], buckets[1::2]
    valid = {(2 ** n + 2 ** (n - 7) - 1) // 1000 for n in range(10, 50)}
    assert all(label in valid for label in labels), labels
    assert labels == sorted(labels)
    assert counts == sorted(counts) and counts[-1] == 4  # cumulative
    assert c.call("LATENCY", "HISTOGRAM", "nosuch") == []
    c.close()


def test_latency_help_shape(conn):
    lines = conn.call("LATENCY", "HELP")
    assert lines[0].startswith(b"LATENCY <subcommand>")
    text = b"\n".join(lines)
    for sub in (b"DOCTOR", b"HISTORY", b"LATEST", b"RESET", b"HISTOGRAM"):
        assert sub in text


# =========================================================================== DEBUG

def test_debug_object(r, conn):
    r.set("s", "v")
    r.set("i", "12345")
    r.set("big", "x" * 100)
    line = conn.call("DEBUG", "OBJECT", "s")
    assert isinstance(line, resp.SimpleString)
    m = re.match(rb"^Value at:0x[0-9a-f]+ refcount:(\d+) encoding:(\w+) serializedlength:(\d+) "
                 rb"lru:(\d+) lru_seconds_idle:(\d+)", line)
    assert m, line
    assert m.group(2) == b"embstr" and m.group(3) == b"2"
    assert re.search(rb" encoding:int serializedlength:3 ", conn.call("DEBUG", "OBJECT", "i"))
    assert b" encoding:raw " in conn.call("DEBUG", "OBJECT", "big")
    assert error_of(conn, "DEBUG", "OBJECT", "nosuch") == "ERR no such key"
    # DEBUG OBJECT does not touch the key.
    assert conn.call("OBJECT", "IDLETIME", "s") is not None


def test_debug_errors(conn):
    assert error_of(conn, "DEBUG") == "ERR wrong number of arguments for 'debug' command"
    for args in (("FOO",), ("SLEEP",), ("SLEEP", "0", "1"), ("OBJECT",), ("SET-ACTIVE-EXPIRE",),
                 ("POPULATE", "1", "a", "2", "3")):
        assert error_of(conn, "DEBUG", *args) == \
            "ERR unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP." % args[0]
    assert error_of(conn, "DEBUG", "POPULATE", "-1") == "ERR value is out of range, must be positive"
    # DEBUG ERROR replies with its argument as the whole error line.
    assert error_of(conn, "DEBUG", "ERROR", "WRONGTYPE made up") == "WRONGTYPE made up"
    assert error_of(conn, "DEBUG", "ERROR", "foo") == "foo"
    # Garbage numbers are 0 (strtod / atoi), as in Redis.
    assert conn.call("DEBUG", "SLEEP", "x") == b"OK"
    assert conn.call("DEBUG", "SLEEP", "-1") == b"OK"
    assert conn.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"


def test_debug_populate(r, conn):
    assert conn.call("DEBUG", "POPULATE", "3") == b"OK"
    assert sorted(r.keys("*")) == [b"key:0", b"key:1", b"key:2"]
    assert r.get("key:1") == b"value:1"
    r.set("p:0", "mine")
    assert conn.call("DEBUG", "POPULATE", "2", "p", "10") == b"OK"
    assert r.get("p:0") == b"mine"  # existing keys are kept
    assert r.get("p:1") == b"value:1\x00\x00\x00"
    assert conn.call("DEBUG", "POPULATE", "1", "q", "2") == b"OK"
    assert r.get("q:0") == b"va"
    assert conn.call("DEBUG", "POPULATE", "0") == b"OK"


def test_debug_log_and_help(server, conn):
    assert conn.call("DEBUG", "LOG", "admin-test-marker") == b"OK"
    wait_until(lambda: "DEBUG LOG: admin-test-marker" in server.log(), msg="log line")
    lines = conn.call("DEBUG", "HELP")
    assert lines[0].startswith(b"DEBUG <subcommand>")
    text = b"\n".join(lines)
    for sub in (b"OBJECT", b"SLEEP", b"SET-ACTIVE-EXPIRE", b"POPULATE", b"LOG", b"ERROR"):
        assert sub in text


def test_debug_set_active_expire(r, conn):
    try:
        assert conn.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
        r.set("gone", "v", px=50)
        time.sleep(0.4)
        # Nobody touched the key and the active cycle is off: it is still counted.
        assert info(conn, "keyspace")[0]["keyspace"]["db0"].startswith("keys=1,expires=1")
        assert conn.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
        wait_until(lambda: info(conn, "keyspace")[0]["keyspace"] == {},
                   msg="the active cycle to reclaim the key")
    finally:
        conn.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


@pytest.mark.ember_only
@pytest.mark.timeout(30)
def test_debug_sleep_blocks_only_its_thread(server):
    # 16 connections over 2 threads: with the kernel's hashing, some land on the other worker
    # (all on one is a 1 in 32768 chance).
    sleeper = server.conn()
    others = [server.conn() for _ in range(16)]
    for c in others:
        c.call("PING")
    sleeper.send_command("DEBUG", "SLEEP", "2")
    time.sleep(0.1)
    t0 = time.monotonic()
    fast = 0
    for c in others:
        c.send_command("PING")
    for c in others:
        try:
            if c.read_reply(timeout=0.5) == b"PONG":
                fast += 1
        except Exception:
            pass
    assert fast >= 1, "no client was served while one thread slept"
    assert time.monotonic() - t0 < 3
    assert sleeper.read_reply(timeout=5) == b"OK"
    sleeper.close()
    for c in others:
        c.close()


# ===================================================================== start-up

def test_bad_directive_message_shape(tmp_path):
    p = run_server_cmd(["--port", free_port(), "--dir", tmp_path, "--no-such-directive", "1"])
    assert p.returncode == 1
    err = p.stderr.decode()
    assert re.search(r"\*\*\* FATAL CONFIG FILE ERROR \((Redis|Ember) [\d.]+\) \*\*\*", err), err
    assert "Reading the configuration file, at line 4" in err  # line 1: the empty config file
    assert ">>> 'no-such-directive \"1\"'" in err
    assert "Bad directive or wrong number of arguments" in err


@pytest.mark.parametrize("args,needle", [
    (["--hz", "x"], "argument couldn't be parsed into an integer"),
    (["--maxmemory", "1", "2"], "wrong number of arguments"),
    (["--maxmemory-policy", "bogus"], "argument(s) must be one of the following"),
    (["--save", "10"], "Invalid save parameters"),
    (["--protected-mode", "maybe"], "argument must be 'yes' or 'no'"),
    (["--hz"], "wrong number of arguments"),
])
def test_bad_values_stop_startup(tmp_path, args, needle):
    p = run_server_cmd(["--port", free_port(), "--dir", tmp_path] + args)
    assert p.returncode == 1, output(p)
    out = output(p)
    assert needle in out, out
    assert args[0][2:] in out  # the directive is named


def test_config_file_error_names_line(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("port %d\n\n   hz   x  \n" % free_port())
    p = run_server_cmd([str(conf)])
    assert p.returncode == 1
    err = output(p)
    assert "at line 3" in err and ">>> 'hz   x'" in err, err
    conf.write_text('port %d\nhz "x\n' % free_port())
    p = run_server_cmd([str(conf)])
    assert p.returncode == 1
    assert "Unbalanced quotes in configuration line" in output(p)


def test_version_only_as_first_argument(tmp_path):
    p = run_server_cmd(["--version"])
    assert p.returncode == 0
    assert re.search(r"v=\d+\.\d+\.\d+", p.stdout.decode())
    p = run_server_cmd(["--port", free_port(), "--dir", tmp_path, "--version"])
    assert p.returncode == 1  # later it is a (bad) directive


@pytest.mark.ember_only
def test_help_lists_every_directive_with_default(server):
    p = run_server_cmd(["--help"])
    assert p.returncode == 0
    text = p.stdout.decode()
    c = server.conn()
    everything = pairs(c.call("CONFIG", "GET", "*"))
    c.close()
    for name in everything:
        name = name.decode()
        if "ziplist" in name:
            assert name in text  # aliases are mentioned with their directive
            continue
        m = re.search(r"^  --%s +default (\S+)" % re.escape(name), text, re.M)
        assert m, name


@pytest.mark.ember_only
def test_ember_specific_config(server, conn):
    # Persistence is on by default: the AOF (Redis: appendonly no) and Redis's save schedule.
    assert config_get(conn, "appendonly") == b"yes"
    assert config_get(conn, "appendfsync") == b"everysec"
    assert config_get(conn, "threads") == b"2"
    assert config_get(conn, "enable-debug-command") == b"local"
    p = run_server_cmd(["--port", free_port(), "--threads", "2", "--daemonize", "yes"])
    assert p.returncode == 1 and "daemonize" in output(p)


@pytest.mark.ember_only
def test_pidfile_written_and_removed(server, tmp_path):
    pidfile = tmp_path / "ember.pid"
    srv = server.start(["--pidfile", str(pidfile)])
    wait_until(pidfile.exists, msg="pidfile")
    assert int(pidfile.read_text()) == srv.pid
    assert srv.stop() == 0
    assert not pidfile.exists()


@pytest.mark.skipif(not HAVE_REDIS, reason="needs redis-server (the oracle)")
def test_info_fields_follow_redis_order(tmp_path, server, oracle):
    """Every field of INFO stats, replication and persistence that both servers print comes
    in Redis's order (monitoring tools read these sections), and the fields Redis 7.0 prints
    there that Ember lacks are only those it cannot report truthfully (the fork's copy-on-write
    progress, a Redis-specific buffer policy, an estimate of stale keys, a backlog setting)."""
    srv = server.start(["--save", ""], tmpdir=str(tmp_path))
    rs = oracle(tmp_path)

    def names(conn, section):
        text = conn.call("INFO", section).decode()
        return [line.split(":", 1)[0] for line in text.split("\r\n") if ":" in line]

    redis_conn = resp.Conn("127.0.0.1", rs.port)
    lacking = {"stats": {"expired_stale_perc", "expired_time_cap_reached_count",
                         "reply_buffer_shrinks", "reply_buffer_expands"},
               "replication": {"repl_backlog_size"},  # a setting Ember does not have
               "persistence": {"current_cow_peak", "current_cow_size", "current_cow_size_age",
                               "current_fork_perc", "current_save_keys_processed",
                               "current_save_keys_total",
                               "module_fork_in_progress", "module_fork_last_cow_size"}}
    for section, allowed in lacking.items():
        ours, theirs = names(srv.conn(), section), names(redis_conn, section)
        common = [f for f in ours if f in theirs]
        assert common == [f for f in theirs if f in ours], section
        assert set(theirs) - set(ours) <= allowed, (section, set(theirs) - set(ours))


def test_info_stats_reads_writes_and_replid(server):
    srv = server.start(["--save", ""])
    conn = srv.conn()
    before = parse_info(conn.call("INFO", "stats"))[1]
    for _ in range(5):
        assert conn.call("PING") == b"PONG"
    after = parse_info(conn.call("INFO", "stats"))[1]
    assert int(after["total_reads_processed"]) >= int(before["total_reads_processed"]) + 6
    assert int(after["total_writes_processed"]) >= int(before["total_writes_processed"]) + 6
    repl = parse_info(conn.call("INFO", "replication"))[1]
    assert re.fullmatch(r"[0-9a-f]{40}", repl["master_replid"]) and repl["master_replid2"] == "0" * 40
    assert conn.call("CONFIG", "RESETSTAT") == b"OK"
    reset = parse_info(conn.call("INFO", "stats"))[1]
    assert int(reset["total_reads_processed"]) <= 2
