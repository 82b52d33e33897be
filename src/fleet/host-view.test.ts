import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostViews } from './host-view.js';
import { aliveKey, reportKey } from './keys.js';
import { encodeReport, type UnitSummary } from './report.js';

const unit = (name: string, state: string): UnitSummary => ({ name, kind: 'service', state, enabled: [3], pids: 0, restarts: 0, findings: 0 });

test('a host counts as failing every unit the model says needs attention: failed, broken, crash-looping, orphaned, degraded', () => {
  const units = [
    unit('ok', 'running'),
    unit('done', 'exited'),
    unit('crashed', 'failed'),
    unit('bad-file', 'broken'),
    unit('looping', 'backoff'),
    unit('left-over', 'orphaned'),
    unit('xinetd', 'degraded'),
    // A word this version does not know (a newer host, a kind's own word) is not counted.
    unit('echo', 'listening'),
    unit('future', 'hibernating'),
  ];
  const [view] = hostViews([
    { key: aliveKey('db1'), value: '1' },
    { key: reportKey('db1'), value: encodeReport({ at: 1, units, conflicts: [] }) },
  ]);
  assert.equal(view!.units.length, units.length);
  assert.equal(view!.unitsFailing, 5);
});
