/**
 * How systemd units look in `hearth list` and `status`: hearth's status of
 * the unit, and, in the detail, what systemctl shows of it (load state,
 * active and sub state, unit file state, fragment and drop-ins, what it
 * triggers) plus every setting hearth does not enforce or only
 * approximates, with file:line — never dropped silently.
 */
import { STATE_CLASS, type ServiceStatus } from '../model/index.js';
import { formatDiagnostic, type SystemdUnit } from '../systemd/index.js';
import type { UnitFiles } from './unit-files.js';
import type { UnitState } from './unit-state.js';

export function unitStatus(s: UnitState, name: string): ServiceStatus {
  const u = s.units.get(name)!;
  const base: ServiceStatus = {
    name,
    description: u.unit.description ?? '',
    kind: 'systemd',
    state: s.stateOf(name),
    pid: null,
    startedAt: null,
    readyAt: null,
    restarts: 0,
    lastExit: null,
    source: u.fragmentPath ?? name,
  };
  if (u.loadState === 'masked') return { ...base, detail: 'masked' };
  if (u.type === 'service' && s.supervisor.has(name)) {
    const snap = s.supervisor.get(name).snapshot();
    return { ...snap, kind: 'systemd', description: base.description, ...(s.skipped.has(name) && snap.state !== 'running' ? { detail: `start condition failed: ${s.skipped.get(name)}` } : {}) };
  }
  const refused = s.refused.get(name);
  if (refused) return { ...base, state: 'broken', detail: refused[0], errors: refused };
  if (u.loadState !== 'loaded') {
    const errors = u.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    return { ...base, state: 'broken', detail: `load state ${u.loadState}`, errors };
  }
  if (u.type === 'socket') {
    const sock = s.sockets.get(name)!;
    return { ...base, ...(sock.detail ? { detail: sock.detail } : {}) };
  }
  if (u.type === 'timer') {
    const t = s.timers.get(name)!;
    return {
      ...base,
      nextRun: t.next,
      lastRun: t.last !== null ? { at: t.last, durationMs: 0, code: null, signal: null } : null,
      schedule: u.timer!.values.map((v) => (v.base === 'OnCalendar' ? `${v.base}=${v.text}` : `${v.base}=${Math.round(v.usec / 1e6)}s`)).join(' '),
      ...(t.active && t.next === null ? { detail: 'elapsed' } : {}),
    };
  }
  if (s.skipped.has(name)) return { ...base, detail: `start condition failed: ${s.skipped.get(name)}` };
  return base;
}

/** systemctl's sub state for a unit in a state. */
function subState(u: SystemdUnit, status: ServiceStatus): string {
  if (u.loadState === 'masked') return 'dead';
  switch (status.state) {
    case 'running':
      return u.type === 'target' ? 'active' : u.type === 'socket' ? 'listening' : u.service?.type === 'oneshot' || status.pid === null ? 'exited' : 'running';
    case 'waiting':
      return status.nextRun === null ? 'elapsed' : 'waiting';
    case 'starting':
      return 'start';
    case 'stopping':
      return 'stop';
    case 'backoff':
      return 'auto-restart';
    case 'failed':
    case 'broken':
      return 'failed';
    default:
      return 'dead';
  }
}

export function unitDetail(s: UnitState, files: UnitFiles, name: string): ServiceStatus & { extra: Record<string, unknown> } {
  const u = s.units.get(name)!;
  const status = unitStatus(s, name);
  const usage = u.type === 'service' && s.supervisor.has(name) ? s.supervisor.status(name) : {};
  // The unit's own diagnostics, and what its translation into a definition added.
  const all = [...new Set([...u.diagnostics, ...(s.config?.diagnostics.filter((d) => d.unit === name) ?? [])])];
  const diag = (kind: string) => [...new Set(all.filter((d) => d.kind === kind).map(formatDiagnostic))];
  const loadState = s.refused.has(name) ? 'bad-setting' : u.loadState;
  const sock = s.sockets.get(name);
  const timer = s.timers.get(name);
  return {
    ...status,
    ...usage,
    kind: 'systemd',
    extra: {
      systemd: {
        id: u.name,
        type: u.type,
        names: u.names,
        loadState,
        activeState: u.loadState === 'masked' ? 'inactive' : STATE_CLASS[status.state],
        subState: subState(u, status),
        unitFileState: files.state(u.template ? u.name : u.names.find((n) => files.state(n) !== 'not-found') ?? u.name),
        fragmentPath: u.fragmentPath,
        dropIns: u.dropIns,
        ...(u.template ? { template: u.template.name, instance: u.template.instance } : {}),
        unit: u.unit,
        ...(u.service ? { serviceType: u.service.type, mainPid: status.pid, execStart: u.service.execStart.map((c) => c.argv.join(' ')) } : {}),
        ...(sock ? { listen: sock.listening(), triggers: sock.service, accept: sock.accept, connections: sock.connectionCount() } : {}),
        ...(timer ? { triggers: timer.target, next: timer.next, last: timer.last } : {}),
        ...(s.skipped.has(name) ? { condition: s.skipped.get(name) } : {}),
        notEnforced: diag('not-enforced'),
        approximated: diag('approximated'),
        warnings: [...new Set(all.filter((d) => d.severity === 'warning').map(formatDiagnostic))],
        refused: s.refused.get(name) ?? [],
        settings: u.settings.map((x) => ({ section: x.section, key: x.key, value: x.value, file: x.file, line: x.line, support: x.support })),
      },
    },
  };
}
