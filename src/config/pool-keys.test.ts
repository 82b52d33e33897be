import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServiceFile } from './service-file.js';

const FILE = 'services/web.toml';
const BASE = 'exec = ["/usr/bin/app"]\nlisten = ["tcp://127.0.0.1:0"]\n';

function pool(extra: string) {
  const r = parseServiceFile('web', FILE, BASE + extra);
  assert.deepEqual(r.errors.map(String), []);
  return r.definition!.pool;
}

function errorOf(text: string): string {
  const r = parseServiceFile('web', FILE, text);
  assert.equal(r.definition, undefined);
  return r.errors.map(String).join('\n');
}

describe('worker pool keys', () => {
  test('a file without pool keys is not a pool', () => {
    assert.equal(pool(''), undefined);
  });

  test('workers = N is a fixed pool passing sockets by LISTEN_FDS', () => {
    assert.deepEqual(pool('workers = 3\n'), {
      startWorkers: 3,
      minWorkers: 3,
      maxWorkers: 3,
      minSpare: 0,
      maxSpare: 3,
      idleTimeoutMs: 10_000,
      socketFd: 'listen-fds',
    });
  });

  test('the Apache-style range fills in sane defaults and keeps the given values', () => {
    const p = pool('min_spare = 2\nmax_spare = 5\nmax_workers = 8\nidle_timeout = "2s"\nworker_max_age = "1h"\n')!;
    assert.equal(p.minSpare, 2);
    assert.equal(p.maxSpare, 5);
    assert.equal(p.maxWorkers, 8);
    assert.equal(p.startWorkers, 2);
    assert.equal(p.minWorkers, 2);
    assert.equal(p.idleTimeoutMs, 2000);
    assert.equal(p.maxAgeMs, 3_600_000);
  });

  test('pass_socket = "stdin" gives the one socket as fd 0', () => {
    assert.equal(pool('workers = 2\npass_socket = "stdin"\n')!.socketFd, 'stdin');
  });

  test('a pool without listen sockets is refused with file, line and a hint', () => {
    assert.match(errorOf('exec = ["/usr/bin/app"]\nworkers = 2\n'), /services\/web\.toml:2: a worker pool \("workers"\) needs "listen" sockets/);
  });

  test('workers and the scaling keys exclude each other', () => {
    assert.match(errorOf(BASE + 'workers = 2\nmax_spare = 4\n'), /:4: "workers" fixes the pool size; "max_spare" belongs to a pool that scales/);
  });

  test('inconsistent ranges name the key and both values', () => {
    assert.match(errorOf(BASE + 'min_spare = 6\nmax_spare = 3\n'), /"min_spare" \(6\) is larger than "max_spare" \(3\)/);
    assert.match(errorOf(BASE + 'min_spare = 4\nmax_spare = 8\nmax_workers = 2\n'), /"min_spare" \(4\) is larger than "max_workers" \(2\)/);
  });

  test('ready = "tcp", type = "forking" and stdin with two sockets cannot make a pool', () => {
    assert.match(errorOf(BASE + 'workers = 2\nready = "tcp:8080"\n'), /cannot tell one worker from another/);
    assert.match(errorOf(BASE + 'workers = 2\ntype = "forking"\npidfile = "/run/x.pid"\n'), /cannot use type = "forking"/);
    assert.match(
      errorOf('exec = ["/usr/bin/app"]\nlisten = ["tcp://127.0.0.1:0", "tcp://127.0.0.1:0"]\nworkers = 2\npass_socket = "stdin"\n'),
      /passes exactly one socket, but "listen" has 2/,
    );
  });

  test('a pool size beyond the hard cap is refused rather than forked', () => {
    assert.match(errorOf(BASE + 'workers = 100000\n'), /"workers"/);
  });
});
