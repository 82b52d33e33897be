import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimestamp } from '../model/index.js';
import { describeEvent } from './describe.js';

const AT = new Date(2026, 11, 4, 19, 7, 4).getTime();

test('times in event lines are in the one format, local time with the zone', () => {
  const shown = formatTimestamp(AT, { zone: true });
  assert.match(shown, /^2026-12-04 19:07:04 \S+$/);
  assert.equal(
    describeEvent({ type: 'timer.run', at: AT, name: 'slow', change: 'skipped', runningSince: AT }),
    `timer "slow": still running since ${shown}; this run is skipped (overlap = "skip")`,
  );
  assert.equal(
    describeEvent({ type: 'inetd.listener', at: AT, name: 'echo', change: 'suspended', until: AT, reason: 'too many connections' }),
    `echo: suspended until ${shown}: too many connections`,
  );
});

test('durations in event lines read like systemd\'s', () => {
  assert.equal(
    describeEvent({ type: 'service.stop-escalated', at: AT, name: 'stubborn', signal: 'SIGTERM', timeoutMs: 3000 }),
    '"stubborn" did not stop within 3s of SIGTERM; sent SIGKILL',
  );
});
