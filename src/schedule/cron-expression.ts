import { HearthError } from '../errors/index.js';

/**
 * Cron schedules as Vixie cron reads them, plus an optional leading seconds
 * field: "*\/5 * * * *", "0 30 4 * * mon-fri", "@daily". Times are local
 * (the process's TZ). Daylight saving, as Debian's cron behaves: a time that a
 * spring-forward jump skips runs once right after the jump; a time in an hour
 * that repeats runs once, in its first pass.
 */

export interface CronSchedule {
  /** The text as written, for messages and list output. */
  text: string;
  /** Sets of allowed values per field. */
  seconds: Set<number>;
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
  /** 0 = Sunday … 6 = Saturday (7 is read as Sunday). */
  daysOfWeek: Set<number>;
  /** Vixie cron: when both day fields are restricted, either one matching is enough. */
  domRestricted: boolean;
  dowRestricted: boolean;
  /** @reboot: once when hearthd starts, never on a clock. */
  reboot: boolean;
}

const SHORTCUTS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Value of names[0]. */
  nameBase?: number;
}

const FIELDS: Record<'second' | 'minute' | 'hour' | 'dom' | 'month' | 'dow', FieldSpec> = {
  second: { name: 'second', min: 0, max: 59 },
  minute: { name: 'minute', min: 0, max: 59 },
  hour: { name: 'hour', min: 0, max: 23 },
  dom: { name: 'day of month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  dow: { name: 'day of week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
};

function bad(text: string, message: string): HearthError {
  return new HearthError('ERR_CONFIG_VALUE', `schedule "${text}": ${message}`, {
    hint: 'five fields "minute hour day-of-month month day-of-week" (a sixth, leading, for seconds), or @hourly, @daily, @weekly, @monthly, @yearly, @reboot',
  });
}

function value(token: string, spec: FieldSpec, text: string): number {
  const lower = token.toLowerCase();
  const named = spec.names?.indexOf(lower) ?? -1;
  if (named >= 0) return named + (spec.nameBase ?? 0);
  if (!/^\d+$/.test(token)) throw bad(text, `${spec.name} "${token}" is not a number${spec.names ? ' or a name' : ''}`);
  const n = Number(token);
  if (n < spec.min || n > spec.max) throw bad(text, `${spec.name} ${n} is outside ${spec.min}-${spec.max}`);
  return n;
}

function parseField(field: string, spec: FieldSpec, text: string): { values: Set<number>; restricted: boolean } {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    if (part === '') throw bad(text, `empty item in ${spec.name} "${field}"`);
    const [range, stepText] = part.split('/') as [string, string | undefined];
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) throw bad(text, `step "${stepText}" in ${spec.name} must be a positive number`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      from = value(a, spec, text);
      to = value(b, spec, text);
      if (from > to) throw bad(text, `range ${range} in ${spec.name} runs backwards`);
    } else {
      from = value(range, spec, text);
      // "5/15" means from 5 to the end, every 15 (as Vixie cron reads it).
      to = stepText !== undefined ? spec.max : from;
    }
    for (let v = from; v <= to; v += step) values.add(spec === FIELDS.dow && v === 7 ? 0 : v);
  }
  return { values, restricted: field !== '*' };
}

export function parseCronSchedule(input: string): CronSchedule {
  const text = input.trim();
  if (text.toLowerCase() === '@reboot') {
    const none = new Set<number>();
    return { text, seconds: none, minutes: none, hours: none, daysOfMonth: none, months: none, daysOfWeek: none, domRestricted: false, dowRestricted: false, reboot: true };
  }
  const expanded = text.startsWith('@') ? SHORTCUTS[text.toLowerCase()] : text;
  if (expanded === undefined) throw bad(text, `unknown shortcut "${text}"`);
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) throw bad(text, `has ${fields.length} fields, not 5 or 6`);
  const [sec, min, hour, dom, month, dow] = fields.length === 6 ? fields : ['0', ...fields];
  const d = parseField(dom!, FIELDS.dom, text);
  const w = parseField(dow!, FIELDS.dow, text);
  return {
    text,
    seconds: parseField(sec!, FIELDS.second, text).values,
    minutes: parseField(min!, FIELDS.minute, text).values,
    hours: parseField(hour!, FIELDS.hour, text).values,
    daysOfMonth: d.values,
    months: parseField(month!, FIELDS.month, text).values,
    daysOfWeek: w.values,
    domRestricted: d.restricted,
    dowRestricted: w.restricted,
    reboot: false,
  };
}

function dayMatches(s: CronSchedule, date: Date): boolean {
  const dom = s.daysOfMonth.has(date.getDate());
  const dow = s.daysOfWeek.has(date.getDay());
  if (s.domRestricted && s.dowRestricted) return dom || dow;
  return dom && dow;
}

/** Whether moving from `before` to `after` (same day) jumped over an hour the schedule wants. */
function skippedDueHour(s: CronSchedule, before: Date, after: Date): boolean {
  if (before.getDate() !== after.getDate()) return false;
  for (let h = before.getHours() + 1; h < after.getHours(); h++) if (s.hours.has(h)) return true;
  return false;
}

/**
 * The first time strictly after `after` the schedule fires, or undefined for
 * @reboot and for schedules that never fire (Feb 30) within eight years.
 */
export function nextFire(s: CronSchedule, after: Date): Date | undefined {
  if (s.reboot) return undefined;
  // Walk local calendar fields from the next second; each failing field jumps to the next candidate of that field.
  const t = new Date(after.getTime());
  t.setMilliseconds(0);
  t.setSeconds(t.getSeconds() + 1);
  const limit = after.getTime() + 8 * 366 * 86_400_000;
  while (t.getTime() <= limit) {
    if (!s.months.has(t.getMonth() + 1)) {
      t.setMonth(t.getMonth() + 1, 1);
      t.setHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(s, t)) {
      t.setDate(t.getDate() + 1);
      t.setHours(0, 0, 0, 0);
      continue;
    }
    const before = new Date(t.getTime());
    if (!s.hours.has(t.getHours())) t.setHours(t.getHours() + 1, 0, 0, 0);
    else if (!s.minutes.has(t.getMinutes())) t.setMinutes(t.getMinutes() + 1, 0, 0);
    else if (!s.seconds.has(t.getSeconds())) t.setSeconds(t.getSeconds() + 1, 0);
    else return t;
    // A spring-forward jump skipped local hours: a job due in them runs right after the jump.
    if (skippedDueHour(s, before, t)) return t;
  }
  return undefined;
}
