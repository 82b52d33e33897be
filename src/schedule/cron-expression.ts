import { HearthError } from '../errors/index.js';
import { FIELDS, isFieldError, scanField, type FieldSpec, type ScannedField } from './cron-fields.js';

/**
 * Cron schedules and the day rule Debian's cron matches them with. The native
 * dialect (schedule = in services/*.toml) reads five fields as crontab(5)
 * does, or six with a leading seconds field, and "N/step"; crontab lines are
 * read by crontab-entry.ts, strictly. Both build the same CronSchedule.
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
  /**
   * The day-of-month field does not start with "*" (cron's DOM_STAR unset).
   * When both day fields are restricted, either one matching is enough; when
   * one starts with "*" — "*\/2" included — both must match.
   */
  domRestricted: boolean;
  dowRestricted: boolean;
  /**
   * The minute or the hour field starts with "*" (cron's MIN_STAR/HR_STAR).
   * Decides what happens when the clock jumps (cron-clock.ts): "*\/20 * * * *"
   * and "0 * * * *" are wildcard jobs, "30 2 * * *" and "@daily" fixed-time.
   */
  wildcard: boolean;
  /** @reboot: once when hearthd starts, never on a clock. */
  reboot: boolean;
}

/** What cron's @keywords stand for (entry.c sets the same bits and star flags). */
export const CRON_KEYWORDS: Readonly<Record<string, string>> = {
  yearly: '0 0 1 1 *',
  annually: '0 0 1 1 *',
  monthly: '0 0 1 * *',
  weekly: '0 0 * * 0',
  daily: '0 0 * * *',
  midnight: '0 0 * * *',
  hourly: '0 * * * *',
};

const NATIVE_HINT =
  'five fields "minute hour day-of-month month day-of-week" (a sixth, leading, for seconds), or @hourly, @daily, @weekly, @monthly, @yearly, @reboot';

export function badSchedule(text: string, message: string, hint = NATIVE_HINT): HearthError {
  return new HearthError('ERR_CONFIG_VALUE', `schedule "${text}": ${message}`, { hint });
}

export function rebootSchedule(text: string): CronSchedule {
  const none = new Set<number>();
  return { text, seconds: none, minutes: none, hours: none, daysOfMonth: none, months: none, daysOfWeek: none, domRestricted: false, dowRestricted: false, wildcard: false, reboot: true };
}

/** Builds a schedule from scanned fields: [seconds?] minute hour dom month dow. */
export function scheduleFromFields(text: string, f: { seconds?: ScannedField; minute: ScannedField; hour: ScannedField; dom: ScannedField; month: ScannedField; dow: ScannedField }): CronSchedule {
  const daysOfWeek = new Set([...f.dow.values].map((d) => (d === 7 ? 0 : d)));
  return {
    text,
    seconds: f.seconds?.values ?? new Set([0]),
    minutes: f.minute.values,
    hours: f.hour.values,
    daysOfMonth: f.dom.values,
    months: f.month.values,
    daysOfWeek,
    domRestricted: !f.dom.star,
    dowRestricted: !f.dow.star,
    wildcard: f.minute.star || f.hour.star,
    reboot: false,
  };
}

/** A schedule = value from a service file: the native dialect. */
export function parseCronSchedule(input: string): CronSchedule {
  const text = input.trim();
  if (text.startsWith('@')) {
    const keyword = text.slice(1).toLowerCase();
    if (keyword === 'reboot') return rebootSchedule(text);
    const expanded = CRON_KEYWORDS[keyword];
    if (expanded === undefined) throw badSchedule(text, `unknown shortcut "${text}"`);
    return { ...parseCronSchedule(expanded), text };
  }
  const words = text.split(/\s+/);
  if (words.length !== 5 && words.length !== 6) throw badSchedule(text, `has ${words.length} fields, not 5 or 6`);
  const specs: FieldSpec[] = [FIELDS.minute, FIELDS.hour, FIELDS.dom, FIELDS.month, FIELDS.dow];
  if (words.length === 6) specs.unshift(FIELDS.second);
  const scanned = words.map((word, i) => {
    const r = scanField(word, 0, specs[i]!, 'native');
    if (isFieldError(r)) throw badSchedule(text, r.error, r.hint);
    return r;
  });
  const [minute, hour, dom, month, dow] = scanned.slice(-5) as [ScannedField, ScannedField, ScannedField, ScannedField, ScannedField];
  return scheduleFromFields(text, { ...(words.length === 6 ? { seconds: scanned[0]! } : {}), minute, hour, dom, month, dow });
}

/** Calendar fields of a wall-clock minute. */
export interface WallFields {
  minute: number;
  hour: number;
  /** 1-31 */
  day: number;
  /** 1-12 */
  month: number;
  /** 0 = Sunday */
  weekday: number;
}

/** Whether the schedule's day fields allow this date, by Vixie cron's rule (cron.c find_jobs). */
export function dayMatches(s: CronSchedule, day: number, weekday: number): boolean {
  const dom = s.daysOfMonth.has(day);
  const dow = s.daysOfWeek.has(weekday);
  return s.domRestricted && s.dowRestricted ? dom || dow : dom && dow;
}

/** Whether cron would start the job in this wall-clock minute (seconds aside). */
export function minuteMatches(s: CronSchedule, f: WallFields): boolean {
  return !s.reboot && s.minutes.has(f.minute) && s.hours.has(f.hour) && s.months.has(f.month) && dayMatches(s, f.day, f.weekday);
}
