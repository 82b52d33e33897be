/**
 * OnCalendar= expressions (systemd.time(7), "Calendar Events"):
 * `[weekdays] [[year-]month-day] [hour:minute[:second]] [zone]`, each field a
 * comma list of values, `a..b` ranges and `/repeat`, `*` for any, `~` for days
 * counted from the end of the month, and shorthands such as `daily`. The
 * parsed form is normalised (sorted, duplicates dropped, ranges trimmed to a
 * multiple of their repeat) exactly as systemd does, because the normalised
 * form is what `systemd-analyze calendar` prints and what the next-elapse
 * search walks.
 */
import { isValidZoneName, type TimeZone } from '../../util/time-zone.js';

export const USEC_PER_SEC = 1_000_000;
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;
const BITS_WEEKDAYS = 127;
/** systemd refuses longer comma lists (its CALENDARSPEC_COMPONENTS_MAX). */
const COMPONENTS_MAX = 240;

export interface CalendarComponent {
  start: number;
  /** -1: no range. */
  stop: number;
  /** 0: no repetition. */
  repeat: number;
}

export interface CalendarSpec {
  /** Bit 0 = Monday … bit 6 = Sunday; -1 = any day. */
  weekdays: number;
  /** null: any value. */
  year: CalendarComponent[] | null;
  month: CalendarComponent[] | null;
  day: CalendarComponent[] | null;
  hour: CalendarComponent[] | null;
  minute: CalendarComponent[] | null;
  /** Seconds, in microseconds. */
  microsecond: CalendarComponent[] | null;
  /** Days count back from the end of the month (`~`). */
  endOfMonth: boolean;
  utc: boolean;
  /** An IANA zone named at the end of the expression, other than UTC. */
  timezone: string | null;
  /** -1, or 0/1 when the expression ends in the local zone's standard/daylight abbreviation. */
  dst: number;
}

export interface ParseOptions {
  /** The local zone's abbreviations (glibc's tzname), recognised as a suffix meaning "local time, standard/daylight". */
  localZone: TimeZone;
  /** Whether a zone name at the end is installed (systemd checks /usr/share/zoneinfo). */
  zoneExists: (name: string) => boolean;
}

class Invalid extends Error {}

function fail(): never {
  throw new Invalid();
}

const DAYS: Array<[string, number]> = [
  ['monday', 0], ['mon', 0], ['tuesday', 1], ['tue', 1], ['wednesday', 2], ['wed', 2], ['thursday', 3], ['thu', 3],
  ['friday', 4], ['fri', 4], ['saturday', 5], ['sat', 5], ['sunday', 6], ['sun', 6],
];

/** A cursor over the expression. */
class Cursor {
  constructor(public s: string, public i = 0) {}
  ch(): string | undefined {
    return this.s[this.i];
  }
  at(k: number): string | undefined {
    return this.s[this.i + k];
  }
  get done(): boolean {
    return this.i >= this.s.length;
  }
  skipSpaces(): void {
    while (this.s[this.i] === ' ') this.i++;
  }
}

