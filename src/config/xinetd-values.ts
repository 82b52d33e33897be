import { FACILITY_NAMES, PRIORITY_NAMES, type InetdLogType, type RlimitValue, type TimeInterval } from '../model/index.js';
import type { ServicesTable } from './etc-services.js';

/**
 * Values of single xinetd attributes, read as xinetd's parsers.c reads them.
 * Each returns the value, or a message saying what is wrong with it.
 */

const SIZE = /^(\d+)([KkMmGg]?)$/;
const MULTIPLIER = { '': 1, k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 } as const;

export function parseCount(v: string): number | 'unlimited' | undefined {
  if (/^unlimited$/i.test(v)) return 'unlimited';
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

export function parseRlimit(v: string): RlimitValue | undefined {
  if (/^unlimited$/i.test(v)) return { soft: 'unlimited', hard: 'unlimited' };
  const n = parseSize(v, true);
  return n === undefined ? undefined : { soft: n, hard: n };
}

/** `<num>[k|K|m|M]` (xinetd's get_limit; rlimits also take G). */
function parseSize(v: string, giga: boolean): number | undefined {
  const m = SIZE.exec(v);
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase() as keyof typeof MULTIPLIER;
  if (unit === 'g' && !giga) return undefined;
  return Number(m[1]) * MULTIPLIER[unit];
}

export function parseTimes(words: string[]): TimeInterval[] | string {
  const out: TimeInterval[] = [];
  for (const w of words) {
    const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(w);
    if (!m) return `bad access_times interval "${w}" (expected hh:mm-hh:mm)`;
    const [h1, m1, h2, m2] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
    // xinetd's own example uses 24:00 as the end of the day.
    if (h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 || (h2 === 24 && m2 !== 0)) return `bad access_times interval "${w}"`;
    out.push({ from: h1 * 60 + m1, to: h2 * 60 + m2 });
  }
  return out;
}

/** The facilities xinetd accepts in log_type (its syslog_facilities list). */
const XINETD_FACILITIES = ['daemon', 'auth', 'authpriv', 'user', 'mail', 'lpr', 'news', 'uucp', 'ftp', ...Array.from({ length: 8 }, (_, i) => `local${i}`)];
/** Hard limit when only a soft one is given: soft + 1%, at least 5 KiB and at most 20 KiB more. */
const LOG_EXTRA_MIN = 5 * 1024;
const LOG_EXTRA_MAX = 20 * 1024;

/** `FILE path [soft [hard]]` or `SYSLOG facility [level]` (xinetd's log_type_parser). */
export function parseLogType(words: string[]): InetdLogType | string {
  const [type, ...rest] = words;
  if (type === 'FILE') {
    if (rest.length < 1 || rest.length > 3) return `log_type FILE takes a path and up to two limits, got "${words.join(' ')}"`;
    const [path, soft, hard] = rest as [string, string?, string?];
    if (!path.startsWith('/')) return `log_type FILE "${path}" must be an absolute path`;
    if (soft === undefined) return { kind: 'file', path };
    const softLimit = parseSize(soft, false);
    if (softLimit === undefined) return `log_type FILE soft limit "${soft}" is invalid (a number of bytes, K or M)`;
    if (hard === undefined) {
      const extra = Math.min(Math.max(Math.floor(softLimit / 100), LOG_EXTRA_MIN), LOG_EXTRA_MAX);
      return { kind: 'file', path, softLimit, hardLimit: softLimit + extra };
    }
    const hardLimit = parseSize(hard, false);
    if (hardLimit === undefined) return `log_type FILE hard limit "${hard}" is invalid (a number of bytes, K or M)`;
    if (hardLimit < softLimit) return `log_type FILE hard limit (${hardLimit}) is less than the soft limit (${softLimit})`;
    return { kind: 'file', path, softLimit, hardLimit };
  }
  if (type === 'SYSLOG') {
    if (rest.length < 1 || rest.length > 2) return `log_type SYSLOG takes a facility and an optional level, got "${words.join(' ')}"`;
    const [facilityName, levelName] = rest as [string, string?];
    if (!XINETD_FACILITIES.includes(facilityName)) return `unknown syslog facility "${facilityName}" (${XINETD_FACILITIES.join(', ')})`;
    const facility = (FACILITY_NAMES as readonly string[]).indexOf(facilityName);
    if (levelName === undefined) return { kind: 'syslog', facility, level: 6 };
    const level = (PRIORITY_NAMES as readonly string[]).indexOf(levelName);
    if (level < 0) return `unknown syslog level "${levelName}" (${PRIORITY_NAMES.join(', ')})`;
    return { kind: 'syslog', facility, level };
  }
  return `unknown log_type "${type ?? ''}" (FILE or SYSLOG)`;
}

/**
 * `redirect = host port`: the port is a number or a tcp service name from
 * /etc/services, as xinetd's redir_parser takes it.
 */
export function parseRedirect(words: string[], services: ServicesTable): { host: string; port: number } | string {
  const [host, p] = words;
  if (!host || !p) return `redirect must be "host port", got "${words.join(' ')}"`;
  const port = /^\d{1,5}$/.test(p) && Number(p) > 0 ? Number(p) : services.port(p, 'tcp');
  if (port === undefined) return `redirect port "${p}" is neither a number nor a tcp service in /etc/services`;
  if (port > 65535) return `redirect port ${port} is too large`;
  return { host, port };
}
