/**
 * hearth's timestamps name the zone as date(1) does: the same instants are
 * formatted by Debian's date and by formatTimestamp (local time from
 * localZoneAt), each under the same $TZ, and must agree to the character,
 * abbreviation included (the JavaScript engine's own local time is wrong
 * under "<+0330>-3:30" and with $TZDIR).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Winter and summer, before the zone files' last transitions and far past them (the POSIX rule's years). */
const INSTANTS = [1_765_000_000, 1_783_000_000, 2_500_000_000, 2_515_000_000, 946_684_799];

/** $TZ values (and a $TZDIR) as tzset(3) takes them. */
const ZONES: Array<Record<string, string>> = [
  { TZ: 'Europe/Paris' }, // CET/CEST, where Intl's en-US says GMT+1
  { TZ: ':Europe/Berlin' },
  { TZ: 'America/New_York' },
  { TZ: 'Asia/Kolkata' },
  { TZ: 'America/Sao_Paulo' }, // a numeric abbreviation: -03
  { TZ: 'Australia/Lord_Howe' }, // half-hour daylight saving: +1030/+11
  { TZ: 'UTC' },
  { TZ: 'EST5EDT' }, // a file in zoneinfo, and a POSIX rule
  { TZ: 'JST-9' }, // a POSIX rule only
  { TZ: '<+0330>-3:30' }, // a quoted numeric name
  { TZ: '/usr/share/zoneinfo/Asia/Tokyo' }, // a path
  { TZ: '' }, // empty: UTC
  { TZ: 'Nowhere/Land' }, // not a zone: glibc keeps the name it could read, at UTC
  { TZ: 'Paris', TZDIR: '/usr/share/zoneinfo/Europe' },
];

function fromDate(tz: Record<string, string>): string[] {
  return INSTANTS.map((s) => execFileSync('date', ['-d', `@${s}`, '+%Y-%m-%d %H:%M:%S %Z'], { encoding: 'utf8', env: { PATH: process.env['PATH'], ...tz } }).trim());
}

function fromHearth(tz: Record<string, string>): string[] {
  const script = `
    import { formatTimestamp, useLocalZone } from './src/model/index.js';
    import { localZoneAt } from './src/util/time-zone.js';
    useLocalZone(localZoneAt);
    for (const s of ${JSON.stringify(INSTANTS)}) console.log(formatTimestamp(s * 1000, { zone: true }));`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: join(import.meta.dirname, '..', '..'),
    env: { ...process.env, TZDIR: '', ...tz },
  })
    .trim()
    .split('\n');
}

for (const tz of ZONES) {
  test(`timestamps under ${JSON.stringify(tz)} read as date(1) writes them`, () => {
    assert.deepEqual(fromHearth(tz), fromDate(tz));
  });
}

test('a calendar expression without a zone is read in the process zone, found the way systemd-analyze finds it', () => {
  const env = { TZ: 'Paris', TZDIR: '/usr/share/zoneinfo/Europe' };
  const analyzed = execFileSync('systemd-analyze', ['calendar', '2030-01-15 12:00'], { encoding: 'utf8', env: { PATH: process.env['PATH'], ...env } });
  const inUtc = /\(in UTC\): \w+ (\S+ \S+) UTC/.exec(analyzed)?.[1];
  assert.ok(inUtc, analyzed);
  const script = `
    import { CalendarEvent } from './src/systemd/calendar/index.js';
    console.log(CalendarEvent.parse('2030-01-15 12:00').next(new Date(0)).toISOString());`;
  const ours = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: join(import.meta.dirname, '..', '..'),
    env: { ...process.env, ...env },
  }).trim();
  assert.equal(ours, `${inUtc.replace(' ', 'T')}.000Z`);
});
