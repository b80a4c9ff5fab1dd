"""Server / introspection commands: INFO CONFIG TIME LASTSAVE SLOWLOG LATENCY
DEBUG COMMAND SHUTDOWN."""

import os
import re
import time


import resp
from helpers import error_of, parse_info, wait_until


def info(conn, *sections):
    reply = conn.call("INFO", *sections)
    assert isinstance(reply, bytes), reply
    return parse_info(reply)


def pairs(lst):
    return dict(zip(lst[::2], lst[1::2]))


# -------------------------------------------------------------------- INFO

def test_info_default_sections(conn):
    text = conn.call("INFO").decode()
    headers = re.findall(r"^# (\w+)\r$", text, re.M)
    for s in ("Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Keyspace"):
        assert s in headers, s
    assert "Commandstats" not in headers  # not part of the default set
    # lines are CRLF separated, sections separated by an empty line
    assert "\r\n\r\n# Clients\r\n" in text
    assert text.endswith("\r\n")
    all_headers = re.findall(r"^# (\w+)\r$", conn.call("INFO", "all").decode(), re.M)
    assert "Commandstats" in all_headers and "Keyspace" in all_headers
    ev = re.findall(r"^# (\w+)\r$", conn.call("INFO", "everything").decode(), re.M)
    assert "Commandstats" in ev


def test_info_section_filter(conn):
    text = conn.call("INFO", "server").decode()
    assert text.startswith("# Server\r\n")
    assert "# Clients" not in text
    assert conn.call("INFO", "nosuchsection") == b""
    # section names are case-insensitive; several sections allowed since 7.0
    sections, _ = info(conn, "SERVER", "clients")
    assert set(sections) == {"server", "clients"}


def test_info_server(conn, server):
    sections, _ = info(conn, "server")
    s = sections["server"]
    assert re.match(r"^\d+\.\d+\.\d+$", s["redis_version"])
    assert int(s["process_id"]) == server.pid
    assert int(s["tcp_port"]) == server.port
    assert int(s["uptime_in_seconds"]) >= 0
    assert int(s["uptime_in_days"]) == 0
    assert re.match(r"^[0-9a-f]{40}$", s["run_id"])
    assert int(s["hz"]) > 0
    assert s["redis_mode"] == "standalone"
    assert "arch_bits" in s and "os" in s
    now_us = time.time() * 1e6
    assert abs(int(s["server_time_usec"]) - now_us) < 5e6


def test_info_clients(server, conn):
    _, f = info(conn, "clients")
    base = int(f["connected_clients"])
    assert base >= 1
    assert int(f["maxclients"]) > 0
    assert int(f["blocked_clients"]) == 0
    extra = [server.conn() for _ in range(3)]
    for c in extra:
        c.call("PING")
    _, f = info(conn, "clients")
    assert int(f["connected_clients"]) == base + 3
    for c in extra:
        c.close()
    wait_until(lambda: int(info(conn, "clients")[1]["connected_clients"]) == base,
               msg="connected_clients to drop after disconnect")


def test_info_memory(r, conn):
    _, f = info(conn, "memory")
    used = int(f["used_memory"])
    assert used > 0
    assert f["used_memory_human"][-1] in "BKMG"
    assert int(f["used_memory_peak"]) >= used or int(f["used_memory_peak"]) > 0
    assert int(f["maxmemory"]) == 0
    assert f["maxmemory_policy"] == "noeviction"
    assert int(f["used_memory_rss"]) > 0
    r.set("big", b"x" * (4 * 1024 * 1024))
    _, f2 = info(conn, "memory")
    assert int(f2["used_memory"]) > used + 3 * 1024 * 1024
    r.delete("big")


