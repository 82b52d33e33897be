/** rollingRestart: order, concurrency bound, stop at the first failure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rollingRestart } from './rolling.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

test('restarts one host at a time by default, each after the previous is ready', async () => {
  const log: string[] = [];
  const r = await rollingRestart({
    hosts: ['a', 'b', 'c'],
    restart: async (h) => void log.push(`restart ${h}`),
    waitReady: async (h) => {
      await tick();
      log.push(`ready ${h}`);
    },
  });
  assert.deepEqual(r, { ok: true, done: ['a', 'b', 'c'] });
  assert.deepEqual(log, ['restart a', 'ready a', 'restart b', 'ready b', 'restart c', 'ready c']);
});

test('never has more than maxUnavailable hosts in flight', async () => {
  let inFlight = 0;
  let peak = 0;
  const r = await rollingRestart({
    hosts: Array.from({ length: 10 }, (_, i) => `h${i}`),
    maxUnavailable: 3,
    restart: async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
    },
    waitReady: async () => {
      await tick();
      inFlight--;
    },
  });
  assert.equal(r.ok, true);
  assert.equal(peak, 3);
});

test('stops at the first failure, says where and why, and touches no further host', async () => {
  const touched: string[] = [];
  const r = await rollingRestart({
    hosts: ['a', 'b', 'c', 'd'],
    restart: async (h) => void touched.push(h),
    waitReady: async (h) => {
      if (h === 'b') throw new Error('unit "web" failed to start');
    },
  });
  assert.deepEqual(r, { ok: false, failed: [{ host: 'b', error: 'unit "web" failed to start' }], done: ['a'], notStarted: ['c', 'd'] });
  assert.deepEqual(touched, ['a', 'b']);
});
