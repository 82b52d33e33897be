import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentProcesses } from './recent-processes.js';

describe('RecentProcesses: the processes hearth started, for syslog attribution', () => {
  test('knows a started pid, keeps it for the keep time after its exit, then forgets it', () => {
    let now = 0;
    const r = new RecentProcesses(1000, 100, () => now);
    r.observe({ type: 'service.spawn', at: 0, name: 'web', pid: 42 });
    r.observe({ type: 'timer.run', at: 0, name: 'nightly', change: 'started', pid: 43 });
    assert.equal(r.owner(42), 'web');
    assert.equal(r.owner(43), 'nightly');
    now = 5000;
    assert.equal(r.owner(42), 'web', 'alive: no age limit');
    r.observe({ type: 'service.exit', at: now, name: 'web', pid: 42, code: 0, signal: null });
    now = 5999;
    assert.equal(r.owner(42), 'web');
    now = 6001;
    assert.equal(r.owner(42), undefined);
    assert.equal(r.owner(44), undefined);
  });

  test('holds at most maxEntries, dropping the oldest news first', () => {
    const r = new RecentProcesses(1000, 3);
    for (let pid = 1; pid <= 5; pid++) r.started(pid, `s${pid}`);
    assert.equal(r.size, 3);
    assert.deepEqual([1, 2, 3, 4, 5].map((p) => r.owner(p)), [undefined, undefined, 's3', 's4', 's5']);
  });

  test('a pid reused by another start belongs to the newer one', () => {
    const r = new RecentProcesses();
    r.started(7, 'old');
    r.exited(7);
    r.started(7, 'new');
    assert.equal(r.owner(7), 'new');
  });
});
