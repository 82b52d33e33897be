/**
 * journalctl's output formats for hearth's journal records: short
 * ("Dec 04 22:46:28 host unit: message"), short-iso, short-precise, cat and
 * json. Used by `hearth journalctl` and by `systemctl status`'s log lines.
 * hearth's records carry the unit but not the sending pid, so the
 * identifier is written without "[pid]".
 */
import type { LogRecord } from '../journal/index.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export type JournalFormat = 'short' | 'short-iso' | 'short-precise' | 'short-full' | 'cat' | 'json' | 'verbose';
export const JOURNAL_FORMATS: readonly JournalFormat[] = ['short', 'short-iso', 'short-precise', 'short-full', 'cat', 'json', 'verbose'];

interface Clock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  offsetMin: number;
}

function clock(ts: number, utc: boolean): Clock {
  const d = new Date(ts);
  if (utc) return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), ms: d.getUTCMilliseconds(), offsetMin: 0 };
  return { year: d.getFullYear(), month: d.getMonth(), day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds(), ms: d.getMilliseconds(), offsetMin: -d.getTimezoneOffset() };
}

/** The identifier a line is shown under: the unit, or the syslog identifier a unit's line carries. */
function identifier(r: LogRecord, identifiers: ReadonlyMap<string, string>): string {
  return identifiers.get(r.service) ?? r.service.replace(/\.service$/, '');
}

export interface JournalLineOptions {
  format: JournalFormat;
  hostname: string;
  utc?: boolean;
  /** SyslogIdentifier= of units that set one. */
  identifiers?: ReadonlyMap<string, string>;
}

export function journalLine(r: LogRecord, o: JournalLineOptions): string {
  const c = clock(r.ts, o.utc === true);
  const ident = identifier(r, o.identifiers ?? new Map());
  const text = r.text;
  switch (o.format) {
    case 'cat':
      return text;
    case 'json':
      return JSON.stringify({
        __REALTIME_TIMESTAMP: String(r.ts * 1000),
        _HOSTNAME: o.hostname,
        SYSLOG_IDENTIFIER: ident,
        _SYSTEMD_UNIT: r.service,
        PRIORITY: String(r.priority ?? (r.stream === 'err' ? 3 : 6)),
        MESSAGE: text,
      });
    case 'short-iso': {
      const off = `${c.offsetMin >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(c.offsetMin) / 60))}${pad(Math.abs(c.offsetMin) % 60)}`;
      return `${c.year}-${pad(c.month + 1)}-${pad(c.day)}T${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}${off} ${o.hostname} ${ident}: ${text}`;
    }
    case 'short-precise':
      return `${MONTHS[c.month]} ${pad(c.day)} ${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}.${pad(c.ms, 3)}000 ${o.hostname} ${ident}: ${text}`;
    case 'short-full':
    case 'verbose': {
      const d = new Date(r.ts);
      const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][o.utc ? d.getUTCDay() : d.getDay()];
      return `${wd} ${c.year}-${pad(c.month + 1)}-${pad(c.day)} ${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)} ${o.hostname} ${ident}: ${text}`;
    }
    default:
      return `${MONTHS[c.month]} ${pad(c.day)} ${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)} ${o.hostname} ${ident}: ${text}`;
  }
}
