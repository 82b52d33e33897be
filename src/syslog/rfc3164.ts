/**
 * RFC 3164, the BSD syslog format, in the shapes real senders use:
 *
 *   network:   `Mmm dd hh:mm:ss HOST TAG[PID]: MSG`
 *   /dev/log:  `Mmm dd hh:mm:ss TAG[PID]: MSG`   (glibc syslog(3), musl, util-linux logger)
 *   rsyslog:   `2026-11-24T01:44:16.872+00:00 HOST TAG: MSG`
 *
 * Everything is optional and nothing throws: what is not recognised stays in
 * the message. Works on latin1 text like the RFC 5424 parser (see there).
 */
import { parseRfc3339 } from './rfc3339.js';
import { utf8, type HeaderFields, type HeaderResult } from './rfc5424.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** `Mmm dd hh:mm:ss`, day space- or zero-padded; some devices add a year or fractions. */
const BSD_TIME = /^([A-Za-z]{3}) +(\d{1,2}) (?:(\d{4}) )?(\d\d):(\d\d):(\d\d)(?:\.\d{1,6})?(?: |$)/;
const ISO_TIME = /^(\d{4}-\d\d-\d\d[Tt]\S+)(?: |$)/;
/** TAG then ":" — or TAG[PID] with or without the colon. */
const TAG = /^([^\s:[\]]{1,64})(?:\[([^\]\s]{0,32})\]:?|:)(?: |$)?/;
const HOST = /^([^\s:[\]]{1,255}) /;

export function parseRfc3164(s: string, now: Date): HeaderResult {
  const fields: HeaderFields = {};
  let p = 0;
  const bsd = BSD_TIME.exec(s);
  const iso = bsd ? undefined : ISO_TIME.exec(s);
  let stamped = false;
  if (bsd) {
    const ts = bsdTime(bsd, now);
    if (ts !== undefined) {
      fields.timestamp = ts;
      p = bsd[0].length;
      stamped = true;
    }
  } else if (iso) {
    const ts = parseRfc3339(iso[1]!);
    if (ts !== undefined) {
      fields.timestamp = ts;
      p = iso[0].length;
      stamped = true;
    }
  }
  // A hostname comes only after a time, and only if a tag follows it: the
  // local form goes straight from the time to the tag ("sshd[12]:" or "cron:").
  if (stamped) {
    const host = HOST.exec(s.slice(p));
    if (host && TAG.test(s.slice(p + host[0].length))) {
      fields.hostname = utf8(host[1]!);
      p += host[0].length;
    }
  }
  const tag = TAG.exec(s.slice(p));
  if (tag) {
    fields.appName = utf8(tag[1]!);
    if (tag[2]) fields.procId = utf8(tag[2]);
    p += tag[0].length;
  }
  return { fields, bodyOffset: p };
}

/**
 * The BSD time has no year: take the one that puts it nearest to now, so a
 * "Dec 31" read on January 1st is last year's.
 */
function bsdTime(m: RegExpExecArray, now: Date): number | undefined {
  const month = MONTHS.indexOf(m[1]!.toLowerCase());
  const [day, hh, mm, ss] = [m[2], m[4], m[5], m[6]].map(Number) as [number, number, number, number];
  if (month < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return undefined;
  const at = (year: number): number => new Date(year, month, day, hh, mm, ss).getTime();
  if (m[3]) return at(Number(m[3]));
  const y = now.getFullYear();
  const t = now.getTime();
  return [y - 1, y, y + 1].map(at).reduce((best, c) => (Math.abs(c - t) < Math.abs(best - t) ? c : best));
}
