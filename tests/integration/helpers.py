"""Small shared helpers for the integration tests."""

import time

import resp


def error_of(conn, *args):
    """Send a command on a raw resp.Conn and return the error text (str).

    Fails the test if the reply is not an error."""
    reply = conn.call(*args)
    assert isinstance(reply, resp.Error), "expected an error for %r, got %r" % (args, reply)
    return bytes(reply).decode()


def wait_until(pred, timeout=5.0, interval=0.02, msg="condition"):
    """Poll `pred` until it returns a truthy value; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, msg))
        time.sleep(interval)


def parse_info(text):
    """Parse INFO output into {section: {field: value}} plus a flat dict."""
    if isinstance(text, bytes):
        text = text.decode()
    sections, flat, cur = {}, {}, None
    for line in text.split("\r\n"):
        if not line:
            continue
        if line.startswith("# "):
            cur = line[2:].strip().lower()
            sections.setdefault(cur, {})
            continue
        key, sep, value = line.partition(":")
        assert sep, "malformed INFO line %r" % line
        sections.setdefault(cur, {})[key] = value
        flat[key] = value
    return sections, flat


def _skip_if_unknown(exc, what):
    import pytest
    msg = str(exc)
    if "unknown command" in msg:
        pytest.skip("server does not implement %s (%s)" % (what, msg))
    raise exc


def make_list(r, key, *values):
    """Create a list key (to get a non-string type); skip if lists are unsupported."""
    import redis
    try:
        return r.rpush(key, *(values or ("x",)))
    except redis.ResponseError as e:
        _skip_if_unknown(e, "lists")


def make_hash(r, key, mapping=None):
    import redis
    try:
        return r.hset(key, mapping=mapping or {"f": "v"})
    except redis.ResponseError as e:
        _skip_if_unknown(e, "hashes")


def make_set(r, key, *members):
    import redis
    try:
        return r.sadd(key, *(members or ("x",)))
    except redis.ResponseError as e:
        _skip_if_unknown(e, "sets")


def make_zset(r, key, mapping=None):
    import redis
    try:
        return r.zadd(key, mapping or {"x": 1})
    except redis.ResponseError as e:
        _skip_if_unknown(e, "sorted sets")
