/**
 * How hearth writes times and durations, everywhere: the CLI, ntsysv and the
 * web GUI all call these, so `status`, `atq`, `list`, `logs` and the browser
 * agree. Absolute times are ISO-like local time ("2026-12-04 19:07:04"), with
 * the zone where a reader could misread it; durations read like systemd's
 * ("2s", "1min 30s", "450ms" — never "2000ms"). No Node imports: the browser
 * bundle uses this file too.
 */

export interface TimestampOptions {
  /** UTC instead of local time (`--utc`, as journalctl has it). */
  utc?: boolean;
  /** Add the zone: " UTC", " CET" (see useLocalZone). */
  zone?: boolean;
  /** Add milliseconds: "19:07:04.123" (log lines, where order within a second matters). */
  millis?: boolean;
  /** Leave the date out when the time is on the same day as `today` (narrow columns). */
  today?: number;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The zone in force at an instant: seconds east of UTC and its abbreviation. */
export interface ZoneAt {
  gmtoff: number;
  abbr: string;
}

/** Set by useLocalZone; until then local time is the JavaScript engine's and zones are named by Intl. */
let localZoneAt: ((ms: number) => ZoneAt) | undefined;

/**
 * Where local time comes from from now on. hearth and hearthd read the TZ
 * database as the C library does (src/util/time-zone.ts), so their times and
 * zone names are date(1)'s and systemctl's ("CET", where Intl's en-US says
 * "GMT+1"), under any $TZ glibc understands, and no command loads ICU's zone
 * data (12 ms each). The browser keeps the engine's.
 */
export function useLocalZone(at: (ms: number) => ZoneAt): void {
  localZoneAt = at;
}

/** A Date whose UTC fields (getUTCHours() …) are the wall clock's at `ms`: local time unless `utc`. */
export function wallClock(ms: number, utc = false): Date {
  if (utc) return new Date(ms);
  if (localZoneAt) return new Date(ms + localZoneAt(ms).gmtoff * 1000);
  return new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
}

/** "2026-12-04 19:07:04", local time unless `utc`. */
export function formatTimestamp(ms: number, options: TimestampOptions = {}): string {
  const utc = options.utc === true;
  const d = wallClock(ms, utc);
  if (Number.isNaN(d.getTime())) return '-';
  let text = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (options.millis) text += `.${pad(d.getUTCMilliseconds(), 3)}`;
  if (options.today === undefined || !sameDay(d, wallClock(options.today, utc))) {
    text = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${text}`;
  }
  if (options.zone) text += ` ${utc ? 'UTC' : zoneAbbreviation(ms)}`;
  return text;
}

function sameDay(x: Date, y: Date): boolean {
  return x.getUTCFullYear() === y.getUTCFullYear() && x.getUTCMonth() === y.getUTCMonth() && x.getUTCDate() === y.getUTCDate();
}

/** The local zone's short name at that moment ("CET", "EST", "UTC"; Intl's "GMT+1" in a browser where en-US has no abbreviation). */
export function zoneAbbreviation(ms: number): string {
  if (localZoneAt) return localZoneAt(ms).abbr;
  const d = new Date(ms);
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
    if (part) return part.value;
  } catch {
    // no Intl time zone data: fall back to the offset
  }
  const off = -d.getTimezoneOffset();
  return `${off >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)}`;
}

export interface DurationOptions {
  /**
   * Keep milliseconds above one second, as systemd-analyze does: "1.234s",
   * "1min 2.5s". For measurements (blame, a start's duration); the default
   * rounds down to whole units, for ages and uptimes.
   */
  precise?: boolean;
}

/** "450ms", "2s", "1min 30s", "2h 5min", "3d 4h"; with `precise`, "1.234s" and "1min 2.5s". */
export function formatDuration(ms: number, options: DurationOptions = {}): string {
  if (!Number.isFinite(ms)) return '-';
  const v = Math.max(0, ms);
  if (v < 1000) return `${Math.round(v)}ms`;
  if (options.precise && v < 3_600_000) {
    const min = Math.floor(v / 60_000);
    const sec = trimZeros(((v - min * 60_000) / 1000).toFixed(3));
    return min > 0 ? `${min}min ${sec}s` : `${sec}s`;
  }
  const s = Math.floor(v / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}min ${s % 60}s` : `${m}min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}min` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

function trimZeros(n: string): string {
  return n.includes('.') ? n.replace(/\.?0+$/, '') : n;
}

/** "5min ago", "in 2h 3min", "now": how far a moment is from `now`. */
export function formatRelative(ms: number, now: number): string {
  const delta = ms - now;
  if (Math.abs(delta) < 1000) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}
