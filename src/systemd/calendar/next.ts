/**
 * When a calendar expression next elapses. This walks the fields from year
 * down to seconds the way systemd's calendarspec does, normalising through
 * mktime after every step, so that DST gaps and repeated hours come out as
 * they do under systemd (a 02:30 timer skips the spring-forward day; on the
 * fall-back day it fires once).
 */
import { formatCalendarSpec } from './format.js';
import { USEC_PER_SEC, type CalendarComponent, type CalendarSpec } from './spec.js';
import { UTC_ZONE, type TimeZone } from '../../util/time-zone.js';
import { localtime, mktime, type MktimeState, type Tm } from './zone.js';

const MAX_YEAR = 2199;
const MAX_ITERATIONS = 1000;
/** systemd refuses to compute from instants it cannot format (year 9999 and beyond). */
const USEC_TIMESTAMP_FORMATTABLE_MAX = 253_402_214_399_999_999n;

/**
 * systemd gives up after 1000 steps ("Infinite loop in calendar
 * calculation"), which some expressions reach around DST changes; so do we,
 * and say so rather than pretend the timer never elapses.
 */
export class CalendarLoopError extends Error {
  constructor(readonly normalized: string) {
    super(`Infinite loop in calendar calculation: ${normalized}`);
    this.name = 'CalendarLoopError';
  }
}

class Stuck extends Error {}

function findEndOfMonth(tm: Tm, zone: TimeZone, state: MktimeState, day: number): number {
  const t: Tm = { ...tm, mon: tm.mon + 1, mday: 1 - day };
  if (mktime(t, zone, state) === null || t.mon !== tm.mon) return -1;
  return t.mday;
}

/** The earliest value >= *val matching the chain; -1 if none (the caller moves up a field). */
function findMatching(spec: CalendarSpec, chain: CalendarComponent[] | null, tm: Tm, val: number, zone: TimeZone, state: MktimeState): { value: number; changed: boolean } | null {
  if (!chain) return { value: val, changed: false };
  const endOfMonth = spec.endOfMonth && chain === spec.day;
  let best = -1;
  let found = false;
  for (const c of chain) {
    let start: number;
    let stop: number;
    if (endOfMonth) {
      start = findEndOfMonth(tm, zone, state, c.start);
      stop = findEndOfMonth(tm, zone, state, c.stop);
      if (stop > 0) [start, stop] = [stop, start];
    } else {
      start = c.start;
      stop = c.stop;
    }
    if (start >= val) {
      if (!found || start < best) {
        best = start;
        found = true;
      }
    } else if (c.repeat > 0) {
      const k = start + c.repeat * Math.ceil((val - start) / c.repeat);
      if ((!found || k < best) && (stop < 0 || k <= stop)) {
        best = k;
        found = true;
      }
    }
  }
  if (!found) return null;
  return { value: best, changed: best !== val };
}

/** systemd's tm_within_bounds: 1 in range, 0 normalised forward (retry), -1 out of range or backwards. */
function withinBounds(tm: Tm, zone: TimeZone, state: MktimeState): number {
  if (tm.year > MAX_YEAR) return -1;
  const t = { ...tm };
  if (mktime(t, zone, state) === null) return -1;
  let cmp: number;
  if ((cmp = Math.sign(t.year - tm.year)) !== 0) t.mon = 0;
  else if ((cmp = Math.sign(t.mon - tm.mon)) !== 0) t.mday = 1;
  else if ((cmp = Math.sign(t.mday - tm.mday)) !== 0) t.hour = 0;
  else if ((cmp = Math.sign(t.hour - tm.hour)) !== 0) t.min = 0;
  else if ((cmp = Math.sign(t.min - tm.min)) !== 0) t.sec = 0;
  else cmp = Math.sign(t.sec - tm.sec);
  if (cmp < 0) return -1;
  if (cmp > 0) Object.assign(tm, t);
  return cmp === 0 ? 1 : 0;
}

function matchesWeekday(bits: number, tm: Tm, zone: TimeZone, state: MktimeState): boolean {
  if (bits < 0 || bits >= 127) return true;
  const t = { ...tm };
  if (mktime(t, zone, state) === null) return false;
  const k = t.wday === 0 ? 6 : t.wday - 1;
  return (bits & (1 << k)) !== 0;
}

function tmCompare(a: Tm, b: Tm): number {
  return Math.sign(a.year - b.year) || Math.sign(a.mon - b.mon) || Math.sign(a.mday - b.mday) || Math.sign(a.hour - b.hour) || Math.sign(a.min - b.min) || Math.sign(a.sec - b.sec);
}

function resetBelow(c: Tm, field: 'mon' | 'mday' | 'hour' | 'min' | 'sec'): void {
  const order = ['mon', 'mday', 'hour', 'min', 'sec'] as const;
  for (const f of order.slice(order.indexOf(field))) c[f] = f === 'mday' ? 1 : 0;
}

