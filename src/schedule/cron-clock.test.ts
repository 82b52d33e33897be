import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cronWake } from './cron-clock.js';

/** The passes of one wake as "minute:kinds", minutes relative to the virtual minute 1000. */
function wake(now: number): { passes: string[]; virtual: number } {
  const w = cronWake(1000, 1000 + now);
  return {
    passes: w.passes.map((p) => `${p.wallMinute - 1000}:${p.wildcard && p.fixed ? 'all' : p.wildcard ? 'wildcard' : 'fixed'}`),
    virtual: w.virtualMinute - 1000,
  };
}

describe("cron's wake rule (cron.c main loop)", () => {
  test('one minute on: every job due now', () => {
    assert.deepEqual(wake(1), { passes: ['1:all'], virtual: 1 });
  });

  test('2 to 5 minutes on (woke late): every job of every minute missed, and now', () => {
    assert.deepEqual(wake(3), { passes: ['1:all', '2:all', '3:all'], virtual: 3 });
    assert.equal(wake(5).passes.length, 5);
  });

  test('6 to 180 minutes on (DST starts): wildcard jobs of now, then fixed-time jobs of each minute skipped and of now', () => {
    const w = wake(61);
    assert.deepEqual(w.passes.slice(0, 3), ['61:wildcard', '1:fixed', '2:fixed']);
    assert.equal(w.passes.at(-1), '61:fixed');
    assert.equal(w.passes.length, 62);
    assert.equal(w.virtual, 61);
    assert.equal(wake(6).passes[0], '6:wildcard');
    assert.equal(wake(180).passes.length, 181);
  });

  test('over 180 minutes on: only the jobs of now; the skipped time is forgotten', () => {
    assert.deepEqual(wake(181), { passes: ['181:all'], virtual: 181 });
    assert.deepEqual(wake(1441), { passes: ['1441:all'], virtual: 1441 });
  });

  test('0 to 179 minutes back (DST ends): wildcard jobs only, and the virtual minute waits', () => {
    assert.deepEqual(wake(-59), { passes: ['-59:wildcard'], virtual: 0 });
    assert.deepEqual(wake(0), { passes: ['0:wildcard'], virtual: 0 });
    assert.deepEqual(wake(-179), { passes: ['-179:wildcard'], virtual: 0 });
  });

  test('180 minutes back or more: every job due now, as if nothing had run', () => {
    assert.deepEqual(wake(-180), { passes: ['-180:all'], virtual: -180 });
  });
});
