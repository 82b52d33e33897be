/**
 * The normalised text of a calendar expression, character for character as
 * `systemd-analyze calendar` prints it ("Normalized form:"), so a person can
 * compare what hearth understood with what systemd would.
 */
import { USEC_PER_SEC, type CalendarComponent, type CalendarSpec } from './spec.js';
import type { TimeZone } from '../../util/time-zone.js';

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function formatWeekdays(bits: number): string {
  let out = '';
  let open = -1;
  let needComma = false;
  let x = 0;
  for (; x < 7; x++) {
    if (bits & (1 << x)) {
      if (open < 0) {
        if (needComma) out += ',';
        else needComma = true;
        out += DAY_NAMES[x];
        open = x;
      }
    } else if (open >= 0) {
      if (x > open + 1) out += (x > open + 2 ? '..' : ',') + DAY_NAMES[x - 1];
      open = -1;
    }
  }
  if (open >= 0 && x > open + 1) out += (x > open + 2 ? '..' : ',') + DAY_NAMES[x - 1];
  return out;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function frac(n: number): string {
  return `.${String(n).padStart(6, '0')}`;
}

function formatChain(chain: CalendarComponent[] | null, width: number, usec: boolean): string {
  const d = usec ? USEC_PER_SEC : 1;
  if (!chain || (usec && chain.some((c) => c.start === 0 && c.stop < 0 && c.repeat === USEC_PER_SEC))) return '*';
  return chain
    .map((c) => {
      let s = pad(Math.trunc(c.start / d), width);
      if (c.start % d > 0) s += frac(c.start % d);
      if (c.stop > 0) s += `..${pad(Math.trunc(c.stop / d), width)}`;
      if (c.stop % d > 0) s += frac(c.stop % d);
      if (c.repeat > 0 && !(c.stop > 0 && c.repeat === d)) s += `/${Math.trunc(c.repeat / d)}`;
      if (c.repeat % d > 0) s += frac(c.repeat % d);
      return s;
    })
    .join(',');
}

/** The normalised form; localZone supplies the abbreviation when the expression named local standard or daylight time. */
export function formatCalendarSpec(spec: CalendarSpec, localZone: TimeZone): string {
  let out = '';
  if (spec.weekdays > 0 && spec.weekdays <= 127) out += `${formatWeekdays(spec.weekdays)} `;
  out += `${formatChain(spec.year, 4, false)}-${formatChain(spec.month, 2, false)}${spec.endOfMonth ? '~' : '-'}${formatChain(spec.day, 2, false)}`;
  out += ` ${formatChain(spec.hour, 2, false)}:${formatChain(spec.minute, 2, false)}:${formatChain(spec.microsecond, 2, true)}`;
  if (spec.utc) out += ' UTC';
  else if (spec.timezone) out += ` ${spec.timezone}`;
  else if (spec.dst === 0 || spec.dst === 1) {
    const abbr = localZone.tzname[spec.dst];
    if (abbr) out += ` ${abbr}`;
  }
  return out;
}
