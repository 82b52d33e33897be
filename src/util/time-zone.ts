/**
 * Time zones as the C library sees them: the TZif files glibc reads
 * (/usr/share/zoneinfo, /etc/localtime), with the POSIX rule at the end of a
 * file for instants past its last transition, and $TZ the way tzset(3) takes
 * it. systemd's calendar arithmetic needs the offsets (src/systemd/calendar),
 * and hearth's timestamps the abbreviations: "CET" where Intl's en-US names
 * say "GMT+1", and without loading ICU's zone data (12 ms of every command).
 */
import { readFileSync, readlinkSync } from 'node:fs';

export interface ZoneType {
  /** Seconds east of UTC. */
  gmtoff: number;
  isdst: boolean;
  abbr: string;
}

interface RuleDate {
  kind: 'J' | 'n' | 'M';
  /** J: 1..365 ignoring Feb 29; n: 0..365; M: month 1..12. */
  a: number;
  /** M: week 1..5 (5 = last). */
  week: number;
  /** M: weekday 0..6 (Sunday = 0). */
  day: number;
  /** Seconds after local midnight (may be negative or past 24h). */
  time: number;
}

export interface PosixRule {
  std: ZoneType;
  dst: { type: ZoneType; start: RuleDate; end: RuleDate } | null;
}

export interface TimeZone {
  name: string;
  /** Transition instants (seconds since the epoch), ascending. */
  transitions: number[];
  /** Index into types for each transition. */
  transitionTypes: number[];
  types: ZoneType[];
  rule: PosixRule | null;
  /** glibc's tzname[0] and tzname[1] for this zone: the standard and daylight abbreviations. */
  tzname: [string, string];
  /** True for UTC itself: gmtime and timegm, no offsets ever. */
  utc: boolean;
}

export const UTC_ZONE: TimeZone = {
  name: 'UTC', transitions: [], transitionTypes: [], types: [{ gmtoff: 0, isdst: false, abbr: 'UTC' }], rule: null, tzname: ['UTC', 'UTC'], utc: true,
};
// ---------- POSIX TZ strings ("CET-1CEST,M3.5.0,M10.5.0/3") ----------

function parseName(s: string, i: number): [string, number] | null {
  if (s[i] === '<') {
    const end = s.indexOf('>', i);
    if (end < 0) return null;
    return [s.slice(i + 1, end), end + 1];
  }
  let j = i;
  while (j < s.length && /[A-Za-z]/.test(s[j]!)) j++;
  return j - i >= 3 ? [s.slice(i, j), j] : null;
}