def test_info_stats(r, server):
    c = server.conn()
    _, f = info(c, "stats")
    for k in ("total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
              "total_net_input_bytes", "total_net_output_bytes", "rejected_connections",
              "expired_keys", "evicted_keys", "keyspace_hits", "keyspace_misses",
              "total_error_replies"):
        assert k in f, k
        assert int(f[k]) >= 0
    cmds = int(f["total_commands_processed"])
    hits, misses = int(f["keyspace_hits"]), int(f["keyspace_misses"])
    conns = int(f["total_connections_received"])
    errs = int(f["total_error_replies"])
    c.call("SET", "k", "v")
    for _ in range(3):
        c.call("GET", "k")
    c.call("GET", "nokey")
    c.call("NOSUCHCMD")
    c2 = server.conn()
    c2.call("PING")
    c2.close()
    _, f = info(c, "stats")
    # previous INFO + SET + 3 hits + 1 miss + PING from c2 (unknown commands are not counted)
    assert int(f["total_commands_processed"]) - cmds == 7
    assert int(f["keyspace_hits"]) - hits == 3
    assert int(f["keyspace_misses"]) - misses == 1
    assert int(f["total_connections_received"]) - conns == 1
    assert int(f["total_error_replies"]) - errs == 1
    c.close()


def test_info_persistence(conn, is_ember):
    _, f = info(conn, "persistence")
    assert f["loading"] == "0"
    # Ember's default is appendonly yes (the suite starts Redis with appendonly no).
    assert f["aof_enabled"] == ("1" if is_ember else "0")
    assert f["aof_last_write_status"] == "ok"
    assert f["aof_rewrite_in_progress"] == "0"
    assert int(f["rdb_last_save_time"]) <= time.time() + 1
    assert "rdb_changes_since_last_save" in f
    assert f["rdb_bgsave_in_progress"] == "0"


def test_info_keyspace(r, server, conn):
    sections, _ = info(conn, "keyspace")
    assert sections == {"keyspace": {}}  # header only when empty
    r.set("a", 1)
    r.set("b", 2)
    r.set("c", 3, ex=1000)
    other = server.client(db=3)
    other.set("x", 1)
    sections, _ = info(conn, "keyspace")
    ks = sections["keyspace"]
    assert set(ks) == {"db0", "db3"}
    m = re.match(r"^keys=3,expires=1,avg_ttl=(\d+)$", ks["db0"])
    assert m, ks["db0"]
    assert 0 <= int(m.group(1)) <= 1000 * 1000
    assert re.match(r"^keys=1,expires=0,avg_ttl=0$", ks["db3"])
    other.close()


def test_info_commandstats_and_errorstats(server):
    c = server.conn()
    assert c.call("CONFIG", "RESETSTAT") == b"OK"
    for _ in range(3):
        c.call("SET", "k", "v")
    c.call("GET", "k")
    c.call("CONFIG", "GET", "hz")
    c.call("INCR", "k")  # fails: not an integer
    sections, _ = info(c, "commandstats")
    cs = sections["commandstats"]
    m = re.match(r"^calls=(\d+),usec=(\d+),usec_per_call=(\d+\.\d\d),rejected_calls=(\d+),failed_calls=(\d+)$",
                 cs["cmdstat_set"])
    assert m, cs["cmdstat_set"]
    assert m.group(1) == "3"
    assert cs["cmdstat_get"].startswith("calls=1,")
    assert cs["cmdstat_config|get"].startswith("calls=1,")  # subcommands are listed with '|'
    assert cs["cmdstat_incr"].startswith("calls=1,") and cs["cmdstat_incr"].endswith("failed_calls=1")
    sections, _ = info(c, "errorstats")
    assert sections["errorstats"]["errorstat_ERR"] == "count=1"
    c.call("CONFIG", "RESETSTAT")
    sections, _ = info(c, "commandstats")
    assert set(sections["commandstats"]) == {"cmdstat_config|resetstat"}
    sections, _ = info(c, "errorstats")
    assert sections["errorstats"] == {}
    c.close()


def test_info_cpu(conn):
    sections, _ = info(conn, "cpu")
    cpu = sections["cpu"]
    for k in ("used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children"):
        assert re.match(r"^\d+\.\d{6}$", cpu[k]), (k, cpu[k])
        assert float(cpu[k]) >= 0


def test_info_replication(conn):
    sections, _ = info(conn, "replication")
    rep = sections["replication"]
    assert rep["role"] == "master"
    assert rep["connected_slaves"] == "0"


# ------------------------------------------------------------------ CONFIG

