import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatRelative, formatTimestamp } from './time-format.js';

const T = Date.UTC(2026, 11, 4, 19, 7, 4, 123);

test('formatTimestamp writes ISO-like time, UTC with the zone when asked', () => {
  assert.equal(formatTimestamp(T, { utc: true }), '2026-12-04 19:07:04');
  assert.equal(formatTimestamp(T, { utc: true, zone: true }), '2026-12-04 19:07:04 UTC');
  assert.equal(formatTimestamp(T, { utc: true, millis: true }), '2026-12-04 19:07:04.123');
  assert.match(formatTimestamp(T), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'local time has the same shape');
});

test('formatTimestamp leaves the date out only for times on the same day', () => {
  assert.equal(formatTimestamp(T, { utc: true, today: T + 3_600_000 }), '19:07:04');
  assert.equal(formatTimestamp(T, { utc: true, today: T + 86_400_000 }), '2026-12-04 19:07:04');
});

test('formatDuration never writes 2000ms and reads like systemd', () => {
  assert.equal(formatDuration(450), '450ms');
  assert.equal(formatDuration(2000), '2s');
  assert.equal(formatDuration(2999), '2s');
  assert.equal(formatDuration(90_000), '1min 30s');
  assert.equal(formatDuration(60_000), '1min');
  assert.equal(formatDuration(3_600_000 + 5 * 60_000), '1h 5min');
  assert.equal(formatDuration(3 * 86_400_000 + 4 * 3_600_000), '3d 4h');
  assert.equal(formatDuration(-5), '0ms');
});

test('precise durations keep milliseconds, as systemd-analyze blame does', () => {
  assert.equal(formatDuration(1234, { precise: true }), '1.234s');
  assert.equal(formatDuration(1500, { precise: true }), '1.5s');
  assert.equal(formatDuration(2000, { precise: true }), '2s');
  assert.equal(formatDuration(62_500, { precise: true }), '1min 2.5s');
});

test('formatRelative says how far away a moment is', () => {
  assert.equal(formatRelative(T + 300_000, T), 'in 5min');
  assert.equal(formatRelative(T - 90_000, T), '1min 30s ago');
  assert.equal(formatRelative(T + 200, T), 'now');
});
