import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAtTime } from './at-time.js';

const NOW = new Date(2026, 10, 24, 14, 30, 0);
const fmt = (d: Date) => `${d.getMonth() + 1}/${d.getDate()} ${d.getHours()}:${String(d.getMinutes()).padStart(2, '0')}`;

test('parseAtTime reads the at(1) forms people use', () => {
  assert.equal(fmt(parseAtTime('now', NOW)), '11/24 14:30');
  assert.equal(fmt(parseAtTime('now + 5 minutes', NOW)), '11/24 14:35');
  assert.equal(fmt(parseAtTime('now+2hours', NOW)), '11/24 16:30');
  assert.equal(fmt(parseAtTime('now + 1 week', NOW)), '12/1 14:30');
  assert.equal(fmt(parseAtTime('16:00', NOW)), '11/24 16:00');
  assert.equal(fmt(parseAtTime('09:00', NOW)), '11/25 9:00', 'a passed time means tomorrow');
  assert.equal(fmt(parseAtTime('noon tomorrow', NOW)), '11/25 12:00');
  assert.equal(fmt(parseAtTime('midnight', NOW)), '11/25 0:00');
  assert.equal(fmt(parseAtTime('teatime', NOW)), '11/24 16:00');
  assert.equal(fmt(parseAtTime('2026-12-24 18:00', NOW)), '12/24 18:00');
});

test('parseAtTime refuses what it cannot read, quoting it', () => {
  assert.throws(() => parseAtTime('sometime', NOW), /cannot read the time "sometime"/);
  assert.throws(() => parseAtTime('25:00', NOW), /cannot read the time "25:00"/);
  assert.throws(() => parseAtTime('2026-02-30', NOW), /cannot read the time/);
});
