/**
 * How Debian's cron (cron.c, main loop) reacts when the wall clock moves by
 * something other than one minute — a daylight saving change, or the clock
 * being set. cron counts time in wall-clock minutes (local time read as if it
 * were UTC, divided by 60 s), wakes at the start of every minute, and keeps a
 * "virtual minute": the last wall minute whose jobs it ran. On each wake it
 * compares the wall minute now with that virtual minute:
 *
 * | now - virtual            | what runs now                                                        | virtual becomes |
 * | ------------------------ | -------------------------------------------------------------------- | --------------- |
 * | 1 (the normal case)      | every job due this minute                                            | now             |
 * | 2 to 5                   | every job due in each minute from virtual+1 to now                   | now             |
 * | 6 to 180 (DST starts)    | wildcard jobs due now; fixed-time jobs due in each minute from virtual+1 to now | now  |
 * | 0 to -179 (DST ends)     | wildcard jobs due now only                                           | unchanged       |
 * | over 180, or -180 and less | every job due now (the skipped or repeated time is forgotten)      | now             |
 *
 * "Wildcard" jobs have a minute or hour field starting with "*"
 * (CronSchedule.wildcard); the others are fixed-time jobs. So after a
 * one-hour spring-forward jump, fixed-time jobs of the skipped hour run right
 * away and wildcard jobs lose that hour; during a repeated hour, wildcard jobs
 * run in both passes and fixed-time jobs only in the first.
 */

const MINUTE = 60_000;

/** What cron.c calls 3*MINUTE_COUNT: larger jumps are not caught up. */
export const CRON_LARGE_JUMP_MINUTES = 180;
/** Forward jumps up to this many minutes count as waking late: everything is caught up. */
export const CRON_LATE_WAKE_MINUTES = 5;

/** The wall-clock minute of a real instant, in the process's time zone. */
export function wallMinute(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()) / MINUTE;
}

/** Local offset from UTC, in whole minutes, at the start of real minute `realMinute`. */
export function offsetMinutes(realMinute: number): number {
  return wallMinute(realMinute * MINUTE) - realMinute;
}

/** One batch of jobs a wake starts: the jobs of the given kinds due in `wallMinute`. */
export interface CronPass {
  wallMinute: number;
  wildcard: boolean;
  fixed: boolean;
}

export interface CronWake {
  /** In the order cron starts them. */
  passes: CronPass[];
  virtualMinute: number;
}

/** One wake of cron at wall minute `now`, given the virtual minute it had (see the table above). */
export function cronWake(virtualMinute: number, now: number): CronWake {
  const diff = now - virtualMinute;
  const all = (wallMinute: number): CronPass => ({ wallMinute, wildcard: true, fixed: true });
  if (diff === 1 || diff > CRON_LARGE_JUMP_MINUTES || diff <= -CRON_LARGE_JUMP_MINUTES) {
    return { passes: [all(now)], virtualMinute: now };
  }
  if (diff > CRON_LATE_WAKE_MINUTES) {
    const passes: CronPass[] = [{ wallMinute: now, wildcard: true, fixed: false }];
    for (let m = virtualMinute + 1; m <= now; m++) passes.push({ wallMinute: m, wildcard: false, fixed: true });
    return { passes, virtualMinute: now };
  }
  if (diff > 0) {
    const passes: CronPass[] = [];
    for (let m = virtualMinute + 1; m <= now; m++) passes.push(all(m));
    return { passes, virtualMinute: now };
  }
  return { passes: [{ wallMinute: now, wildcard: true, fixed: false }], virtualMinute };
}