def test_config_get(conn, server):
    assert pairs(conn.call("CONFIG", "GET", "port")) == {b"port": str(server.port).encode()}
    assert pairs(conn.call("CONFIG", "GET", "bind")) == {b"bind": b"127.0.0.1"}
    assert pairs(conn.call("CONFIG", "GET", "databases")) == {b"databases": b"16"}
    assert pairs(conn.call("CONFIG", "GET", "maxmemory")) == {b"maxmemory": b"0"}
    assert pairs(conn.call("CONFIG", "GET", "timeout")) == {b"timeout": b"0"}
    assert pairs(conn.call("CONFIG", "GET", "dir")) == {b"dir": os.path.realpath(server.dir).encode()}
    assert conn.call("CONFIG", "GET", "nosuchparam") == []
    # several parameters at once (7.0)
    d = pairs(conn.call("CONFIG", "GET", "maxmemory", "hz"))
    assert set(d) == {b"maxmemory", b"hz"}
    # case-insensitive; an exact (non-glob) name is echoed back exactly as the client typed it
    assert pairs(conn.call("CONFIG", "GET", "MaxMemory")) == {b"MaxMemory": b"0"}
    # a glob pattern is matched case-insensitively and returns canonical names
    d = pairs(conn.call("CONFIG", "GET", "MAXMEM*"))
    assert b"maxmemory" in d and b"maxmemory-policy" in d


def test_config_get_glob(conn):
    d = pairs(conn.call("CONFIG", "GET", "maxmemory*"))
    assert {b"maxmemory", b"maxmemory-policy", b"maxmemory-samples"} <= set(d)
    assert all(k.startswith(b"maxmemory") for k in d)
    d = pairs(conn.call("CONFIG", "GET", "*"))
    assert len(d) > 50
    assert {b"port", b"bind", b"maxmemory", b"databases", b"dir", b"save", b"appendonly"} <= set(d)
    d = pairs(conn.call("CONFIG", "GET", "slowlog-*"))
    assert {b"slowlog-log-slower-than", b"slowlog-max-len"} <= set(d)
    d = pairs(conn.call("CONFIG", "GET", "?z"))
    assert set(d) == {b"hz"}


def test_config_set(conn):
    try:
        assert conn.call("CONFIG", "SET", "maxmemory", "100mb") == b"OK"
        assert pairs(conn.call("CONFIG", "GET", "maxmemory")) == {b"maxmemory": b"104857600"}
        assert conn.call("CONFIG", "SET", "maxmemory", "1gb", "maxmemory-policy", "allkeys-lru") == b"OK"
        d = pairs(conn.call("CONFIG", "GET", "maxmemory*"))
        assert d[b"maxmemory"] == b"1073741824"
        assert d[b"maxmemory-policy"] == b"allkeys-lru"
        assert conn.call("CONFIG", "SET", "MAXMEMORY", "0") == b"OK"
        _, f = info(conn, "memory")
        assert f["maxmemory"] == "0"
    finally:
        conn.call("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction")


def test_config_set_errors(conn):
    assert error_of(conn, "CONFIG", "SET", "nosuch", "1") == \
        "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"
    assert error_of(conn, "CONFIG", "SET", "hz", "x") == \
        "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"
    assert error_of(conn, "CONFIG", "SET", "maxmemory", "abc") == \
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
    assert error_of(conn, "CONFIG", "SET", "databases", "4") == \
        "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"
    assert error_of(conn, "CONFIG", "SET", "maxmemory", "1", "maxmemory", "2") == \
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter"
    assert error_of(conn, "CONFIG", "SET", "maxmemory-policy", "foo") == (
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one "
        "of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, "
        "allkeys-lfu, allkeys-random, noeviction")
    assert error_of(conn, "CONFIG", "SET", "hz") == "ERR wrong number of arguments for 'config|set' command"
    assert error_of(conn, "CONFIG", "GET") == "ERR wrong number of arguments for 'config|get' command"
    assert error_of(conn, "CONFIG", "FOO") == "ERR unknown subcommand 'FOO'. Try CONFIG HELP."
    # a failing multi-set changes nothing
    assert isinstance(conn.call("CONFIG", "SET", "maxmemory", "5mb", "hz", "x"), resp.Error)
    assert pairs(conn.call("CONFIG", "GET", "maxmemory")) == {b"maxmemory": b"0"}


def test_config_rewrite_without_file(conn):
    assert error_of(conn, "CONFIG", "REWRITE") == "ERR The server is running without a config file"


