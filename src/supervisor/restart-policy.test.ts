import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartTracker } from './restart-policy.js';
import { DEFAULT_BACKOFF } from '../model/index.js';

const crash = { code: 1, signal: null };
const backoff = { ...DEFAULT_BACKOFF, initialDelayMs: 100, maxDelayMs: 1000, burst: 100 };

test('the first restart after a crash is immediate, then delays grow exponentially to the cap', () => {
  const t = new RestartTracker(backoff);
  const delays: number[] = [];
  for (let i = 0; i < 7; i++) {
    t.recordStart(i);
    const d = t.decide('always', crash, 5, i);
    assert.equal(d.action, 'restart');
    if (d.action === 'restart') delays.push(d.delayMs);
  }
  assert.deepEqual(delays, [0, 100, 200, 400, 800, 1000, 1000]);
});

test('a stable run resets the streak so the next crash restarts at once', () => {
  const t = new RestartTracker(backoff);
  t.decide('always', crash, 5, 0);
  t.decide('always', crash, 5, 1);
  const d = t.decide('always', crash, backoff.stableAfterMs + 1, 2);
  assert.deepEqual(d, { action: 'restart', delayMs: 0 });
});

test('on-failure does not restart a clean exit but restarts a signal death', () => {
  const t = new RestartTracker(backoff);
  assert.deepEqual(t.decide('on-failure', { code: 0, signal: null }, 5, 0), { action: 'none' });
  assert.equal(t.decide('on-failure', { code: null, signal: 'SIGKILL' }, 5, 0).action, 'restart');
  assert.deepEqual(t.decide('never', crash, 5, 0), { action: 'none' });
});

test('too many starts within the burst interval fail the service with a cool-down', () => {
  const t = new RestartTracker({ ...backoff, burst: 3, burstIntervalMs: 1000, coolDownMs: 5000 });
  for (let i = 0; i < 3; i++) t.recordStart(i * 10);
  assert.deepEqual(t.decide('always', crash, 5, 30), { action: 'fail', retryInMs: 5000 });
  // after the verdict the window starts afresh
  t.recordStart(6000);
  assert.equal(t.decide('always', crash, 5, 6001).action, 'restart');
});

test('starts older than the burst interval do not count toward the limit', () => {
  const t = new RestartTracker({ ...backoff, burst: 3, burstIntervalMs: 1000 });
  t.recordStart(0);
  t.recordStart(10);
  t.recordStart(2000);
  assert.equal(t.decide('always', crash, 5, 2001).action, 'restart');
});
