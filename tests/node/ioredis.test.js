'use strict';
// ioredis compatibility tests for Ember (Redis 7.0 semantics).
//
// Starts $EMBER_BIN (default <repo>/build/ember-server) on a free port,
// waits until it answers PING, runs typical application traffic through
// ioredis and stops the server (by the child's PID) at the end.
//
//   cd tests/node && npm ci && node --test
//   EMBER_BIN=/usr/bin/redis-server node --test     # validate against Redis
//
// Note: ioredis 6 defaults to RESP3: on connect it sends
// `HELLO 3 [AUTH default <pw>]`, then `CLIENT SETINFO ...` (errors ignored)
// and `INFO` (ready check; an error here is fatal). It only falls back to
// RESP2 if HELLO fails with "unknown command ... HELLO" or NOPROTO.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const Redis = require('ioredis');

const REPO = path.resolve(__dirname, '..', '..');
const BIN = process.env.EMBER_BIN || path.join(REPO, 'build', 'ember-server');
const HOST = '127.0.0.1';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// One raw RESP PING; resolves with the first reply line (or null on failure).
function rawPing(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: HOST });
    let buf = '';
    const done = (v) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(1000, () => done(null));
    sock.on('error', () => done(null));
    sock.on('connect', () => sock.write('*1\r\n$4\r\nPING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const i = buf.indexOf('\r\n');
      if (i >= 0) done(buf.slice(0, i));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startServer(extraArgs = []) {
  if (!fs.existsSync(BIN)) {
    throw new Error(`server binary not found: ${BIN} (set EMBER_BIN)`);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ember-node-'));
    const args = ['--port', String(port), '--bind', HOST, '--dir', dir];
    if (path.basename(BIN).includes('ember')) args.push('--threads', '2');
    else args.push('--save', '', '--appendonly', 'no');
    args.push(...extraArgs);

    const child = spawn(BIN, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    let exited = false;
    const exitPromise = new Promise((resolve) => child.on('exit', () => { exited = true; resolve(); }));
    child.on('error', (e) => { output += `spawn error: ${e.message}\n`; });

    const server = {
      port,
      child,
      output: () => output,
      async stop() {
        if (!exited) {
          process.kill(child.pid, 'SIGTERM'); // this child's PID only
          const t = setTimeout(() => { if (!exited) process.kill(child.pid, 'SIGKILL'); }, 5000);
          await exitPromise;
          clearTimeout(t);
        }
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };

    const deadline = Date.now() + 10000;
    while (Date.now() < deadline && !exited) {
      const line = await rawPing(port);
      // +PONG, or -NOAUTH when started with --requirepass: either way it is up
      if (line === '+PONG' || (line && line.startsWith('-NOAUTH'))) return server;
      await sleep(50);
    }
    await server.stop();
    if (attempt === 2) throw new Error(`could not start ${BIN} ${args.join(' ')}\n${output}`);
  }
}

function client(port, opts = {}) {
  return new Redis({
    port,
    host: HOST,
    lazyConnect: true,
    retryStrategy: () => null, // fail fast instead of reconnecting forever
    maxRetriesPerRequest: 1,
    ...opts,
  });
}

// Collect ioredis' flat legacy map reply ([k1, v1, k2, v2...]) into an object.
function pairs(arr) {
  const o = {};
  for (let i = 0; i + 1 < arr.length; i += 2) o[arr[i]] = arr[i + 1];
  return o;
}

describe('ioredis against server', () => {
  let server;
  let r;

  before(async () => {
    server = await startServer();
    r = client(server.port);
    await r.connect();
    await r.flushdb();
  });

  after(async () => {
    if (r) r.disconnect();
    if (server) await server.stop();
  });

  test('negotiates RESP3 via HELLO (no silent fallback to RESP2)', () => {
    assert.equal(r.condition.protocol, 3,
      'ioredis downgraded to RESP2: HELLO 3 was rejected by the server');
  });

  test('set/get with EX', async () => {
    assert.equal(await r.set('app:session', 'payload', 'EX', 100), 'OK');
    assert.equal(await r.get('app:session'), 'payload');
    const ttl = await r.ttl('app:session');
    assert.ok(ttl > 95 && ttl <= 100, `ttl=${ttl}`);
    assert.equal(await r.set('app:session', 'other', 'NX'), null);
    assert.equal(await r.set('app:session', 'next', 'XX', 'GET'), 'payload');
    assert.equal(await r.get('app:missing'), null);
  });

  test('pipeline of 1000 commands', async () => {
    const p = r.pipeline();
    for (let i = 0; i < 250; i++) {
      p.set(`pipe:${i}`, `v${i}`);
      p.get(`pipe:${i}`);
      p.incr('pipe:counter');
      p.exists(`pipe:${i}`, `pipe:none:${i}`);
    }
    const res = await p.exec();
    assert.equal(res.length, 1000);
    for (let i = 0; i < 250; i++) {
      const [set, get, incr, exists] = res.slice(i * 4, i * 4 + 4);
      assert.deepEqual(set, [null, 'OK']);
      assert.deepEqual(get, [null, `v${i}`]);
      assert.deepEqual(incr, [null, i + 1]);
      assert.deepEqual(exists, [null, 1]);
    }
    assert.equal(await r.get('pipe:counter'), '250');
  });

  test('pipeline with an error in the middle', async () => {
    const res = await r.pipeline().set('pe:a', 'x').incr('pe:a').get('pe:a').exec();
    assert.deepEqual(res[0], [null, 'OK']);
    assert.ok(res[1][0] instanceof Error);
    assert.equal(res[1][0].message, 'ERR value is not an integer or out of range');
    assert.deepEqual(res[2], [null, 'x']);
  });

  test('multi-key mset/mget/msetnx', async () => {
    assert.equal(await r.mset({ 'm:a': '1', 'm:b': 'two', 'm:c': '' }), 'OK');
    assert.equal(await r.mset('m:d', 4, 'm:e', 5.5), 'OK');
    assert.deepEqual(await r.mget('m:a', 'm:b', 'm:c', 'm:missing', 'm:d', 'm:e'),
      ['1', 'two', '', null, '4', '5.5']);
    assert.equal(await r.msetnx('m:a', 'x', 'm:new', 'y'), 0);
    assert.equal(await r.exists('m:new'), 0);
    assert.equal(await r.msetnx('m:new', 'y', 'm:new2', 'z'), 1);
    assert.equal(await r.del('m:a', 'm:b', 'm:missing'), 2);
  });

  test('incr family', async () => {
    assert.equal(await r.incr('c:n'), 1);
    assert.equal(await r.incrby('c:n', 41), 42);
    assert.equal(await r.decr('c:n'), 41);
    assert.equal(await r.decrby('c:n', 50), -9);
    assert.equal(await r.incrbyfloat('c:f', '1.5'), '1.5');
    assert.equal(await r.incrbyfloat('c:f', '0.25'), '1.75');
    await r.set('c:max', '9223372036854775807');
    await assert.rejects(r.incr('c:max'), { message: 'ERR increment or decrement would overflow' });
  });

  test('expire / ttl / persist', async () => {
    await r.set('e:k', 'v');
    assert.equal(await r.ttl('e:k'), -1);
    assert.equal(await r.ttl('e:missing'), -2);
    assert.equal(await r.expire('e:k', 1000), 1);
    const ttl = await r.ttl('e:k');
    assert.ok(ttl > 995 && ttl <= 1000, `ttl=${ttl}`);
    assert.equal(await r.pexpire('e:k', 500000), 1);
    const pttl = await r.pttl('e:k');
    assert.ok(pttl > 495000 && pttl <= 500000, `pttl=${pttl}`);
    assert.equal(await r.expire('e:k', 100, 'GT'), 0);
    assert.equal(await r.persist('e:k'), 1);
    assert.equal(await r.ttl('e:k'), -1);
    assert.equal(await r.expire('e:missing', 10), 0);
    await r.set('e:short', 'v', 'PX', 50);
    await sleep(120);
    assert.equal(await r.get('e:short'), null);
    assert.equal(await r.exists('e:short'), 0);
  });

  test('scanStream collects every key exactly', async () => {
    const N = 2500;
    const p = r.pipeline();
    for (let i = 0; i < N; i += 100) {
      const kv = [];
      for (let j = i; j < i + 100; j++) kv.push(`scan:${j}`, j);
      p.mset(...kv);
    }
    await p.exec();
    const seen = new Set();
    let batches = 0;
    await new Promise((resolve, reject) => {
      const stream = r.scanStream({ match: 'scan:*', count: 100 });
      stream.on('data', (keys) => { batches++; for (const k of keys) seen.add(k); });
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    assert.equal(seen.size, N);
    for (let i = 0; i < N; i++) assert.ok(seen.has(`scan:${i}`), `missing scan:${i}`);
    assert.ok(batches > 1, 'expected more than one SCAN round trip');
    const all = await r.keys('scan:1*');
    assert.equal(all.length, 1 + 10 + 100 + 1000); // scan:1, 1x, 1xx, 1xxx
  });

  test('binary Buffer roundtrip (value and key)', async () => {
    const value = Buffer.alloc(256 + 4);
    for (let i = 0; i < 256; i++) value[i] = i;
    value.write('\r\n\0\xff', 256, 'latin1');
    const key = Buffer.from([0x62, 0x00, 0x0d, 0x0a, 0xff, 0x80]);
    assert.equal(await r.set(key, value), 'OK');
    const back = await r.getBuffer(key);
    assert.ok(Buffer.isBuffer(back));
    assert.ok(back.equals(value), 'binary value changed in transit');
    assert.equal(await r.strlen(key), value.length);
    assert.ok((await r.getrangeBuffer(key, 0, 3)).equals(Buffer.from([0, 1, 2, 3])));
    assert.equal(await r.append(key, Buffer.from([0])), value.length + 1);
    const big = Buffer.alloc(300000, 0xab);
    await r.set('bin:big', big);
    assert.ok((await r.getBuffer('bin:big')).equals(big));
  });

  test('error replies reject with the exact message', async () => {
    await r.set('err:str', 'not a number');
    await assert.rejects(r.incr('err:str'), (err) => {
      assert.equal(err.name, 'ReplyError');
      assert.equal(err.message, 'ERR value is not an integer or out of range');
      return true;
    });
    await assert.rejects(r.incrbyfloat('err:str', '1'), { message: 'ERR value is not a valid float' });
    await assert.rejects(r.call('NOSUCHCMD', 'a', 'b'),
      { message: "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' " });
    await assert.rejects(r.call('GET'),
      { message: "ERR wrong number of arguments for 'get' command" });
    await assert.rejects(r.set('err:k', 'v', 'NX', 'XX'), { message: 'ERR syntax error' });
    await assert.rejects(r.set('err:k', 'v', 'EX', 0),
      { message: "ERR invalid expire time in 'set' command" });
    await assert.rejects(r.setrange('err:k', 536870912, 'x'),
      { message: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)' });
    // the connection stays usable after errors
    assert.equal(await r.ping(), 'PONG');
  });

  test('HELLO 3 returns the server map', async () => {
    const reply = await r.call('HELLO', '3');
    assert.ok(Array.isArray(reply), `unexpected HELLO reply ${JSON.stringify(reply)}`);
    const info = pairs(reply);
    assert.equal(info.proto, 3);
    for (const field of ['server', 'version', 'proto', 'id', 'mode', 'role', 'modules']) {
      assert.ok(field in info, `HELLO reply lacks ${field}: ${JSON.stringify(reply)}`);
    }
    assert.equal(typeof info.id, 'number');
    assert.deepEqual(info.modules, []);
    // RESP3 null and integer replies still map to plain JS values
    assert.equal(await r.get('hello:missing'), null);
    assert.equal(await r.exists('hello:missing'), 0);
  });

  test('RESP3 with object mapping', async () => {
    const r3 = client(server.port, { protocol: 3, replyMapping: 'resp3' });
    try {
      await r3.connect();
      const info = await r3.call('HELLO', '3');
      assert.equal(typeof info, 'object');
      assert.equal(info.proto, 3);
      assert.equal(await r3.set('r3:k', 'v'), 'OK');
      assert.equal(await r3.get('r3:k'), 'v');
    } finally {
      r3.disconnect();
    }
  });

  test('plain RESP2 client (protocol: 2)', async () => {
    const r2 = client(server.port, { protocol: 2 });
    try {
      await r2.connect();
      assert.equal(r2.condition.protocol, 2);
      assert.equal(await r2.set('r2:k', 'v', 'PX', 100000), 'OK');
      assert.deepEqual(await r2.mget('r2:k', 'r2:none'), ['v', null]);
      const reply = await r2.call('HELLO', '2');
      assert.equal(pairs(reply).proto, 2);
    } finally {
      r2.disconnect();
    }
  });

  test('dbsize / flushdb / select via connection option', async () => {
    const r1 = client(server.port, { db: 1 });
    try {
      await r1.connect();
      await r1.flushdb();
      await r1.set('db1:key', 'x');
      assert.equal(await r1.dbsize(), 1);
      assert.equal(await r.exists('db1:key'), 0);
      assert.equal(await r1.flushdb(), 'OK');
      assert.equal(await r1.dbsize(), 0);
    } finally {
      r1.disconnect();
    }
  });
});

describe('requirepass', () => {
  const PASSWORD = 's3cr3t-pw';
  let server;

  before(async () => {
    server = await startServer(['--requirepass', PASSWORD]);
  });

  after(async () => {
    if (server) await server.stop();
  });

  test('connects and works with the password', async () => {
    const r = client(server.port, { password: PASSWORD });
    try {
      await r.connect();
      assert.equal(await r.ping(), 'PONG');
      assert.equal(await r.set('auth:k', 'v'), 'OK');
      assert.equal(await r.get('auth:k'), 'v');
    } finally {
      r.disconnect();
    }
  });

  test('RESP2 client authenticates with AUTH', async () => {
    const r = client(server.port, { password: PASSWORD, protocol: 2 });
    try {
      await r.connect();
      assert.equal(await r.get('auth:k'), 'v');
    } finally {
      r.disconnect();
    }
  });

  test('commands without the password are rejected with NOAUTH', async () => {
    // RESP2 and no ready check, so the connection itself comes up and the
    // command's promise carries the server's error.
    const r = client(server.port, { protocol: 2, enableReadyCheck: false });
    r.on('error', () => {});
    try {
      await r.connect();
      await assert.rejects(r.get('auth:k'), { message: 'NOAUTH Authentication required.' });
      await assert.rejects(r.set('auth:k', 'x'), { message: 'NOAUTH Authentication required.' });
    } finally {
      r.disconnect();
    }
  });

  test('default (HELLO 3) connection without the password fails with NOAUTH', async () => {
    const r = client(server.port);
    const errors = [];
    r.on('error', (e) => errors.push(e));
    try {
      await assert.rejects(r.connect());
      assert.ok(errors.some((e) => /^NOAUTH/.test(e.message)),
        `expected a NOAUTH error, got ${errors.map((e) => e.message).join(' | ')}`);
    } finally {
      r.disconnect();
    }
  });

  test('wrong password is rejected with WRONGPASS', async () => {
    for (const protocol of [2, 3]) {
      const r = client(server.port, { password: 'nope', protocol });
      const errors = [];
      r.on('error', (e) => errors.push(e));
      try {
        await assert.rejects(r.connect());
        assert.ok(errors.some((e) => e.message ===
            'WRONGPASS invalid username-password pair or user is disabled.'),
          `protocol ${protocol}: got ${errors.map((e) => e.message).join(' | ')}`);
      } finally {
        r.disconnect();
      }
    }
  });
});
