import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimeSpec } from './time-spec.js';

// A fixed "now" in local time, so the expectations hold in any time zone.
const NOW = new Date(2026, 10, 23, 14, 30, 15, 500).getTime();
const local = (...a: [number, number, number, number?, number?, number?, number?]) => new Date(a[0], a[1] - 1, a[2], a[3] ?? 0, a[4] ?? 0, a[5] ?? 0, a[6] ?? 0).getTime();

describe('parseTimeSpec', () => {
  test('now, today, yesterday and tomorrow are relative to now, days at local midnight', () => {
    assert.equal(parseTimeSpec('now', NOW), NOW);
    assert.equal(parseTimeSpec('today', NOW), local(2026, 11, 23));
    assert.equal(parseTimeSpec('Yesterday', NOW), local(2026, 11, 22));
    assert.equal(parseTimeSpec('tomorrow', NOW), local(2026, 11, 24));
  });

  test('a bare duration, "-" and "ago" all mean that long before now', () => {
    assert.equal(parseTimeSpec('5m', NOW), NOW - 300_000);
    assert.equal(parseTimeSpec('2h ago', NOW), NOW - 7_200_000);
    assert.equal(parseTimeSpec('-1h', NOW), NOW - 3_600_000);
    assert.equal(parseTimeSpec('1h30m', NOW), NOW - 5_400_000);
    assert.equal(parseTimeSpec('10 min ago', NOW), NOW - 600_000);
    assert.equal(parseTimeSpec('1.5s', NOW), NOW - 1500);
    assert.equal(parseTimeSpec('2 days', NOW), NOW - 2 * 86_400_000);
    assert.equal(parseTimeSpec('1w', NOW), NOW - 7 * 86_400_000);
    assert.equal(parseTimeSpec('250ms', NOW), NOW - 250);
  });

  test('"+" and "in" mean that long after now', () => {
    assert.equal(parseTimeSpec('+10m', NOW), NOW + 600_000);
    assert.equal(parseTimeSpec('in 1h', NOW), NOW + 3_600_000);
  });

  test('a clock time is today in local time', () => {
    assert.equal(parseTimeSpec('10:00', NOW), local(2026, 11, 23, 10));
    assert.equal(parseTimeSpec('9:05:30', NOW), local(2026, 11, 23, 9, 5, 30));
    assert.equal(parseTimeSpec('23:59:59.25', NOW), local(2026, 11, 23, 23, 59, 59, 250));
  });

  test('dates with or without a time are local; with a zone they are exact', () => {
    assert.equal(parseTimeSpec('2026-11-23 10:00', NOW), local(2026, 11, 23, 10));
    assert.equal(parseTimeSpec('2026-11-23T10:00:05', NOW), local(2026, 11, 23, 10, 0, 5));
    assert.equal(parseTimeSpec('2026-01-02', NOW), local(2026, 1, 2));
    assert.equal(parseTimeSpec('2026-11-23T10:00:00Z', NOW), Date.UTC(2026, 10, 23, 10));
    assert.equal(parseTimeSpec('2026-11-23 10:00:00+01:00', NOW), Date.UTC(2026, 10, 23, 9));
    assert.equal(parseTimeSpec('@1763892000', NOW), 1_763_892_000_000);
  });

  test('nonsense and impossible dates are undefined', () => {
    for (const bad of ['', 'soon', '5 parsecs', '25:00', '10:61', '2026-02-31', '2026-13-01', '+5m ago', '5m5', 'yesterdayish', '2026-11-23 10']) {
      assert.equal(parseTimeSpec(bad, NOW), undefined, JSON.stringify(bad));
    }
  });

  test('now defaults to the current time', () => {
    const t = parseTimeSpec('1m')!;
    assert.ok(Math.abs(Date.now() - 60_000 - t) < 5000);
  });
});
