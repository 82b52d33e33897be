/**
 * localtime and mktime over a zone read the way glibc reads it
 * (src/util/time-zone.ts), so calendar arithmetic lands on the same instants
 * as systemd's. `mktime` follows glibc's search, including what it does with
 * a wall time that falls in a DST gap or occurs twice, because systemd's
 * next-elapse algorithm depends on it.
 */
import { DAY, daysFromEpoch, zoneTypeAt, type TimeZone } from '../../util/time-zone.js';

/** Broken-down time with a full year (2025), months 0..11, as struct tm holds it otherwise. */
export interface Tm {
  year: number;
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  /** -1: unknown (let mktime decide), 0 or 1. */
  isdst: number;
  wday: number;
  yday: number;
}

/** localtime_r (gmtime_r for UTC). */
export function localtime(t: number, zone: TimeZone): Tm {
  const type = zoneTypeAt(zone, t);
  const d = new Date((t + type.gmtoff) * 1000);
  const year = d.getUTCFullYear();
  return {
    year, mon: d.getUTCMonth(), mday: d.getUTCDate(), hour: d.getUTCHours(), min: d.getUTCMinutes(), sec: d.getUTCSeconds(),
    isdst: zone.utc ? 0 : type.isdst ? 1 : 0, wday: d.getUTCDay(),
    yday: daysFromEpoch(year, d.getUTCMonth(), d.getUTCDate()) - daysFromEpoch(year, 0, 1),
  };
}

/** glibc keeps the last offset mktime found and starts the next search from it; so do we. */
export interface MktimeState {
  guess: number;
}

/** Seconds of a broken-down time read as UTC, with month overflow folded into the year and the rest linear. */
function ydhms(year: number, mon: number, mday: number, hour: number, min: number, sec: number): number {
  const y = year + Math.floor(mon / 12);
  const m = ((mon % 12) + 12) % 12;
  return (daysFromEpoch(y, m, 1) + mday - 1) * DAY + hour * 3600 + min * 60 + sec;
}

function tmSeconds(tm: Tm): number {
  return ydhms(tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec);
}

function isdstDiffer(a: number, b: number): boolean {
  return (a === 0) !== (b === 0) && a >= 0 && b >= 0;
}

/**
 * mktime (timegm for UTC): the instant of a broken-down time, normalising
 * the fields in place. Null where glibc fails (it then leaves tm alone).
 */
export function mktime(tm: Tm, zone: TimeZone, state: MktimeState): number | null {
  if (zone.utc) {
    const t = tmSeconds(tm);
    Object.assign(tm, localtime(t, zone));
    return t;
  }
  const secRequested = tm.sec;
  const sec = Math.min(59, Math.max(0, tm.sec));
  const want = ydhms(tm.year, tm.mon, tm.mday, tm.hour, tm.min, sec);
  const isdst = tm.isdst;
  const t0 = want + state.guess;
  let t = t0;
  let t1 = t0;
  let t2 = t0;
  let dst2 = false;
  let probes = 6;
  let got: Tm;
  found: {
    for (;;) {
      got = localtime(t, zone);
      const dt = want - tmSeconds(got);
      if (dt === 0) break;
      // Oscillating across a spring-forward gap: glibc settles on the side that is DST
      // (of two, the DST one; of none, either), a gap's width away from the request.
      if (t === t1 && t !== t2 && (isdst < 0 ? Number(dst2) <= Number(got.isdst !== 0) : (isdst !== 0) !== (got.isdst !== 0))) break found;
      if (--probes === 0) return null;
      t1 = t2;
      t2 = t;
      t += dt;
      dst2 = got.isdst !== 0;
    }
    if (isdstDiffer(isdst, got.isdst)) {
      const stride = 601_200;
      const bound = 536_454_000 / 2 + stride;
      for (let delta = stride; delta < bound; delta += stride) {
        for (const direction of [-1, 1]) {
          const ot = t + delta * direction;
          const otm = localtime(ot, zone);
          if (!isdstDiffer(isdst, otm.isdst)) {
            t = ot + (want - tmSeconds(otm));
            got = localtime(t, zone);
            break found;
          }
        }
      }
      return null;
    }
  }
  state.guess = t - want;
  if (secRequested !== sec) {
    t += secRequested - sec;
    got = localtime(t, zone);
  }
  Object.assign(tm, got);
  return t;
}
