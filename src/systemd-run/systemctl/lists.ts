/**
 * systemctl's list verbs (list-units, list-unit-files, list-timers,
 * list-sockets) and the systemd view of any unit they share with the others.
 */
import { STATE_CLASS, type ServiceStatus } from '../../model/index.js';
import type { SystemctlOptions } from './args.js';
import type { SystemctlHost, UnitDetailView } from './host.js';
import { relative, table, timestamp } from './render.js';

/** What a verb writes and the exit code it sets. */
export interface Out {
  out: string[];
  err: string[];
  code: number;
}

export function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** The systemd view of any unit: type, load, active and sub state. */
export function states(s: ServiceStatus): { type: string; load: string; active: string; sub: string } {
  const sd = (s as UnitDetailView).extra?.['systemd'] as { type?: string; loadState?: string; activeState?: string; subState?: string } | undefined;
  const type = s.kind === 'systemd' ? s.name.slice(s.name.lastIndexOf('.') + 1) : s.kind === 'timer' ? 'timer' : 'service';
  const active = s.detail === 'masked' ? 'inactive' : STATE_CLASS[s.state];
  const sub = s.state === 'running' ? (s.pid !== null || type !== 'service' ? (type === 'socket' ? 'listening' : type === 'target' ? 'active' : 'running') : 'exited') : s.state === 'waiting' ? 'waiting' : s.state === 'failed' || s.state === 'broken' ? 'failed' : s.state === 'starting' ? 'start' : s.state === 'stopping' ? 'stop' : s.state === 'backoff' ? 'auto-restart' : 'dead';
  return { type, load: sd?.loadState ?? (s.state === 'broken' ? 'error' : s.detail === 'masked' ? 'masked' : 'loaded'), active: sd?.activeState ?? active, sub: sd?.subState ?? sub };
}

export function systemdFacts(d: UnitDetailView): Record<string, unknown> {
  return (d.extra?.['systemd'] as Record<string, unknown> | undefined) ?? {};
}

function wanted(s: ServiceStatus, options: SystemctlOptions, patterns: string[]): boolean {
  const st = states(s);
  if (options.types.length && !options.types.includes(st.type)) return false;
  if (options.states.length && ![st.load, st.active, st.sub].some((x) => options.states.includes(x))) return false;
  if (options.failed && st.active !== 'failed') return false;
  if (patterns.length && !patterns.some((p) => glob(p).test(s.name))) return false;
  return true;
}

export function listUnits(patterns: string[], options: SystemctlOptions, host: SystemctlHost, o: Out): void {
  const rows = host
    .list()
    .filter((s) => wanted(s, options, patterns))
    .filter((s) => options.all || options.states.length > 0 || patterns.length > 0 || ['active', 'activating', 'deactivating', 'failed', 'reloading'].includes(states(s).active))
    .map((s) => {
      const st = states(s);
      return [`${st.active === 'failed' ? '●' : ' '} ${s.name}`, st.load, st.active, st.sub, s.description];
    });
  if (options.noLegend) {
    o.out.push(...table(null, rows));
    return;
  }
  o.out.push(...table(['  UNIT', 'LOAD', 'ACTIVE', 'SUB', 'DESCRIPTION'], rows));
  o.out.push(
    '',
    'LOAD   = Reflects whether the unit definition was properly loaded.',
    'ACTIVE = The high-level unit activation state, i.e. generalization of SUB.',
    'SUB    = The low-level unit activation state, values depend on unit type.',
    `${rows.length} loaded units listed.${options.all ? '' : ' Pass --all to see loaded but inactive units, too.'}`,
    "To show all installed unit files use 'systemctl list-unit-files'.",
  );
}

export function listUnitFiles(patterns: string[], options: SystemctlOptions, host: SystemctlHost, o: Out): void {
  const rows = host
    .unitFiles()
    .filter((f) => patterns.length === 0 || patterns.some((p) => glob(p).test(f.name)))
    .filter((f) => options.types.length === 0 || options.types.includes(f.name.slice(f.name.lastIndexOf('.') + 1)))
    .map((f) => [f.name, host.files.state(f.name), '-'])
    .filter((r) => options.states.length === 0 || options.states.includes(r[1]!));
  if (!options.noLegend) o.out.push(...table(['UNIT FILE', 'STATE', 'VENDOR PRESET'], rows), '', `${rows.length} unit files listed.`);
  else o.out.push(...table(null, rows));
}

export async function listTimers(options: SystemctlOptions, host: SystemctlHost, o: Out): Promise<void> {
  const now = Date.now();
  const rows: string[][] = [];
  for (const s of host.list().filter((x) => x.kind === 'timer' || (x.kind === 'systemd' && x.name.endsWith('.timer')))) {
    if (!options.all && STATE_CLASS[s.state] !== 'active') continue;
    const d = await host.detail(s.name, 0);
    const sd = d ? systemdFacts(d) : {};
    const next = s.nextRun ?? null;
    const last = s.lastRun?.at ?? null;
    rows.push([
      next !== null ? timestamp(next) : '-',
      next !== null ? `${relative(next - now)} left` : '-',
      last !== null ? timestamp(last) : '-',
      last !== null ? `${relative(now - last)} ago` : '-',
      s.name,
      (sd['triggers'] as string | undefined) ?? '-',
    ]);
  }
  rows.sort((a, b) => (a[0] === '-' ? 1 : b[0] === '-' ? -1 : 0));
  if (!options.noLegend) o.out.push(...table(['NEXT', 'LEFT', 'LAST', 'PASSED', 'UNIT', 'ACTIVATES'], rows), '', `${rows.length} timers listed.`, ...(options.all ? [] : ['Pass --all to see loaded but inactive timers, too.']));
  else o.out.push(...table(null, rows));
}

export async function listSockets(options: SystemctlOptions, host: SystemctlHost, o: Out): Promise<void> {
  const rows: string[][] = [];
  for (const s of host.list().filter((x) => x.kind === 'systemd' && x.name.endsWith('.socket'))) {
    if (!options.all && STATE_CLASS[s.state] !== 'active') continue;
    const sd = systemdFacts((await host.detail(s.name, 0))!);
    for (const l of (sd['listen'] as string[] | undefined) ?? []) rows.push([l, s.name, String(sd['triggers'] ?? '-')]);
  }
  if (!options.noLegend) o.out.push(...table(['LISTEN', 'UNIT', 'ACTIVATES'], rows), '', `${rows.length} sockets listed.`, ...(options.all ? [] : ['Pass --all to see loaded but inactive sockets, too.']));
  else o.out.push(...table(null, rows));
}
