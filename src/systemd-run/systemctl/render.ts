/**
 * systemctl's text: the status block, the tables of list-units,
 * list-unit-files, list-timers and list-sockets, and timestamps in its
 * formats ("Thu 2026-12-04 22:46:28 UTC", "5min 3s ago", "1h 2min left").
 */
import { escapeText, type LogRecord } from '../../journal/index.js';
import { STATE_CLASS, wallClock, zoneAbbreviation, type ServiceStatus } from '../../model/index.js';
import { journalLine } from '../journal-lines.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30.44 * DAY;
const YEAR = 365.25 * DAY;

/** "Thu 2026-12-04 22:46:28 UTC", in hearthd's time zone. */
export function timestamp(ms: number): string {
  const d = wallClock(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  return `${wd} ${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${zoneAbbreviation(ms)}`.trim();
}

/** systemd's relative times: "5s", "2min 3s", "1h 5min", "1 day 4h", "2 weeks 1 day" … */
export function relative(deltaMs: number): string {
  const d = Math.abs(deltaMs);
  const f = Math.floor;
  if (d >= YEAR) return `${f(d / YEAR)} years ${f((d % YEAR) / MONTH)} months`;
  if (d >= MONTH) return `${f(d / MONTH)} months ${f((d % MONTH) / DAY)} days`;
  if (d >= WEEK) return `${f(d / WEEK)} weeks ${f((d % WEEK) / DAY)} days`;
  if (d >= 2 * DAY) return `${f(d / DAY)} days`;
  if (d >= 25 * HOUR) return `1 day ${f((d - DAY) / HOUR)}h`;
  if (d >= 6 * HOUR) return `${f(d / HOUR)}h`;
  if (d >= HOUR) return `${f(d / HOUR)}h ${f((d % HOUR) / MIN)}min`;
  if (d >= 5 * MIN) return `${f(d / MIN)}min`;
  if (d >= MIN) return `${f(d / MIN)}min ${f((d % MIN) / SEC)}s`;
  if (d >= SEC) return `${f(d / SEC)}s`;
  return `${f(d)}ms`;
}

/** Columns padded to their widest cell, as systemctl's tables are. */
export function table(header: string[] | null, rows: string[][]): string[] {
  const all = header ? [header, ...rows] : rows;
  const widths = all[0]?.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length))) ?? [];
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(' ').trimEnd());
}

export interface StatusFacts {
  status: ServiceStatus;
  id: string;
  description: string;
  loadState: string;
  activeState: string;
  subState: string;
  fragmentPath: string | null;
  unitFileState: string;
  dropIns: string[];
  docs: string[];
  triggers?: string;
  listen?: string[];
  notEnforced: string[];
  approximated: string[];
  logs: LogRecord[];
  hostname: string;
}

/** The block `systemctl status UNIT` prints. */
export function statusBlock(f: StatusFacts, now: number): string[] {
  const s = f.status;
  const dot = STATE_CLASS[s.state] === 'failed' ? '×' : STATE_CLASS[s.state] === 'active' ? '●' : '○';
  const lines = [`${dot} ${f.id}${f.description ? ` - ${f.description}` : ''}`];
  const row = (k: string, v: string) => lines.push(`${k.padStart(11)}: ${v}`);
  const where = f.fragmentPath ? `${f.fragmentPath}; ${f.unitFileState}` : f.loadState === 'masked' ? '/dev/null; masked' : '';
  row('Loaded', `${f.loadState}${where ? ` (${where})` : ''}`);
  if (f.dropIns.length) {
    const dirs = new Map<string, string[]>();
    for (const d of f.dropIns) {
      const dir = d.slice(0, d.lastIndexOf('/'));
      dirs.set(dir, [...(dirs.get(dir) ?? []), d.slice(d.lastIndexOf('/') + 1)]);
    }
    let first = true;
    for (const [dir, files] of dirs) {
      lines.push(`${first ? '    Drop-In: ' : '             '}${dir}`);
      lines.push(`             └─${files.join(', ')}`);
      first = false;
    }
  }
  const since = s.startedAt !== null && STATE_CLASS[s.state] !== 'inactive' ? s.startedAt : s.lastExit?.at ?? null;
  const when = since !== null ? ` since ${timestamp(since)}; ${relative(now - since)} ago` : '';
  row('Active', `${f.activeState} (${f.subState})${when}`);
  if (f.triggers) row('Triggers', `● ${f.triggers}`);
  if (f.listen?.length) f.listen.forEach((l, i) => lines.push(`${i === 0 ? '     Listen: ' : '             '}${l}`));
  if (s.detail && STATE_CLASS[s.state] !== 'active') row('Status', `"${escapeText(s.detail)}"`);
  if (f.docs.length) f.docs.forEach((d, i) => lines.push(`${i === 0 ? '       Docs: ' : '             '}${d}`));
  if (s.pid !== null) row('Main PID', String(s.pid));
  if (s.lastExit && s.pid === null && STATE_CLASS[s.state] !== 'active') {
    const how = s.lastExit.signal ? `code=killed, signal=${s.lastExit.signal.replace(/^SIG/, '')}` : `code=exited, status=${s.lastExit.code ?? 0}`;
    row('Main PID', `(${how})`);
  }
  if (s.tasks !== undefined && s.tasks > 0) row('Tasks', String(s.tasks));
  if (s.memoryBytes !== undefined && s.memoryBytes > 0) row('Memory', `${(s.memoryBytes / 1024 / 1024).toFixed(1)}M`);
  if (s.cpuSeconds !== undefined && s.cpuSeconds > 0) row('CPU', `${Math.round(s.cpuSeconds * 1000)}ms`);
  if (s.cgroup !== undefined && STATE_CLASS[s.state] !== 'inactive') row('CGroup', s.cgroup);
  for (const n of f.notEnforced) row('Not enforced', n);
  for (const a of f.approximated) row('Approximated', a);
  if (f.logs.length) {
    lines.push('');
    for (const r of f.logs) lines.push(escapeText(journalLine(r, { format: 'short', hostname: f.hostname })));
  }
  return lines;
}
