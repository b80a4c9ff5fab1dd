def test_ping(r):
    assert r.ping()