def test_config_file_and_rewrite(server, tmp_path):
    conf = tmp_path / "ember.conf"
    conf.write_text("# test configuration\nmaxmemory 10mb\nmaxmemory-policy allkeys-lru\n")
    srv = server.start([], config_file=str(conf))
    c = srv.conn()
    d = pairs(c.call("CONFIG", "GET", "maxmemory*"))
    assert d[b"maxmemory"] == b"10485760"
    assert d[b"maxmemory-policy"] == b"allkeys-lru"
    _, f = info(c, "server")
    assert f["config_file"] == str(conf)
    assert c.call("CONFIG", "SET", "maxmemory", "20mb") == b"OK"
    assert c.call("CONFIG", "REWRITE") == b"OK"
    text = conf.read_text()
    assert "# test configuration" in text  # comments are preserved
    assert re.search(r"^maxmemory 20mb$", text, re.M), text
    assert not re.search(r"^maxmemory 10mb$", text, re.M)
    assert re.search(r"^maxmemory-policy allkeys-lru$", text, re.M)
    c.close()
    assert srv.stop() == 0
    # the rewritten file must be loadable
    srv2 = server.start([], config_file=str(conf))
    c = srv2.conn()
    assert pairs(c.call("CONFIG", "GET", "maxmemory")) == {b"maxmemory": b"20971520"}
    c.close()


def test_command_line_overrides_config_file(server, tmp_path):
    conf = tmp_path / "a.conf"
    conf.write_text("maxmemory 10mb\n")
    srv = server.start(["--maxmemory", "30mb"], config_file=str(conf))
    c = srv.conn()
    assert pairs(c.call("CONFIG", "GET", "maxmemory")) == {b"maxmemory": b"31457280"}
    c.close()


def test_config_resetstat(server):
    c = server.conn()
    for _ in range(5):
        c.call("PING")
    assert c.call("CONFIG", "RESETSTAT") == b"OK"
    _, f = info(c, "stats")
    assert int(f["total_commands_processed"]) <= 2
    assert f["keyspace_hits"] == "0" and f["keyspace_misses"] == "0"
    c.close()


# -------------------------------------------------------- TIME / LASTSAVE

def test_time(conn):
    reply = conn.call("TIME")
    assert isinstance(reply, list) and len(reply) == 2
    assert all(isinstance(x, bytes) for x in reply)  # bulk strings
    secs, usecs = int(reply[0]), int(reply[1])
    assert abs(secs + usecs / 1e6 - time.time()) < 2
    assert 0 <= usecs < 1000000
    assert error_of(conn, "TIME", "x") == "ERR wrong number of arguments for 'time' command"


def test_lastsave_and_dbsize(conn, r):
    ls = conn.call("LASTSAVE")
    assert isinstance(ls, int) and 0 < ls <= time.time() + 1
    assert conn.call("DBSIZE") == 0
    r.mset({"a": 1, "b": 2})
    assert conn.call("DBSIZE") == 2
    assert error_of(conn, "DBSIZE", "x") == "ERR wrong number of arguments for 'dbsize' command"


# ----------------------------------------------------------------- SLOWLOG

def test_slowlog(server):
    c = server.conn()
    c.call("CLIENT", "SETNAME", "slowpoke")
    try:
        assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "0") == b"OK"
        assert c.call("SLOWLOG", "RESET") == b"OK"
        assert c.call("SET", "slowkey", "slowvalue") == b"OK"
        n = c.call("SLOWLOG", "LEN")
        assert n == 2  # SLOWLOG RESET itself is logged (after it ran), then SET
        entries = c.call("SLOWLOG", "GET")
        assert len(entries) == 3  # ... and SLOWLOG LEN
        newest = entries[0]
        assert newest[3] == [b"SLOWLOG", b"LEN"]
        e = entries[1]
        assert len(e) == 6
        eid, ts, dur, args, addr, name = e
        assert isinstance(eid, int) and isinstance(ts, int) and isinstance(dur, int)
        assert abs(ts - time.time()) < 5
        assert dur >= 0
        assert args == [b"SET", b"slowkey", b"slowvalue"]
        assert addr.startswith(b"127.0.0.1:")
        assert name == b"slowpoke"
        assert entries[0][0] > entries[1][0] > entries[2][0]  # newest first, increasing ids
        assert len(c.call("SLOWLOG", "GET", "1")) == 1
        everything = c.call("SLOWLOG", "GET", "-1")
        assert len(everything) == c.call("SLOWLOG", "LEN") - 1  # LEN itself logged the GET
        assert error_of(c, "SLOWLOG", "GET", "-2") == "ERR count should be greater than or equal to -1"
        assert error_of(c, "SLOWLOG", "GET", "x") == "ERR count should be greater than or equal to -1"
        assert error_of(c, "SLOWLOG", "FOO") == "ERR unknown subcommand 'FOO'. Try SLOWLOG HELP."
        assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "-1") == b"OK"
        assert c.call("SLOWLOG", "RESET") == b"OK"
        c.call("SET", "x", "y")
        assert c.call("SLOWLOG", "LEN") == 0  # negative threshold disables the log
    finally:
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        c.call("SLOWLOG", "RESET")
        c.close()


