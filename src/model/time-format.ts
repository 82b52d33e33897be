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
  /** Add the zone: " UTC", " CET", " GMT+1" (whatever the platform calls it). */
  zone?: boolean;
  /** Add milliseconds: "19:07:04.123" (log lines, where order within a second matters). */
  millis?: boolean;
  /** Leave the date out when the time is on the same day as `today` (narrow columns). */
  today?: number;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** "2026-12-04 19:07:04", local time unless `utc`. */
export function formatTimestamp(ms: number, options: TimestampOptions = {}): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '-';
  const utc = options.utc === true;
  const year = utc ? d.getUTCFullYear() : d.getFullYear();
  const month = (utc ? d.getUTCMonth() : d.getMonth()) + 1;
  const day = utc ? d.getUTCDate() : d.getDate();
  const h = utc ? d.getUTCHours() : d.getHours();
  const m = utc ? d.getUTCMinutes() : d.getMinutes();
  const s = utc ? d.getUTCSeconds() : d.getSeconds();
  let text = `${pad(h)}:${pad(m)}:${pad(s)}`;
  if (options.millis) text += `.${pad(utc ? d.getUTCMilliseconds() : d.getMilliseconds(), 3)}`;
  if (options.today === undefined || !sameDay(ms, options.today, utc)) text = `${year}-${pad(month)}-${pad(day)} ${text}`;
  if (options.zone) text += ` ${utc ? 'UTC' : zoneName(d)}`;
  return text;
}

function sameDay(a: number, b: number, utc: boolean): boolean {
  const x = new Date(a);
  const y = new Date(b);
  return utc
    ? x.getUTCFullYear() === y.getUTCFullYear() && x.getUTCMonth() === y.getUTCMonth() && x.getUTCDate() === y.getUTCDate()
    : x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

/** The local zone's short name at that moment ("CET", "EST", "UTC", or "GMT+1" where there is no abbreviation). */
function zoneName(d: Date): string {
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
