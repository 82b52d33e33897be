/**
 * Parses the TIME of `hearth logs --since TIME` / `--until TIME` into epoch ms,
 * in the spirit of journalctl and date -d:
 *
 *   now, today, yesterday, tomorrow         midnight local time (now is now)
 *   5m, 2h ago, -1h, 1h30m, "10 min ago"    that long before now
 *   +10m, "in 10m"                          that long after now
 *   10:00, 10:00:05, 10:00:05.250           today, local time
 *   2026-11-23, 2026-11-23 10:00[:ss[.mmm]] local time ("T" works as the separator)
 *   2026-11-23T10:00:00Z, …+01:00           ISO 8601 with a zone
 *   @1763892000                             epoch seconds (as date -d @N)
 *
 * Returns undefined for anything else so the CLI can name the bad value.
 */

const UNIT_MS: Record<string, number> = {
  ms: 1, msec: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/g;
const RELATIVE = /^(?:\d+(?:\.\d+)?\s*[a-z]+\s*)+$/;
const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/i;
const ZONED = /^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

export function parseTimeSpec(input: string, now: number = Date.now()): number | undefined {
  const s = input.trim().toLowerCase();
  if (s === '') return undefined;
  if (s === 'now') return now;
  if (s === 'today') return midnight(now, 0);
  if (s === 'yesterday') return midnight(now, -1);
  if (s === 'tomorrow') return midnight(now, 1);

  const epoch = /^@(\d+(?:\.\d+)?)$/.exec(s);
  if (epoch) return Math.round(Number(epoch[1]) * 1000);

  const rel = relative(s);
  if (rel !== undefined) return now + rel;

  const clock = CLOCK.exec(s);
  if (clock) {
    const d = new Date(now);
    return local(d.getFullYear(), d.getMonth() + 1, d.getDate(), clock[1]!, clock[2]!, clock[3], clock[4]);
  }

  const date = DATE.exec(s);
  if (date) return local(Number(date[1]), Number(date[2]), Number(date[3]), date[4] ?? '0', date[5] ?? '0', date[6], date[7]);

  if (ZONED.test(s)) {
    const t = Date.parse(s.toUpperCase().replace(' ', 'T'));
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** "5m", "2h ago", "-1h", "+10m", "in 10m" → signed ms offset from now. */
function relative(s: string): number | undefined {
  let sign = -1; // a bare duration means "that long ago": --since 5m
  let body = s;
  if (body.startsWith('-')) body = body.slice(1);
  else if (body.startsWith('+')) {
    sign = 1;
    body = body.slice(1);
  } else if (body.startsWith('in ')) {
    sign = 1;
    body = body.slice(3);
  }
  body = body.trim();
  if (body.endsWith(' ago')) {
    if (sign > 0) return undefined;
    body = body.slice(0, -4).trim();
  }
  if (!RELATIVE.test(body)) return undefined;
  let total = 0;
  for (const m of body.matchAll(PART)) {
    const unit = UNIT_MS[m[2]!];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
  }
  return sign * Math.round(total);
}

function midnight(now: number, dayOffset: number): number {
  const d = new Date(now);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + dayOffset).getTime();
}

function local(y: number, mo: number, d: number, h: string, mi: string, sec?: string, frac?: string): number | undefined {
  const H = Number(h);
  const M = Number(mi);
  const S = sec === undefined ? 0 : Number(sec);
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, '0'));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || H > 23 || M > 59 || S > 59) return undefined;
  const t = new Date(y, mo - 1, d, H, M, S, ms);
  // Reject dates that roll over (2026-02-31 is not March 3rd).
  if (t.getMonth() !== mo - 1 || t.getDate() !== d) return undefined;
  return t.getTime();
}