def test_slowlog_long_args_truncated(server):
    c = server.conn()
    try:
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
        c.call("SLOWLOG", "RESET")
        c.call("SET", "k", "x" * 200)
        args = [e for e in c.call("SLOWLOG", "GET", "-1") if e[3][0] == b"SET"][0][3]
        assert args[2] == b"x" * 128 + b"... (72 more bytes)"
        c.call("DEL", *["k%d" % i for i in range(40)])
        args = [e for e in c.call("SLOWLOG", "GET", "-1") if e[3][0] == b"DEL"][0][3]
        assert len(args) == 32
        assert args[:31] == [b"DEL"] + [b"k%d" % i for i in range(30)]
        assert args[-1] == b"... (10 more arguments)"  # 41 args: 31 kept + this marker
    finally:
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        c.call("SLOWLOG", "RESET")
        c.close()


# ----------------------------------------------------------------- LATENCY

def test_latency(server):
    c = server.conn()
    try:
        assert c.call("LATENCY", "RESET") >= 0
        assert c.call("LATENCY", "LATEST") == []
        assert c.call("CONFIG", "SET", "latency-monitor-threshold", "50") == b"OK"
        assert c.call("DEBUG", "SLEEP", "0.1") == b"OK"
        latest = c.call("LATENCY", "LATEST")
        assert len(latest) == 1
        event, ts, last, peak = latest[0]
        assert event == b"command"
        assert abs(ts - time.time()) < 5
        assert last >= 90 and peak >= last
        hist = c.call("LATENCY", "HISTORY", "command")
        assert len(hist) == 1 and hist[0][1] >= 90
        assert c.call("LATENCY", "HISTORY", "nosuchevent") == []
        assert c.call("LATENCY", "RESET") == 1
        assert c.call("LATENCY", "LATEST") == []
        assert error_of(c, "LATENCY", "FOO") == "ERR unknown subcommand 'FOO'. Try LATENCY HELP."
    finally:
        c.call("CONFIG", "SET", "latency-monitor-threshold", "0")
        c.call("LATENCY", "RESET")
        c.close()


def test_latency_histogram(server):
    c = server.conn()
    c.call("CONFIG", "RESETSTAT")
    for _ in range(5):
        c.call("SET", "k", "v")
    c.call("GET", "k")
    h = pairs(c.call("LATENCY", "HISTOGRAM", "set", "get", "nosuchcmd"))
    assert set(h) == {b"set", b"get"}
    s = pairs(h[b"set"])
    assert s[b"calls"] == 5
    buckets = pairs(s[b"histogram_usec"])
    assert buckets and max(buckets.values()) == 5  # cumulative counts
    assert pairs(h[b"get"])[b"calls"] == 1
    c.close()


# ------------------------------------------------------------------- DEBUG

def test_debug_sleep_and_active_expire(conn):
    t0 = time.monotonic()
    assert conn.call("DEBUG", "SLEEP", "0") == b"OK"
    assert time.monotonic() - t0 < 1
    t0 = time.monotonic()
    assert conn.call("DEBUG", "SLEEP", "0.2") == b"OK"
    assert time.monotonic() - t0 >= 0.19
    assert conn.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    assert conn.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"


# ----------------------------------------------------------------- COMMAND

