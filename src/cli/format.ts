import {
  STATE_CLASS,
  describeExit,
  formatDuration,
  formatRelative,
  formatTimestamp,
  isRunningState,
  type ExitInfo,
  type ServiceState,
  type ServiceStatus,
} from '../model/index.js';
import type { LogRecord, RenderOptions } from '../journal/index.js';
import type { ColorName } from './output.js';

const CLASS_COLOR = { active: 'green', failed: 'red', activating: 'yellow', deactivating: 'yellow', inactive: 'dim' } as const;

export function stateColor(state: ServiceState): ColorName {
  // Up, but not all of it: not the green of a healthy unit.
  if (state === 'degraded') return 'yellow';
  return CLASS_COLOR[STATE_CLASS[state]];
}

export function uptime(s: ServiceStatus, now = Date.now()): string {
  if (!isRunningState(s.state) || s.startedAt === null) return '-';
  return formatDuration(Math.max(0, now - s.startedAt));
}

/** "exit code 1, 5min ago". */
export function exitAgo(e: ExitInfo, now = Date.now()): string {
  return `${describeExit(e)}, ${formatRelative(e.at, now)}`;
}

/** "since 2026-12-04 19:07:04 CET; 2min 3s ago", as systemctl status writes it. */
export function since(at: number, now = Date.now()): string {
  return `since ${formatTimestamp(at, { zone: true })}; ${formatRelative(at, now)}`;
}

type Render = (r: LogRecord, o: RenderOptions) => string;

/**
 * One log record as a line: the time in hearth's one format (UTC with --utc),
 * then the journal's own rendering of the rest (escaping, the "[err]" mark of
 * stderr lines, colours by priority).
 */
export function logLine(render: Render, r: LogRecord, o: { color: boolean; utc?: boolean; showService?: boolean; raw?: boolean }): string {
  const time = formatTimestamp(r.ts, { utc: o.utc === true, millis: true, zone: o.utc === true });
  const rest = render(r, { color: o.color, time: false, showService: o.showService === true, raw: o.raw === true });
  return `${o.color ? `\x1b[2m${time}\x1b[0m` : time} ${rest}`;
}
