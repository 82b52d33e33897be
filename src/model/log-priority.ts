/**
 * Syslog priorities as every front end names and reads them. A line with no
 * priority of its own counts as err when the program wrote it to stderr and as
 * info otherwise, as journald files a service's stderr and stdout.
 */

export const PRIORITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
export type PriorityName = (typeof PRIORITY_NAMES)[number];

export const PRIORITY_ERR = 3;
export const PRIORITY_INFO = 6;

/** The priority a log line counts as: its own, else err for stderr, info for anything else. */
export function effectivePriority(r: { priority?: number; stream: string }): number {
  return r.priority ?? (r.stream === 'err' ? PRIORITY_ERR : PRIORITY_INFO);
}

/** "err", "3", "error", "warn" → 3, 3, 3, 4 (journalctl -p takes names and digits); undefined for anything else. */
export function parsePriority(text: string): number | undefined {
  const raw = text.toLowerCase();
  if (/^[0-7]$/.test(raw)) return Number(raw);
  const name = raw === 'error' ? 'err' : raw === 'warn' ? 'warning' : raw === 'emergency' ? 'emerg' : raw === 'critical' ? 'crit' : raw;
  const i = (PRIORITY_NAMES as readonly string[]).indexOf(name);
  return i >= 0 ? i : undefined;
}

/** Syslog facilities by number, as syslog.h and journalctl --facility name them. */
export const FACILITY_NAMES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news',
  'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

/** "daemon", "local0", "3" → 3, 16, 3; undefined for anything else. */
export function parseFacility(text: string): number | undefined {
  const raw = text.toLowerCase();
  if (/^\d{1,2}$/.test(raw) && Number(raw) < FACILITY_NAMES.length) return Number(raw);
  const i = (FACILITY_NAMES as readonly string[]).indexOf(raw);
  return i >= 0 ? i : undefined;
}
