/**
 * RFC 3339 timestamps as RFC 5424 (and rsyslog's high-precision RFC 3164
 * variant) send them. Date.parse alone would also accept "Nov 24" and other
 * loose forms, so the shape is checked first; fractions beyond milliseconds
 * are cut because engines differ on them.
 */
const RFC3339 = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:?\d\d)?$/;

export function parseRfc3339(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const frac = m[3] ? `.${m[3].slice(0, 3).padEnd(3, '0')}` : '';
  // No offset (not RFC 3339, but common): the receiver's local time, as a syslogd reads it.
  let zone = m[4] ?? '';
  if (zone === 'z') zone = 'Z';
  else if (zone.length === 5) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${frac}${zone}`);
  return Number.isFinite(ms) ? ms : undefined;
}