function parseWeekdays(cur: Cursor, spec: CalendarSpec): void {
  let open = -1;
  let first = true;
  for (;;) {
    const rest = cur.s.slice(cur.i).toLowerCase();
    const hit = DAYS.find(([name]) => rest.startsWith(name));
    if (!hit) {
      if (first) return;
      fail();
    }
    const [name, nr] = hit;
    const next = cur.s[cur.i + name.length];
    if (next !== undefined && !'-., '.includes(next)) fail();
    spec.weekdays = (spec.weekdays < 0 ? 0 : spec.weekdays) | (1 << nr);
    if (open >= 0) {
      if (open > nr) fail();
      for (let j = open + 1; j < nr; j++) spec.weekdays |= 1 << j;
    }
    cur.i += name.length;
    if (cur.done) return;
    if (cur.ch() === ' ') {
      cur.skipSpaces();
      return;
    }
    if (cur.ch() === '.') {
      if (open >= 0 || cur.at(1) !== '.') fail();
      open = nr;
      cur.i += 2;
    } else if (cur.ch() === '-') {
      if (open >= 0) fail();
      open = nr;
      cur.i += 1;
    } else if (cur.ch() === ',') {
      open = -1;
      cur.i += 1;
    }
    if (cur.done || cur.ch() === ' ') {
      cur.skipSpaces();
      if (open >= 0) fail();
      return;
    }
    first = false;
  }
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** strtoul over digits; refuses values past INT_MAX as systemd's range checks do. */
function parseNumber(cur: Cursor): number {
  const start = cur.i;
  while (isDigit(cur.ch())) cur.i++;
  if (cur.i === start) fail();
  const v = Number(cur.s.slice(start, cur.i));
  if (!Number.isSafeInteger(v)) fail();
  return v;
}

function parseDecimal(cur: Cursor, usec: boolean): number {
  if (!isDigit(cur.ch())) fail();
  let value = parseNumber(cur);
  if (usec) {
    value *= USEC_PER_SEC;
    if (cur.ch() === '.' && cur.at(1) !== '.') {
      cur.i++;
      let frac = 0;
      let k = 0;
      for (; k < 6; k++, cur.i++) {
        if (!isDigit(cur.ch())) {
          if (k === 0) fail();
          for (; k < 6; k++) frac *= 10;
          break;
        }
        frac = frac * 10 + (cur.ch()!.charCodeAt(0) - 48);
      }
      const roundDigit = cur.ch();
      if (roundDigit !== undefined && roundDigit >= '5' && roundDigit <= '9') frac++;
      while (isDigit(cur.ch())) cur.i++;
      value += frac;
    }
  }
  if (value > 2147483647) fail();
  return value;
}

function parseComponents(cur: Cursor, usec: boolean): CalendarComponent[] {
  const out: CalendarComponent[] = [];
  for (;;) {
    if (out.length > COMPONENTS_MAX) fail();
    const start = parseDecimal(cur, usec);
    let stop = -1;
    let repeat = 0;
    if (cur.ch() === '.' && cur.at(1) === '.') {
      cur.i += 2;
      stop = parseDecimal(cur, usec);
      repeat = usec ? USEC_PER_SEC : 1;
    }
    if (cur.ch() === '/') {
      cur.i++;
      repeat = parseDecimal(cur, usec);
      if (repeat === 0) fail();
    } else if (usec && stop >= 0 && start + repeat > stop) {
      fail();
    }
    const after = cur.ch();
    if (after !== undefined && !' ,-~:'.includes(after)) fail();
    out.push({ start, stop, repeat });
    if (cur.ch() !== ',') return out;
    cur.i++;
  }
}

/** A field: `*` (any; for seconds, every whole second) or a component list. */
function parseChain(cur: Cursor, usec: boolean): CalendarComponent[] | null {
  if (cur.ch() === '*') {
    cur.i++;
    return usec ? [{ start: 0, stop: -1, repeat: USEC_PER_SEC }] : null;
  }
  return parseComponents(cur, usec);
}

const one = (v: number): CalendarComponent[] => [{ start: v, stop: -1, repeat: 0 }];

function parseDate(cur: Cursor, spec: CalendarSpec): boolean {
  if (cur.done) return false;
  if (cur.ch() === '@') {
    cur.i++;
    while (cur.ch() === ' ' || cur.ch() === '\t') cur.i++;
    let negative = false;
    if (cur.ch() === '+' || cur.ch() === '-') negative = cur.s[cur.i++] === '-';
    const v = parseNumber(cur);
    if (negative && v !== 0) fail();
    const d = new Date(v * 1000);
    if (Number.isNaN(d.getTime())) fail();
    spec.utc = true;
    spec.year = one(d.getUTCFullYear());
    spec.month = one(d.getUTCMonth() + 1);
    spec.day = one(d.getUTCDate());
    spec.hour = one(d.getUTCHours());
    spec.minute = one(d.getUTCMinutes());
    spec.microsecond = one(d.getUTCSeconds() * USEC_PER_SEC);
    return true;
  }
  const save = cur.i;
  const first = parseChain(cur, false);
  if (cur.done || cur.ch() === ':') {
    cur.i = save;
    return false;
  }
  if (cur.ch() === '~') spec.endOfMonth = true;
  else if (cur.ch() !== '-') fail();
  cur.i++;
  const second = parseChain(cur, false);
  if (cur.done || cur.ch() === ' ') {
    cur.skipSpaces();
    spec.month = first;
    spec.day = second;
    return false;
  }
  if (spec.endOfMonth) fail();
  if (cur.ch() === '~') spec.endOfMonth = true;
  else if (cur.ch() !== '-') fail();
  cur.i++;
  const third = parseChain(cur, false);
  if (!cur.done && cur.ch() !== ' ') fail();
  cur.skipSpaces();
  spec.year = first;
  spec.month = second;
  spec.day = third;
  return false;
}

function parseTime(cur: Cursor, spec: CalendarSpec): void {
  if (cur.done) {
    spec.hour = one(0);
    spec.minute = one(0);
    spec.microsecond = one(0);
    return;
  }
  const h = parseChain(cur, false);
  if (cur.ch() !== ':') fail();
  cur.i++;
  const m = parseChain(cur, false);
  let s: CalendarComponent[] | null = one(0);
  if (!cur.done) {
    if (cur.ch() !== ':') fail();
    cur.i++;
    s = parseChain(cur, true);
    if (!cur.done) fail();
  }
  spec.hour = h;
  spec.minute = m;
  spec.microsecond = s;
}

function compare(a: CalendarComponent, b: CalendarComponent): number {
  return a.start - b.start || a.stop - b.stop || a.repeat - b.repeat;
}

function normalizeChain(chain: CalendarComponent[] | null): CalendarComponent[] | null {
  if (!chain) return null;
  for (const c of chain) {
    if (c.stop > c.start && c.repeat > 0) c.stop -= (c.stop - c.start) % c.repeat;
    if ((c.stop > c.start && c.repeat > 0 && c.start + c.repeat > c.stop) || c.start === c.stop) {
      c.repeat = 0;
      c.stop = -1;
    }
  }
  const sorted = [...chain].sort(compare);
  return sorted.filter((c, i) => i === 0 || compare(sorted[i - 1]!, c) !== 0);
}

function fixYear(chain: CalendarComponent[] | null): void {
  for (const c of chain ?? []) {
    if (c.start >= 0 && c.start < 70) c.start += 2000;
    if (c.stop >= 0 && c.stop < 70) c.stop += 2000;
    if (c.start >= 70 && c.start < 100) c.start += 1900;
    if (c.stop >= 70 && c.stop < 100) c.stop += 1900;
  }
}

function chainValid(chain: CalendarComponent[] | null, from: number, to: number, endOfMonth: boolean): boolean {
  if (!chain) return true;
  if (endOfMonth) to -= 3;
  for (const c of chain) {
    if (c.start < from || c.start > to || c.repeat > to - from) return false;
    if (c.stop >= 0) {
      if (c.stop < from || c.stop > to || c.start + c.repeat > c.stop) return false;
    } else if (endOfMonth ? c.start - c.repeat < from : c.start + c.repeat > to) return false;
  }
  return true;
}

const SHORTHANDS: Record<string, (s: CalendarSpec) => void> = {
  minutely: (s) => { s.microsecond = one(0); },
  hourly: (s) => { s.minute = one(0); s.microsecond = one(0); },
  daily: (s) => { s.hour = one(0); s.minute = one(0); s.microsecond = one(0); },
  monthly: (s) => { s.day = one(1); s.hour = one(0); s.minute = one(0); s.microsecond = one(0); },
  weekly: (s) => { s.weekdays = 1; s.hour = one(0); s.minute = one(0); s.microsecond = one(0); },
  yearly: (s) => { s.month = one(1); s.day = one(1); s.hour = one(0); s.minute = one(0); s.microsecond = one(0); },
  quarterly: (s) => { s.month = [1, 4, 7, 10].map((m) => ({ start: m, stop: -1, repeat: 0 })); s.day = one(1); s.hour = one(0); s.minute = one(0); s.microsecond = one(0); },
  semiannually: (s) => { s.month = [1, 7].map((m) => ({ start: m, stop: -1, repeat: 0 })); s.day = one(1); s.hour = one(0); s.minute = one(0); s.microsecond = one(0); },
};
SHORTHANDS['annually'] = SHORTHANDS['yearly']!;
SHORTHANDS['anually'] = SHORTHANDS['yearly']!;
for (const alias of ['biannually', 'bi-annually', 'semi-annually']) SHORTHANDS[alias] = SHORTHANDS['semiannually']!;

/** Parses an OnCalendar= expression; null when systemd would refuse it. */
export function parseCalendarSpec(text: string, options: ParseOptions): CalendarSpec | null {
  const spec: CalendarSpec = {
    weekdays: -1, year: null, month: null, day: null, hour: null, minute: null, microsecond: null,
    endOfMonth: false, utc: false, timezone: null, dst: -1,
  };
  let p = text;
  const lower = p.toLowerCase();
  if (lower.endsWith(' utc')) {
    spec.utc = true;
    p = p.slice(0, -4);
  } else {
    let matched = false;
    for (const j of [0, 1]) {
      const abbr = options.localZone.tzname[j]!.toLowerCase();
      if (abbr === '' || !lower.endsWith(abbr)) continue;
      const e = p.length - abbr.length;
      if (e === 0 || p[e - 1] !== ' ') continue;
      p = p.slice(0, e - 1);
      spec.dst = j;
      matched = true;
      break;
    }
    if (!matched) {
      const space = p.lastIndexOf(' ');
      const zone = space >= 0 ? p.slice(space + 1) : '';
      if (space >= 0 && (zone === 'UTC' || (isValidZoneName(zone) && options.zoneExists(zone)))) {
        spec.timezone = zone;
        p = p.slice(0, space);
      }
    }
  }
  if (p === '') return null;
  try {
    const shorthand = SHORTHANDS[p.toLowerCase()];
    if (shorthand) shorthand(spec);
    else {
      const cur = new Cursor(p);
      parseWeekdays(cur, spec);
      if (!parseDate(cur, spec)) parseTime(cur, spec);
      if (!cur.done) fail();
    }
  } catch (e) {
    if (e instanceof Invalid) return null;
    throw e;
  }
  if (spec.timezone === 'UTC') {
    spec.utc = true;
    spec.timezone = null;
  }
  if (spec.weekdays <= 0 || spec.weekdays >= BITS_WEEKDAYS) spec.weekdays = -1;
  if (spec.endOfMonth && !spec.day) spec.endOfMonth = false;
  fixYear(spec.year);
  spec.year = normalizeChain(spec.year);
  spec.month = normalizeChain(spec.month);
  spec.day = normalizeChain(spec.day);
  spec.hour = normalizeChain(spec.hour);
  spec.minute = normalizeChain(spec.minute);
  spec.microsecond = normalizeChain(spec.microsecond);
  const valid =
    chainValid(spec.year, MIN_YEAR, MAX_YEAR, false) && chainValid(spec.month, 1, 12, false) &&
    chainValid(spec.day, 1, 31, spec.endOfMonth) && chainValid(spec.hour, 0, 23, false) &&
    chainValid(spec.minute, 0, 59, false) && chainValid(spec.microsecond, 0, 60 * USEC_PER_SEC - 1, false);
  return valid ? spec : null;
}
