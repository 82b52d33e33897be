/**
 * OnCalendar= expressions for the differential against systemd-analyze: a
 * fixed list, one or more per feature of the syntax (and some that systemd
 * refuses), plus seeded random ones built from the grammar, so every run
 * checks the same few hundred expressions.
 */
import { seededRandom } from '../../src/testing/seeded-random.js';

export const FIXED_EXPRESSIONS: readonly string[] = [
  // shorthands, any case
  'minutely', 'hourly', 'daily', 'monthly', 'weekly', 'yearly', 'annually', 'anually', 'quarterly', 'semiannually',
  'semi-annually', 'biannually', 'bi-annually', 'DAILY', 'Weekly', 'daily UTC', 'weekly utc', 'monthly Asia/Kolkata',
  // weekdays
  'Mon', 'mon', 'Monday', 'Mon,Tue', 'Mon..Fri', 'Mon-Fri', 'Sat,Sun', 'Mon,Wed..Fri', 'Sun..Mon', 'Mon..Sun',
  'Mon,Tue,Wed,Thu,Fri,Sat,Sun', 'Fri,', 'Mon..', 'Mond', 'Mondays', 'Mon..Fri 10:00', 'Sat 2025-*-* 12:00',
  'Tue..Thu *-*-1..7 04:00', 'Fri *-*-13', 'Sun *-*-* 03:10:00', 'wed,thu 08:15',
  // dates
  '2025-01-01', '25-12-25', '70-01-01', '69-12-31', '1969-12-31', '2199-12-31', '2200-01-01', '*-02-29', '*-02-30',
  '*-*-31', '*-4,6,9,11-31', '12-25', '*-1..3-1', '2024..2026-06-15', '*-*-1/7', '*-*-5..20/5', '2025-1,7-1,15 8:0',
  '*-*~01', '*-*~1,3', '*-02~04', '*-*~7/2', '*-*~1..3', '*-*~28', '*-*~29', '2025-*~01', '*~01', '*-*~01 12:00',
  '*-*-~01', '*-*-* *:*:*', '*-*-*', '0-0-0',
  // times
  '10:00', '10:00:00', '23:59:59', '24:00', '00:60', '0:0:60', '*:00', '*:0/15', '*:*:0/10', '*:*:*', '08..18:00',
  '08..18/2:00', '*:5,35', '9,21:30', '*:*:30.5', '*:*:0.25/0.5', '12:00:00.000001', '12:00:00.0000005', '*:*:59.999999',
  '*:*:1..3', '*:*:1.5..3', '*:*:0/0.1', '0/3:00', '*:50/30', '*:10/50', '*:0/60', '23/1:00',
  // timestamps
  '@0', '@1700000000', '@ 1700000000', '@+1700000000', '@-0', '@-1', '@99999999999',
  // zones
  '*-*-* 02:30', '*-*-* 02:30 Europe/Berlin', '*-*-* 02:30 America/New_York', '*:00 Australia/Lord_Howe', 'daily Etc/UTC',
  'daily Mars/Olympus', '12:00 Europe/Berlin', '*-*-* 03:00:00 Asia/Kathmandu', '*:0/20 Europe/London',
  '*-*-* 02:00..03:00/15', '*-*-* 01:30', '*-*-* 02:59:59', '*-*-* 03:00',
  // errors
  '', ' ', 'bogus', '10', '10:', ':10', '10:00:00:00', '*-*', '2025-13-01', '2025-00-01', '*-*-0', '*-*-32', '25:00',
  '*:*:*.3', '1..2..3:00', '*:0/0', '12:00 Mon', '*-*-* 10:00 Nowhere/Zone', '2025-*-* ~', 'Mon..Fri..Sun',
  'Fri..Mon', '*/2:00', '1,,2:00', '12:00,', '*-*-1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28',
];

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun', 'monday', 'FRIDAY'];

/** Random expressions from the grammar; about one in ten is out of range on purpose. */
export function randomExpressions(count: number, seed: number, zones: readonly string[]): string[] {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const component = (lo: number, hi: number, width: number): string => {
    const num = (v: number) => String(v).padStart(int(2) === 0 ? width : 1, '0');
    const kind = int(8);
    const a = lo + int(hi - lo + 1);
    if (kind === 0) return '*';
    if (kind === 1) return `${num(a)}..${num(Math.min(hi + int(2), a + int(hi - lo + 1)))}`;
    if (kind === 2) return `${num(a)}/${1 + int(Math.max(1, Math.floor((hi - lo) / 2)))}`;
    if (kind === 3) return `${num(a)}..${num(Math.min(hi, a + 1 + int(hi - lo)))}/${1 + int(4)}`;
    if (kind === 4) return [num(a), num(lo + int(hi - lo + 1)), num(lo + int(hi - lo + 1))].join(',');
    return num(a);
  };
  const seconds = (): string => {
    const k = int(6);
    if (k === 0) return `${component(0, 59, 2)}.${String(int(1_000_000)).padStart(6, '0').slice(0, 1 + int(6))}`;
    if (k === 1) return `${int(60)}.${int(10)}/${1 + int(20)}`;
    return component(0, 59, 2);
  };
  const out: string[] = [];
  while (out.length < count) {
    const parts: string[] = [];
    if (int(3) === 0) {
      const days: string[] = [];
      for (let k = 0; k <= int(3); k++) days.push(int(3) === 0 ? `${pick(DAY_NAMES)}..${pick(DAY_NAMES)}` : pick(DAY_NAMES));
      parts.push(days.join(','));
    }
    const dateKind = int(4);
    if (dateKind === 1) parts.push(`${component(1, 12, 2)}-${component(1, 31, 2)}`);
    if (dateKind === 2) parts.push(`${component(2024, 2030, 4)}-${component(1, 12, 2)}-${component(1, 31, 2)}`);
    if (dateKind === 3) parts.push(`*-${component(1, 12, 2)}~${component(1, 7, 2)}`);
    const timeKind = int(4);
    if (timeKind === 1) parts.push(`${component(0, 23, 2)}:${component(0, 59, 2)}`);
    if (timeKind >= 2) parts.push(`${component(0, 23, 2)}:${component(0, 59, 2)}:${seconds()}`);
    if (parts.length === 0) continue;
    if (int(6) === 0) parts.push(pick(zones));
    out.push(parts.join(' '));
  }
  return out;
}
