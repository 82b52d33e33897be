import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PoolSettings } from '../model/index.js';
import { PoolScaler, type PoolSample } from './pool-scaler.js';
import { parseListenQueues } from './accept-queue.js';

const SETTINGS: PoolSettings = { startWorkers: 2, minWorkers: 1, maxWorkers: 8, minSpare: 1, maxSpare: 2, idleTimeoutMs: 1000, socketFd: 'listen-fds' };
const sample = (s: Partial<PoolSample>): PoolSample => ({ now: 0, workers: 2, starting: 0, idle: 1, queued: 0, ...s });

describe('PoolScaler', () => {
  test('a backed-up accept queue grows the pool, doubling the step while the need lasts', () => {
    const scaler = new PoolScaler(SETTINGS);
    assert.deepEqual(scaler.decide(sample({ queued: 5, idle: 0 })), { grow: 1 });
    assert.deepEqual(scaler.decide(sample({ workers: 3, queued: 5, idle: 0 })), { grow: 2 });
    assert.deepEqual(scaler.decide(sample({ workers: 5, queued: 5, idle: 0 })), { grow: 3 }, 'capped by max_workers');
    assert.equal(scaler.decide(sample({ workers: 8, queued: 5, idle: 0 })), null, 'never above max_workers');
  });

  test('no growth while workers are still starting, so one backlog is not answered twice', () => {
    assert.equal(new PoolScaler(SETTINGS).decide(sample({ queued: 3, starting: 1, idle: 0 })), null);
  });

  test('too few idle workers grows the pool to min_spare', () => {
    assert.deepEqual(new PoolScaler({ ...SETTINGS, minSpare: 3 }).decide(sample({ idle: 0 })), { grow: 3 });
  });

  test('too many idle workers shrink one at a time, only after idle_timeout', () => {
    const scaler = new PoolScaler(SETTINGS);
    assert.equal(scaler.decide(sample({ now: 0, workers: 6, idle: 5 })), null);
    assert.equal(scaler.decide(sample({ now: 900, workers: 6, idle: 5 })), null);
    assert.deepEqual(scaler.decide(sample({ now: 1000, workers: 6, idle: 5 })), { shrink: 1 });
  });

  test('a moment of work resets the idle clock', () => {
    const scaler = new PoolScaler(SETTINGS);
    scaler.decide(sample({ now: 0, workers: 6, idle: 5 }));
    scaler.decide(sample({ now: 500, workers: 6, idle: 1 }));
    assert.equal(scaler.decide(sample({ now: 1200, workers: 6, idle: 5 })), null);
  });

  test('never below min_workers, and back up to it at once', () => {
    const scaler = new PoolScaler({ ...SETTINGS, minWorkers: 2 });
    assert.equal(scaler.decide(sample({ now: 5000, workers: 2, idle: 2 })), null);
    assert.deepEqual(scaler.decide(sample({ workers: 0, idle: 0 })), { grow: 2 });
  });
});

describe('accept queue from /proc/net/tcp', () => {
  test('rx_queue of LISTEN sockets by inode; other states are ignored', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000007 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:1F90 0100007F:D431 01 00000000:00000003 00:00000000 00000000     0        0 4243 1 0000000000000000 20 4 30 10 -1',
    ].join('\n');
    const queues = parseListenQueues(text);
    assert.equal(queues.get(4242), 7);
    assert.equal(queues.has(4243), false);
  });
});