def test_command_count_and_list(conn):
    n = conn.call("COMMAND", "COUNT")
    assert isinstance(n, int) and n >= 60  # every command of the string, key, expiry, connection and server families
    full = conn.call("COMMAND")
    assert len(full) == n
    names = {e[0] for e in full}
    for name in (b"get", b"set", b"ping", b"info", b"config", b"client", b"command", b"scan"):
        assert name in names
    lst = set(conn.call("COMMAND", "LIST"))
    # COMMAND LIST also lists subcommands ("config|get"), COMMAND does not
    assert names <= lst
    assert all(b"|" in x for x in lst - names)
    assert b"config|get" in lst and b"client|list" in lst
    assert set(conn.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "getr*")) == {b"getrange"}
    assert error_of(conn, "COMMAND", "FOO") == "ERR unknown subcommand 'FOO'. Try COMMAND HELP."


def test_command_info(conn):
    reply = conn.call("COMMAND", "INFO", "get", "nosuchcmd", "SET")
    assert len(reply) == 3
    get, missing, set_ = reply
    assert missing is resp.Null
    assert len(get) == 10
    assert get[0] == b"get"
    assert get[1] == 2
    assert set(get[2]) >= {b"readonly", b"fast"}
    assert all(isinstance(f, resp.SimpleString) for f in get[2])
    assert get[3:6] == [1, 1, 1]
    assert set(get[6]) >= {b"@read", b"@string", b"@fast"}
    assert set_[0] == b"set" and set_[1] == -3
    assert b"write" in set_[2]
    mset = conn.call("COMMAND", "INFO", "mset")[0]
    assert mset[1] == -3 and mset[3:6] == [1, -1, 2]
    # container commands report their subcommands
    config = conn.call("COMMAND", "INFO", "config")[0]
    subnames = {s[0] for s in config[9]}
    assert {b"config|get", b"config|set", b"config|rewrite", b"config|resetstat"} <= subnames


def test_command_docs(conn):
    reply = conn.call("COMMAND", "DOCS", "get")
    d = pairs(reply)
    assert set(d) == {b"get"}
    doc = pairs(d[b"get"])
    assert doc[b"summary"] == b"Get the value of a key"
    assert doc[b"since"] == b"1.0.0"
    assert doc[b"group"] == b"string"
    assert doc[b"complexity"] == b"O(1)"
    args = [pairs(a) for a in doc[b"arguments"]]
    assert args[0][b"name"] == b"key" and args[0][b"type"] == b"key"
    assert conn.call("COMMAND", "DOCS", "nosuchcmd") == []
    all_docs = pairs(conn.call("COMMAND", "DOCS"))
    assert len(all_docs) >= 60
    assert b"set" in all_docs and b"config|get" in pairs(pairs(all_docs[b"config"])[b"subcommands"])


def test_command_docs_resp3_is_map(r3):
    reply = r3.call("COMMAND", "DOCS", "get")
    assert isinstance(reply, resp.Map)
    assert isinstance(reply.as_dict()[b"get"], resp.Map)


def test_command_getkeys(conn):
    assert conn.call("COMMAND", "GETKEYS", "MSET", "a", "b", "c", "d") == [b"a", b"c"]
    assert conn.call("COMMAND", "GETKEYS", "GET", "k") == [b"k"]
    assert conn.call("COMMAND", "GETKEYS", "SET", "k", "v", "EX", "10") == [b"k"]
    assert conn.call("COMMAND", "GETKEYS", "DEL", "a", "b", "c") == [b"a", b"b", b"c"]
    assert conn.call("COMMAND", "GETKEYS", "RENAME", "a", "b") == [b"a", b"b"]
    assert error_of(conn, "COMMAND", "GETKEYS", "NOSUCH", "a") == "ERR Invalid command specified"
    assert error_of(conn, "COMMAND", "GETKEYS", "GET") == \
        "ERR wrong number of arguments for 'command|getkeys' command"
    assert error_of(conn, "COMMAND", "GETKEYS", "SET", "k") == \
        "ERR Invalid number of arguments specified for command"
    assert error_of(conn, "COMMAND", "GETKEYS", "GET", "a", "b") == \
        "ERR Invalid number of arguments specified for command"
    assert error_of(conn, "COMMAND", "GETKEYS", "PING", "x") == "ERR The command has no key arguments"


