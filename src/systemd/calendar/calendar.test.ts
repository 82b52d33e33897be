import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CalendarEvent, CalendarLoopError, loadZone, localtime, parsePosixRule, zoneTypeAt, UTC_ZONE } from './index.js';

// Expected values below were printed by systemd 252's `systemd-analyze calendar` (test/systemd-calendar.test.ts checks hundreds more live).
const utc = { localZone: UTC_ZONE };
const at = (iso: string) => new Date(iso);

test('normalised forms match systemd-analyze', () => {
  const cases: Array<[string, string]> = [
    ['daily', '*-*-* 00:00:00'],
    ['weekly', 'Mon *-*-* 00:00:00'],
    ['quarterly', '*-01,04,07,10-01 00:00:00'],
    ['Mon..Fri 10:00', 'Mon..Fri *-*-* 10:00:00'],
    ['Sat,Sun,Mon', 'Mon,Sat,Sun *-*-* 00:00:00'],
    ['*:0/30', '*-*-* *:00/30:00'],
    ['25-12-25', '2025-12-25 00:00:00'],
    ['*-*~01', '*-*~01 00:00:00'],
    ['*:*:30.5', '*-*-* *:*:30.500000'],
    ['*-*-5..20/5', '*-*-05..20/5 00:00:00'],
    ['12:00 Europe/Berlin', '*-*-* 12:00:00 Europe/Berlin'],
    ['weekly utc', 'Mon *-*-* 00:00:00 UTC'],
  ];
  for (const [expr, normalized] of cases) assert.equal(CalendarEvent.parse(expr, utc)?.normalized, normalized, expr);
});

test('expressions systemd refuses are refused', () => {
  for (const bad of ['', 'bogus', '2025-13-01', '*-*-32', '25:00', '*:*:*.3', 'Fri..Mon', '*:50/30', 'Mondays', '12:00 Nowhere/Zone']) {
    assert.equal(CalendarEvent.parse(bad, utc), null, bad);
  }
});

test('next elapses in UTC', () => {
  const ev = CalendarEvent.parse('*-02-29', utc)!;
  assert.deepEqual(ev.next(at('2024-02-27T23:59:59.250Z')), at('2024-02-29T00:00:00Z'));
  assert.deepEqual(ev.next(at('2024-02-29T00:00:00Z')), at('2028-02-29T00:00:00Z'));
  assert.equal(CalendarEvent.parse('2020-01-01', utc)!.next(at('2024-01-01T00:00:00Z')), null);
  assert.deepEqual(CalendarEvent.parse('*-*~01', utc)!.next(at('2025-02-01T00:00:00Z')), at('2025-02-28T00:00:00Z'));
});

test('a 02:30 timer skips the day clocks go forward and fires once on the day they go back (Berlin)', () => {
  const localZone = loadZone('Europe/Berlin')!;
  const ev = CalendarEvent.parse('*-*-* 02:30', { localZone })!;
  assert.deepEqual(ev.next(at('2025-03-29T12:00:00Z')), at('2025-03-31T00:30:00Z'));
  const fall = CalendarEvent.parse('*-*-* 02:30', { localZone })!;
  const first = fall.next(at('2025-10-25T12:00:00Z'))!;
  assert.deepEqual(first, at('2025-10-26T00:30:00Z'));
  assert.deepEqual(fall.next(first), at('2025-10-27T01:30:00Z'));
});

test('an expression naming a zone is computed in that zone', () => {
  const localZone = loadZone('Europe/Berlin')!;
  const ev = CalendarEvent.parse('daily Asia/Kolkata', { localZone })!;
  assert.deepEqual(ev.next(at('2024-02-27T23:59:59Z')), at('2024-02-28T18:30:00Z'));
  const cet = CalendarEvent.parse('daily CET', { localZone })!;
  assert.equal(cet.normalized, '*-*-* 00:00:00 CET');
});

test('where systemd gives up ("Infinite loop in calendar calculation"), so does hearth', () => {
  const localZone = loadZone('Europe/Berlin')!;
  const ev = CalendarEvent.parse('*-9,02,3~03..7/3 13/9:01:49', { localZone })!;
  const first = ev.nextUsec(1743249600e6)!;
  const second = ev.nextUsec(first)!;
  assert.throws(() => ev.nextUsec(second), CalendarLoopError);
});

test('zones: TZif transitions, the POSIX rule past them, and abbreviations', () => {
  const berlin = loadZone('Europe/Berlin')!;
  assert.deepEqual(berlin.tzname, ['CET', 'CEST']);
  assert.equal(zoneTypeAt(berlin, Date.parse('2025-07-01T00:00:00Z') / 1000).abbr, 'CEST');
  assert.equal(zoneTypeAt(berlin, Date.parse('2150-07-01T00:00:00Z') / 1000).abbr, 'CEST', 'past the table, the rule applies');
  assert.equal(zoneTypeAt(berlin, Date.parse('2150-12-01T00:00:00Z') / 1000).gmtoff, 3600);
  assert.equal(localtime(Date.parse('2025-03-30T01:00:00Z') / 1000, berlin).hour, 3);
  const rule = parsePosixRule('<+1030>-10:30<+11>-11,M10.1.0,M4.1.0')!;
  assert.equal(rule.std.gmtoff, 37800);
  assert.equal(rule.dst!.type.gmtoff, 39600);
  assert.equal(rule.dst!.type.abbr, '+11');
  assert.equal(loadZone('../etc/passwd'), null);
  assert.equal(loadZone('Nowhere/Zone'), null);
});