function parseHms(s: string, i: number, signed: boolean): [number, number] | null {
  let sign = 1;
  if (signed && (s[i] === '+' || s[i] === '-')) {
    if (s[i] === '-') sign = -1;
    i++;
  }
  const m = /^(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?/.exec(s.slice(i));
  if (!m) return null;
  const secs = Number(m[1]) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return [sign * secs, i + m[0].length];
}

function parseRuleDate(s: string, i: number): [RuleDate, number] | null {
  let date: RuleDate;
  let m: RegExpExecArray | null;
  const rest = s.slice(i);
  if ((m = /^M(\d{1,2})\.(\d)\.(\d)/.exec(rest))) date = { kind: 'M', a: Number(m[1]), week: Number(m[2]), day: Number(m[3]), time: 7200 };
  else if ((m = /^J(\d{1,3})/.exec(rest))) date = { kind: 'J', a: Number(m[1]), week: 0, day: 0, time: 7200 };
  else if ((m = /^(\d{1,3})/.exec(rest))) date = { kind: 'n', a: Number(m[1]), week: 0, day: 0, time: 7200 };
  else return null;
  i += m[0].length;
  if (s[i] === '/') {
    const t = parseHms(s, i + 1, true);
    if (!t) return null;
    date.time = t[0];
    i = t[1];
  }
  return [date, i];
}

/** Parses a POSIX TZ rule; null if it is not one. */
export function parsePosixRule(s: string): PosixRule | null {
  const std = parseName(s, 0);
  if (!std) return null;
  const stdOff = parseHms(s, std[1], true);
  if (!stdOff) return null;
  const stdType: ZoneType = { gmtoff: -stdOff[0], isdst: false, abbr: std[0] };
  let i = stdOff[1];
  if (i >= s.length) return { std: stdType, dst: null };
  const dst = parseName(s, i);
  if (!dst) return null;
  i = dst[1];
  let dstGmtoff = stdType.gmtoff + 3600;
  if (i < s.length && s[i] !== ',') {
    const off = parseHms(s, i, true);
    if (!off) return null;
    dstGmtoff = -off[0];
    i = off[1];
  }
  let start: RuleDate = { kind: 'M', a: 3, week: 2, day: 0, time: 7200 };
  let end: RuleDate = { kind: 'M', a: 11, week: 1, day: 0, time: 7200 };
  if (s[i] === ',') {
    const a = parseRuleDate(s, i + 1);
    if (!a || s[a[1]] !== ',') return null;
    const b = parseRuleDate(s, a[1] + 1);
    if (!b) return null;
    start = a[0];
    end = b[0];
  }
  return { std: stdType, dst: { type: { gmtoff: dstGmtoff, isdst: true, abbr: dst[0] }, start, end } };
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export const DAY = 86_400;

/** Days from 1970-01-01 to a date (months 0..11). */
export function daysFromEpoch(year: number, mon: number, mday: number): number {
  return Math.floor(Date.UTC(year, mon, mday) / 1000 / DAY);
}

/** Seconds since the epoch (UTC) of local midnight + time of a rule date in the given year, before applying the offset. */
function ruleLocalSeconds(d: RuleDate, year: number): number {
  let day: number;
  if (d.kind === 'J') day = daysFromEpoch(year, 0, 1) + d.a - 1 + (isLeap(year) && d.a >= 60 ? 1 : 0);
  else if (d.kind === 'n') day = daysFromEpoch(year, 0, 1) + d.a;
  else {
    const first = daysFromEpoch(year, d.a - 1, 1);
    const firstWday = (first + 4) % 7;
    let mday = 1 + ((d.day - firstWday + 7) % 7) + (d.week - 1) * 7;
    const monthDays = daysFromEpoch(year, d.a, 1) - first;
    while (mday > monthDays) mday -= 7;
    day = first + mday - 1;
  }
  return day * DAY + d.time;
}

function ruleType(rule: PosixRule, t: number): ZoneType {
  if (!rule.dst) return rule.std;
  const year = new Date(t * 1000).getUTCFullYear();
  const start = ruleLocalSeconds(rule.dst.start, year) - rule.std.gmtoff;
  const end = ruleLocalSeconds(rule.dst.end, year) - rule.dst.type.gmtoff;
  const inDst = start < end ? t >= start && t < end : !(t >= end && t < start);
  return inDst ? rule.dst.type : rule.std;
}

// ---------- TZif files ----------

/** Reads a TZif file (RFC 8536), preferring its 64-bit part; null if it is not one. */
export function parseTzif(name: string, data: Uint8Array): TimeZone | null {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 44 || buf.toString('latin1', 0, 4) !== 'TZif') return null;
  const version = buf[4]!;
  const header = (at: number) => ({
    isut: buf.readUInt32BE(at + 20), isstd: buf.readUInt32BE(at + 24), leap: buf.readUInt32BE(at + 28),
    time: buf.readUInt32BE(at + 32), type: buf.readUInt32BE(at + 36), char: buf.readUInt32BE(at + 40),
  });
  let h = header(0);
  let at = 44;
  let timeSize = 4;
  if (version >= 0x32) {
    at += h.time * 4 + h.time + h.type * 6 + h.char + h.leap * 8 + h.isstd + h.isut;
    if (buf.length < at + 44 || buf.toString('latin1', at, at + 4) !== 'TZif') return null;
    h = header(at);
    at += 44;
    timeSize = 8;
  }
  const transitions: number[] = [];
  for (let k = 0; k < h.time; k++) transitions.push(timeSize === 8 ? Number(buf.readBigInt64BE(at + k * 8)) : buf.readInt32BE(at + k * 4));
  at += h.time * timeSize;
  const transitionTypes: number[] = [];
  for (let k = 0; k < h.time; k++) transitionTypes.push(buf[at + k]!);
  at += h.time;
  const raw: Array<{ gmtoff: number; isdst: boolean; abbrind: number }> = [];
  for (let k = 0; k < h.type; k++) raw.push({ gmtoff: buf.readInt32BE(at + k * 6), isdst: buf[at + k * 6 + 4] !== 0, abbrind: buf[at + k * 6 + 5]! });
  at += h.type * 6;
  const chars = buf.toString('latin1', at, at + h.char);
  at += h.char + h.leap * (timeSize + 4) + h.isstd + h.isut;
  const types = raw.map((r) => ({ gmtoff: r.gmtoff, isdst: r.isdst, abbr: chars.slice(r.abbrind, chars.indexOf('\0', r.abbrind) >>> 0) }));
  let rule: PosixRule | null = null;
  if (timeSize === 8 && buf[at] === 0x0a) {
    const end = buf.indexOf(0x0a, at + 1);
    if (end > at) rule = parsePosixRule(buf.toString('latin1', at + 1, end));
  }
  if (types.length === 0) return null;
  let tzname: [string, string];
  if (rule) tzname = [rule.std.abbr, rule.dst ? rule.dst.type.abbr : rule.std.abbr];
  else {
    const std = [...transitionTypes].reverse().map((i) => types[i]!).find((t) => !t.isdst) ?? types[0]!;
    const dst = [...transitionTypes].reverse().map((i) => types[i]!).find((t) => t.isdst) ?? std;
    tzname = [std.abbr, dst.abbr];
  }
  return { name, transitions, transitionTypes, types, rule, tzname, utc: false };
}

/** The zone as systemd's verify_timezone accepts names: letters, digits, - _ + and single slashes. */
export function isValidZoneName(name: string): boolean {
  return name !== '' && !name.startsWith('/') && !name.endsWith('/') && /^[A-Za-z0-9_+\-/]+$/.test(name) && !name.includes('//');
}

const cache = new Map<string, TimeZone | null>();

/** Loads an IANA zone from zoneinfoDir; "UTC" always works. Null when systemd would call the zone invalid. */
export function loadZone(name: string, zoneinfoDir = '/usr/share/zoneinfo'): TimeZone | null {
  if (name === 'UTC') return UTC_ZONE;
  if (!isValidZoneName(name)) return null;
  const key = `${zoneinfoDir}\0${name}`;
  if (!cache.has(key)) {
    let zone: TimeZone | null = null;
    try {
      zone = parseTzif(name, readFileSync(`${zoneinfoDir}/${name}`));
    } catch {
      zone = null;
    }
    cache.set(key, zone);
  }
  return cache.get(key)!;
}

/** The zone type in force at instant t (seconds). */
export function zoneTypeAt(zone: TimeZone, t: number): ZoneType {
  if (zone.utc) return zone.types[0]!;
  const tr = zone.transitions;
  if (tr.length === 0 || t < tr[0]!) {
    if (tr.length === 0 && zone.rule) return ruleType(zone.rule, t);
    return zone.types.find((x) => !x.isdst) ?? zone.types[0]!;
  }
  if (t >= tr[tr.length - 1]! && zone.rule) return ruleType(zone.rule, t);
  let lo = 0;
  let hi = tr.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tr[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return zone.types[zone.transitionTypes[lo]!]!;
}

function readZoneFile(path: string, name: string): TimeZone | null {
  try {
    return parseTzif(name, readFileSync(path));
  } catch {
    return null;
  }
}

/**
 * The process's zone the way glibc's tzset finds it: $TZ (a zone name,
 * ":name", a file path or a POSIX rule; empty means UTC), else /etc/localtime,
 * else UTC. Zone names are looked up in $TZDIR when set.
 */
export function localZone(zoneinfoDir?: string, env: NodeJS.ProcessEnv = process.env): TimeZone {
  const dir = zoneinfoDir ?? (env['TZDIR'] || '/usr/share/zoneinfo');
  const tz = env['TZ'];
  if (tz === '') return UTC_ZONE;
  if (tz !== undefined) {
    const name = tz.startsWith(':') ? tz.slice(1) : tz;
    const fromFile = name.startsWith('/') ? readZoneFile(name, name) : loadZone(name, dir);
    if (fromFile) return fromFile;
    const rule = parsePosixRule(name);
    if (rule) {
      const tzname: [string, string] = [rule.std.abbr, rule.dst ? rule.dst.type.abbr : rule.std.abbr];
      return { name, transitions: [], transitionTypes: [], types: [rule.std], rule, tzname, utc: false };
    }
    // glibc keeps a name it could read even when the offset after it is missing: UTC under that name.
    const std = parseName(name, 0)?.[0];
    if (std === undefined) return UTC_ZONE;
    const type: ZoneType = { gmtoff: 0, isdst: false, abbr: std };
    return { name, transitions: [], transitionTypes: [], types: [type], rule: null, tzname: [std, std], utc: false };
  }
  return readZoneFile('/etc/localtime', localZoneName() ?? 'localtime') ?? UTC_ZONE;
}

/** The IANA name of /etc/localtime, when it is a symlink into a zoneinfo directory. */
export function localZoneName(): string | null {
  try {
    const target = readlinkSync('/etc/localtime');
    const m = /zoneinfo\/(.+)$/.exec(target);
    return m ? m[1]! : null;
  } catch {
    return null;
  }
}

let theProcessZone: TimeZone | undefined;

/**
 * This process's zone (localZone with its $TZ and $TZDIR), read once: as V8
 * keeps its own, a changed /etc/localtime is seen after a restart. With
 * another zoneinfo dir (a test's), the zone is read from there each time.
 */
export function processZone(zoneinfoDir?: string): TimeZone {
  if (zoneinfoDir !== undefined) return localZone(zoneinfoDir);
  return (theProcessZone ??= localZone());
}

/** The zone type in force at an instant (ms) in this process's zone: its offset and strftime's %Z ("CET", "IST", "-03"). */
export function localZoneAt(ms: number): ZoneType {
  return zoneTypeAt(processZone(), Math.floor(ms / 1000));
}