# ---------------------------------------------------------------- SHUTDOWN

def test_shutdown_nosave(server):
    srv = server.start([])
    c = srv.conn()
    c.call("SET", "k", "v")
    c.send_command("SHUTDOWN", "NOSAVE")
    assert c.is_closed(timeout=10)  # no reply: the connection is just closed
    c.close()
    assert srv.wait_exit(10) == 0
    assert not os.path.exists(os.path.join(srv.dir, "dump.rdb"))


def test_shutdown_errors(conn):
    assert error_of(conn, "SHUTDOWN", "FOO") == "ERR syntax error"
    assert conn.call("PING") == b"PONG"


# ------------------------------------------------------- event-loop polling

def _cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def test_event_loop_polls_only_while_busy(server, is_ember):
    """event-loop-poll-us: the loops poll for work before sleeping only while work keeps
    arriving that soon; once requests stop, the server goes back to using no CPU."""
    if not is_ember:
        return  # an Ember directive
    # One loop: with as many loops as cores the server never polls.
    srv = server.start(["--threads", "1", "--event-loop-poll-us", "1000"])
    c = srv.conn()
    assert pairs(c.call("CONFIG", "GET", "event-loop-poll-us")) == {
        b"event-loop-poll-us": b"1000"}
    assert error_of(c, "CONFIG", "SET", "event-loop-poll-us", "1001").startswith("ERR CONFIG SET")
    conns = [srv.conn() for _ in range(8)]
    for round_ in range(200):  # back-to-back requests on every loop: polling turns on
        for k in conns:
            k.send_command("SET", "k%d" % round_, "v")
        for k in conns:
            assert k.read_reply() == b"OK"
    time.sleep(0.3)  # the last polls run out
    before = _cpu_seconds(srv.pid)
    time.sleep(1.0)
    idle = _cpu_seconds(srv.pid) - before
    # A loop polling through the idle second would use about one CPU-second.
    assert idle < 0.2, "server used %.2f s of CPU in 1 s without requests" % idle
    assert c.call("CONFIG", "SET", "event-loop-poll-us", "0") == b"OK"
    assert c.call("GET", "k199") == b"v"


def _threads(pid):
    """{thread name: [scheduling policy, ...]} of a process, from /proc (policy 0 = normal,
    3 = batch)."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                policy = int(f.read().rsplit(")", 1)[1].split()[38])
        except OSError:
            continue  # the thread ended meanwhile
        out.setdefault(name, []).append(policy)
    return out


def test_threads_are_named_and_background_work_is_batch(server, is_ember):
    """The server's threads carry names (ps -L, top -H, perf); the cron and the lazy-free
    thread run as SCHED_BATCH, so that waking up never preempts an event loop on their core,
    while the event loops stay normal threads. event-loop-slice-us is read at startup."""
    if not is_ember:
        return  # Ember's threads
    srv = server.start(["--threads", "2", "--event-loop-slice-us", "300"])
    c = srv.conn()
    assert pairs(c.call("CONFIG", "GET", "event-loop-slice-us")) == {
        b"event-loop-slice-us": b"300"}
    assert error_of(c, "CONFIG", "SET", "event-loop-slice-us", "100").startswith(
        "ERR CONFIG SET")
    assert c.call("FLUSHALL", "ASYNC") == b"OK"  # the lazy-free thread still works
    threads = _threads(srv.pid)
    assert threads.get("ember-loop-0") == [0] and threads.get("ember-loop-1") == [0], threads
    assert threads.get("ember-cron") == [3], threads
    assert threads.get("ember-lazyfree") == [3], threads
    # jemalloc's purging threads (when jemalloc is the allocator) join them within a second.
    deadline = time.time() + 5
    while any(p != 3 for p in threads.get("jemalloc_bg_thd", [])) and time.time() < deadline:
        time.sleep(0.1)
        threads = _threads(srv.pid)
    assert all(p == 3 for p in threads.get("jemalloc_bg_thd", [])), threads
    for i in range(2000):
        c.send_command("SET", "k%d" % i, "v")
    for i in range(2000):
        assert c.read_reply() == b"OK"
    assert c.call("FLUSHALL", "ASYNC") == b"OK"
    assert c.call("DBSIZE") == 0
    assert c.call("SET", "after", "1") == b"OK"
