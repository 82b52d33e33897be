import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusWatcher } from './status-watch.js';

/** A clock that only moves when told to. */
function fakeClock() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let next = 1;
  return {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => {
      const id = next++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id: unknown) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > end) break;
        timers.shift();
        now = t.at;
        t.fn();
        await new Promise((r) => setImmediate(r));
      }
      now = end;
    },
  };
}

test('status checks of many scripts stay within the concurrency and per-second limits', async () => {
  const clock = fakeClock();
  let running = 0;
  let most = 0;
  const launches: number[] = [];
  const pending: Array<() => void> = [];
  const watcher = new StatusWatcher(
    () => {
      running++;
      most = Math.max(most, running);
      launches.push(clock.now());
      return new Promise<void>((resolve) => pending.push(() => (running--, resolve())));
    },
    { maxConcurrent: 2, maxPerSecond: 5, clock },
  );
  for (let i = 0; i < 100; i++) watcher.watch(`s${i}`, 1000);
  for (let step = 0; step < 200; step++) {
    await clock.advance(50);
    // Each check takes 50ms of fake time.
    while (pending.length) pending.shift()!();
    await new Promise((r) => setImmediate(r));
  }
  watcher.close();
  assert.ok(most <= 2, `at most 2 at once, saw ${most}`);
  for (let i = 1; i < launches.length; i++) assert.ok(launches[i]! - launches[i - 1]! >= 200, 'at most 5 launches a second');
  assert.ok(launches.length >= 45 && launches.length <= 51, `10 s of fake time at 5/s: ${launches.length} checks`);
});

test('a unit is never checked twice at once, and unwatch stops its checks', async () => {
  const clock = fakeClock();
  const seen: string[] = [];
  const watcher = new StatusWatcher(async (name) => void seen.push(name), { clock });
  watcher.watch('a', 100);
  await clock.advance(1000);
  const before = seen.length;
  assert.ok(before >= 5, `checked about every 100-200ms, got ${before}`);
  watcher.unwatch('a');
  await clock.advance(1000);
  assert.equal(seen.length, before);
  watcher.close();
});
