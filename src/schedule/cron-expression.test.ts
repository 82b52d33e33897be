import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseCronSchedule } from './cron-expression.js';
import { nextFire } from './cron-next.js';

/** Local wall-clock time as "YYYY-MM-DD HH:MM:SS" (in the TZ set for the test). */
function local(d: Date | undefined): string {
  if (!d) return 'never';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo - 1, d, h, mi, s);
const next = (expr: string, from: Date) => local(nextFire(parseCronSchedule(expr), from));

describe('cron schedules', () => {
  let tz: string | undefined;
  before(() => {
    tz = process.env.TZ;
    process.env.TZ = 'Europe/Berlin';
  });
  after(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  test('steps, ranges, lists and names', () => {
    assert.equal(next('*/15 * * * *', at(2026, 5, 4, 10, 7)), '2026-05-04 10:15:00');
    assert.equal(next('0 9-17/4 * * *', at(2026, 5, 4, 10, 0)), '2026-05-04 13:00:00');
    assert.equal(next('0 0 * * mon,WED', at(2026, 5, 5, 12)), '2026-05-06 00:00:00');
    assert.equal(next('0 0 1 jan-mar *', at(2026, 5, 5)), '2027-01-01 00:00:00');
    assert.equal(next('0 12 * * 7', at(2026, 5, 4)), '2026-05-10 12:00:00', '7 is Sunday too');
  });

  test('a sixth, leading field counts seconds', () => {
    assert.equal(next('*/10 * * * * *', at(2026, 5, 4, 10, 0, 3)), '2026-05-04 10:00:10');
    assert.equal(next('30 0 12 * * *', at(2026, 5, 4, 13)), '2026-05-05 12:00:30');
  });

  test('shortcuts', () => {
    assert.equal(next('@hourly', at(2026, 5, 4, 10, 1)), '2026-05-04 11:00:00');
    assert.equal(next('@daily', at(2026, 5, 4, 10)), '2026-05-05 00:00:00');
    assert.equal(next('@weekly', at(2026, 5, 4)), '2026-05-10 00:00:00');
    assert.equal(next('@monthly', at(2026, 5, 4)), '2026-06-01 00:00:00');
    assert.equal(next('@yearly', at(2026, 5, 4)), '2027-01-01 00:00:00');
    assert.equal(nextFire(parseCronSchedule('@reboot'), at(2026, 5, 4)), undefined);
  });

  test('with both day fields restricted, either matching fires (Vixie cron)', () => {
    // The 13th, or any Friday.
    assert.equal(next('0 0 13 * fri', at(2026, 5, 4)), '2026-05-08 00:00:00');
    assert.equal(next('0 0 13 * fri', at(2026, 5, 9)), '2026-05-13 00:00:00');
  });

  test('a day field that starts with "*" is unrestricted for that rule, "*/2" included: both must match (entry.c DOM_STAR)', () => {
    // Mondays that fall on odd days: 11 May 2026 is the first after 1 May.
    assert.equal(next('0 0 */2 * 1', at(2026, 5, 1)), '2026-05-11 00:00:00');
    assert.equal(next('0 0 */2 * 1', at(2026, 5, 11, 1)), '2026-05-25 00:00:00');
    // The same days written without a leading "*": odd days or Mondays.
    assert.equal(next('0 0 1-31/2 * 1', at(2026, 5, 1, 1)), '2026-05-03 00:00:00');
    assert.equal(next('0 0 2-30/2 * 1', at(2026, 5, 1, 1)), '2026-05-02 00:00:00');
    // "*" in day of week: the 13th only, whatever follows the star.
    assert.equal(next('0 0 13 * */3', at(2026, 5, 1)), '2026-05-13 00:00:00', 'the 13th is a Wednesday, day 3');
    assert.equal(next('0 0 13 * *,1', at(2026, 5, 1)), '2026-05-13 00:00:00');
    const s = parseCronSchedule('0 0 */2 * 1');
    assert.deepEqual([s.domRestricted, s.dowRestricted], [false, true]);
  });

  test('a minute or hour field that starts with "*" makes a wildcard job (cron.c decides DST by it)', () => {
    const wildcard = (e: string) => parseCronSchedule(e).wildcard;
    assert.deepEqual(['*/20 * * * *', '0 * * * *', '*/15 2 * * *', '@hourly', '*,5 3 * * *'].map(wildcard), [true, true, true, true, true]);
    assert.deepEqual(['30 2 * * *', '0 0-23 * * *', '0-59 0-23 * * *', '@daily', '0 0 * * *'].map(wildcard), [false, false, false, false, false]);
  });

  test('native extensions: "N/step" runs from N to the end; other characters after an item are errors', () => {
    assert.equal(next('5/20 * * * *', at(2026, 5, 4, 10, 6)), '2026-05-04 10:25:00');
    assert.throws(() => parseCronSchedule('*5 * * * *'), /schedule "\*5 \* \* \* \*": minute "\*5": unexpected "5"/);
    assert.throws(() => parseCronSchedule('5#3 * * * *'), /minute "5#3": unexpected "#3"/);
  });

  test('month ends: the 31st skips short months; Feb 29 waits for a leap year', () => {
    assert.equal(next('0 0 31 * *', at(2026, 4, 1)), '2026-05-31 00:00:00');
    assert.equal(next('0 0 29 2 *', at(2026, 3, 1)), '2028-02-29 00:00:00');
    assert.equal(next('0 0 30 2 *', at(2026, 1, 1)), 'never');
  });

  test('DST spring forward (Berlin, 29 Mar 2026, 02:00 -> 03:00): a fixed-time job of the skipped hour runs right after the jump', () => {
    assert.equal(next('30 2 * * *', at(2026, 3, 29, 1, 0)), '2026-03-29 03:00:00');
    assert.equal(next('30 2 * * *', at(2026, 3, 29, 4, 0)), '2026-03-30 02:30:00');
    assert.equal(next('15 3 * * *', at(2026, 3, 29, 1, 0)), '2026-03-29 03:15:00', 'a job after the jump is untouched');
  });

  test('DST fall back (Berlin, 25 Oct 2026, 03:00 -> 02:00): a fixed-time job in the repeated hour runs once', () => {
    const first = nextFire(parseCronSchedule('30 2 * * *'), at(2026, 10, 25, 1, 0))!;
    assert.equal(local(first), '2026-10-25 02:30:00');
    const again = nextFire(parseCronSchedule('30 2 * * *'), first)!;
    assert.equal(local(again), '2026-10-26 02:30:00');
  });

  test('malformed schedules name the field and value', () => {
    assert.throws(() => parseCronSchedule('61 * * * *'), /schedule "61 \* \* \* \*": minute 61 is outside 0-59/);
    assert.throws(() => parseCronSchedule('* * * *'), /has 4 fields, not 5 or 6/);
    assert.throws(() => parseCronSchedule('* * * foo *'), /month "foo" is not a number or a name/);
    assert.throws(() => parseCronSchedule('*/0 * * * *'), /step "0" in minute must be a positive number/);
    assert.throws(() => parseCronSchedule('@sometimes'), /unknown shortcut "@sometimes"/);
    assert.throws(() => parseCronSchedule('5-1 * * * *'), /range 5-1 in minute runs backwards/);
    assert.throws(() => parseCronSchedule('5,,6 * * * *'), /minute "5,,6": "," where a number should be/);
    assert.throws(() => parseCronSchedule('* * * * sunday'), /day of week "sunday" is not a number or a name/);
    assert.throws(() => parseCronSchedule('*/mon * * * *'), /minute "mon" is not a number/);
  });
});
