import { cronWake, offsetMinutes, CRON_LARGE_JUMP_MINUTES, type CronWake } from './cron-clock.js';
import { dayMatches, minuteMatches, type CronSchedule, type WallFields } from './cron-expression.js';

/**
 * When a schedule next fires, as Debian's cron would start it: cron's
 * minute-by-minute loop (cron-clock.ts) played over the time zone's clock
 * changes, without visiting every minute. Between clock changes the wall
 * clock and the real one move together, so the next match is found on the
 * calendar; at each change, and in the repeated time after a backward one,
 * cron's wake rule decides what runs.
 */

const MINUTE = 60_000;
/** Long enough back that a repeated hour which began before `after` is seen (cron's window is at most 180 minutes). */
const LOOKBACK_MINUTES = CRON_LARGE_JUMP_MINUTES + 60;
/** Schedules that fire less often than this (Feb 30) never fire. */
const HORIZON_MINUTES = 8 * 366 * 1440;
/** Clock changes are looked for this often, then pinned to the minute. */
const SCAN_MINUTES = 60;

export interface CronRun {
  /** The instant (ms since the epoch). */
  at: number;
  /**
   * How many runs cron starts at that instant: more than one only right after
   * a spring-forward jump, when a fixed-time job was due in several skipped
   * minutes ("0,30 2 * * *" runs twice at 03:00).
   */
  runs: number;
}

function fields(wall: number): WallFields {
  const d = new Date(wall * MINUTE);
  return { minute: d.getUTCMinutes(), hour: d.getUTCHours(), day: d.getUTCDate(), month: d.getUTCMonth() + 1, weekday: d.getUTCDay() };
}

/** The first wall minute in [from, to] the schedule matches, walking the calendar a field at a time. */
function nextMatchingMinute(s: CronSchedule, from: number, to: number): number | undefined {
  let m = from;
  while (m <= to) {
    const d = new Date(m * MINUTE);
    const [y, mo, day, h] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()];
    if (!s.months.has(mo + 1)) m = Date.UTC(y, mo + 1, 1) / MINUTE;
    else if (!dayMatches(s, day, d.getUTCDay())) m = Date.UTC(y, mo, day + 1) / MINUTE;
    else if (!s.hours.has(h)) m = Date.UTC(y, mo, day, h + 1) / MINUTE;
    else if (!s.minutes.has(d.getUTCMinutes())) m++;
    else return m;
  }
  return undefined;
}

/** The first real minute in (from, to] whose offset is not `offset`. */
function firstOffsetChange(from: number, to: number, offset: number): number | undefined {
  for (let lo = from; lo < to; ) {
    const hi = Math.min(lo + SCAN_MINUTES, to);
    if (offsetMinutes(hi) !== offset) {
      let a = lo;
      let b = hi;
      while (b - a > 1) {
        const mid = Math.floor((a + b) / 2);
        if (offsetMinutes(mid) === offset) a = mid;
        else b = mid;
      }
      return b;
    }
    lo = hi;
  }
  return undefined;
}

/** The first second of the schedule in real minute `realMinute` that is after `after`. */
function firstSecondAfter(s: CronSchedule, realMinute: number, after: number): number | undefined {
  for (const sec of [...s.seconds].sort((a, b) => a - b)) {
    const at = realMinute * MINUTE + sec * 1000;
    if (at > after) return at;
  }
  return undefined;
}

/** What a wake that is not the normal one-minute step starts for this schedule. */
function runAtWake(s: CronSchedule, wake: CronWake, now: number, realMinute: number, after: number): CronRun | undefined {
  let caughtUp = 0;
  let current = false;
  for (const pass of wake.passes) {
    if (!(s.wildcard ? pass.wildcard : pass.fixed) || !minuteMatches(s, fields(pass.wallMinute))) continue;
    if (pass.wallMinute === now) current = true;
    else caughtUp++;
  }
  const start = realMinute * MINUTE;
  const atStart = caughtUp + (current && s.seconds.has(0) ? 1 : 0);
  if (start > after && atStart > 0) return { at: start, runs: atStart };
  const at = current ? firstSecondAfter(s, realMinute, after) : undefined;
  return at === undefined ? undefined : { at, runs: 1 };
}

/**
 * The next time after `after` (ms) that cron starts the schedule, and how
 * many runs it starts then; undefined for @reboot and for schedules that do
 * not fire within eight years. Clock changes are the time zone's (the TZ of
 * this process); a clock that is set by hand is not foreseen here.
 */
export function nextCronRun(s: CronSchedule, after: number): CronRun | undefined {
  if (s.reboot) return undefined;
  const afterMinute = Math.floor(after / MINUTE);
  const horizon = afterMinute + HORIZON_MINUTES;
  let r = afterMinute - LOOKBACK_MINUTES;
  // Assume cron ran minute r in the ordinary way; what follows is played out.
  let virtual = r + offsetMinutes(r);
  // The wall minute cron last woke at: it sleeps on while the clock shows that minute again.
  let lastWake = virtual;
  r++;
  while (r <= horizon) {
    const offset = offsetMinutes(r);
    const now = r + offset;
    if (now - virtual !== 1) {
      if (now !== lastWake) {
        const wake = cronWake(virtual, now);
        virtual = wake.virtualMinute;
        lastWake = now;
        const run = r >= afterMinute ? runAtWake(s, wake, now, r, after) : undefined;
        if (run) return run;
      }
      r++;
      continue;
    }
    // Ordinary wakes from here until the offset changes: every job due runs on time.
    let from = Math.max(r, afterMinute) + offset;
    for (;;) {
      const match = nextMatchingMinute(s, from, horizon + offset);
      const change = firstOffsetChange(r, match === undefined ? horizon : match - offset, offset);
      if (change !== undefined) {
        virtual = change - 1 + offset;
        lastWake = virtual;
        r = change;
        break;
      }
      if (match === undefined) return undefined;
      const at = firstSecondAfter(s, match - offset, after);
      if (at !== undefined) return { at, runs: 1 };
      from = match + 1;
    }
  }
  return undefined;
}

/** Every run in (from, to], in order: what cron starts between two readings of the clock. */
export function cronRunsBetween(s: CronSchedule, from: number, to: number): CronRun[] {
  const runs: CronRun[] = [];
  for (let run = nextCronRun(s, from); run && run.at <= to; run = nextCronRun(s, run.at)) runs.push(run);
  return runs;
}

/**
 * The first time strictly after `after` the schedule fires, or undefined for
 * @reboot and for schedules that never fire (Feb 30) within eight years.
 * Kept for callers that need one instant; nextCronRun also says how many runs.
 */
export function nextFire(s: CronSchedule, after: Date): Date | undefined {
  const run = nextCronRun(s, after.getTime());
  return run && new Date(run.at);
}