function findNext(spec: CalendarSpec, tm: Tm, usecIn: number, zone: TimeZone, state: MktimeState): { tm: Tm; usec: number } | null {
  const c: Tm = { ...tm };
  let usec = usecIn;
  let invalidateDst = false;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    mktime(c, zone, state);
    if (!invalidateDst) c.isdst = spec.dst;

    let m = findMatching(spec, spec.year, c, c.year, zone, state);
    if (!m) return null;
    c.year = m.value;
    if (m.changed) {
      resetBelow(c, 'mon');
      usec = 0;
    }
    if (withinBounds(c, zone, state) <= 0) return null;

    m = findMatching(spec, spec.month, c, c.mon + 1, zone, state);
    if (m) c.mon = m.value - 1;
    if (m?.changed) {
      resetBelow(c, 'mday');
      usec = 0;
    }
    let r = m ? withinBounds(c, zone, state) : -1;
    if (r < 0) {
      c.year++;
      resetBelow(c, 'mon');
      usec = 0;
      continue;
    }
    if (r === 0) continue;

    m = findMatching(spec, spec.day, c, c.mday, zone, state);
    if (m) c.mday = m.value;
    if (m?.changed) {
      resetBelow(c, 'hour');
      usec = 0;
    }
    r = m ? withinBounds(c, zone, state) : -1;
    if (r < 0) {
      c.mon++;
      resetBelow(c, 'mday');
      usec = 0;
      continue;
    }
    if (r === 0) continue;

    if (!matchesWeekday(spec.weekdays, c, zone, state)) {
      c.mday++;
      resetBelow(c, 'hour');
      usec = 0;
      continue;
    }

    m = findMatching(spec, spec.hour, c, c.hour, zone, state);
    if (m) c.hour = m.value;
    if (m?.changed) {
      resetBelow(c, 'min');
      usec = 0;
    }
    r = m ? withinBounds(c, zone, state) : -1;
    if (r < 0) {
      c.mday++;
      resetBelow(c, 'hour');
      usec = 0;
      continue;
    }
    if (r === 0) continue;

    m = findMatching(spec, spec.minute, c, c.min, zone, state);
    if (m) c.min = m.value;
    if (m?.changed) {
      c.sec = 0;
      usec = 0;
    }
    r = m ? withinBounds(c, zone, state) : -1;
    if (r < 0) {
      c.hour++;
      resetBelow(c, 'min');
      usec = 0;
      continue;
    }
    if (r === 0) continue;

    const combined = c.sec * USEC_PER_SEC + usec;
    m = findMatching(spec, spec.microsecond, c, combined, zone, state);
    const value = m ? m.value : combined;
    usec = value % USEC_PER_SEC;
    c.sec = Math.trunc(value / USEC_PER_SEC);
    r = m ? withinBounds(c, zone, state) : -1;
    if (r < 0) {
      c.min++;
      c.sec = 0;
      usec = 0;
      continue;
    }
    if (r === 0) continue;

    let cmp = tmCompare(tm, c);
    if (cmp === 0) cmp = Math.sign(usecIn - (usec + 1));
    if (cmp >= 0) {
      invalidateDst = true;
      c.hour++;
      continue;
    }
    return { tm: c, usec };
  }
  throw new Stuck();
}

export interface NextOptions {
  /** The zone of the process (glibc's local time); expressions without a zone use it. */
  localZone: TimeZone;
  /** Resolves a zone named in the expression. */
  zone: (name: string) => TimeZone | null;
  /** mktime's remembered offset; pass the same object across calls to behave like one long-running process. */
  state?: MktimeState;
}

/**
 * The first instant strictly after `afterUsec` (microseconds since the epoch)
 * when spec elapses, in microseconds; null when it never will. Throws
 * CalendarLoopError where systemd gives up.
 */
export function nextElapse(spec: CalendarSpec, afterUsec: number, options: NextOptions): number | null {
  const parentState = options.state ?? { guess: 0 };
  let zone: TimeZone;
  let state: MktimeState;
  if (spec.utc) {
    zone = UTC_ZONE;
    state = { guess: 0 };
  } else if (spec.timezone) {
    const z = options.zone(spec.timezone);
    if (!z) return null;
    zone = z;
    // systemd computes these in a forked child: it starts from the parent's state and its changes are lost.
    state = { ...parentState };
  } else {
    zone = options.localZone;
    state = parentState;
  }
  if (BigInt(Math.trunc(afterUsec)) > USEC_TIMESTAMP_FORMATTABLE_MAX) return null;
  const u = afterUsec + 1;
  const t = Math.floor(u / USEC_PER_SEC);
  const tm = localtime(t, zone);
  const usec = u - t * USEC_PER_SEC;
  let found: { tm: Tm; usec: number } | null;
  try {
    found = findNext(spec, tm, usec, zone, state);
  } catch (e) {
    if (e instanceof Stuck) throw new CalendarLoopError(formatCalendarSpec(spec, options.localZone));
    throw e;
  }
  if (!found) return null;
  const result = { ...found.tm };
  const secs = mktime(result, zone, state);
  if (secs === null || secs < 0) return null;
  return secs * USEC_PER_SEC + found.usec;
}
