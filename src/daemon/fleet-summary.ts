/**
 * What a fleet host tells the fleet about its units: one compact row per unit
 * (see src/fleet/report.ts), made from hearthd's own list, the last failure of
 * each unit (remembered from the events) and the audit's findings per unit.
 */
import type { AuditReport } from '../catalog/index.js';
import type { HearthEvent, ServiceStatus } from '../model/index.js';
import type { UnitSummary } from '../fleet/index.js';

/** The last failure of each unit, in words, as the events told it. */
export class FailureLog {
  private readonly lastExit = new Map<string, string>();
  private readonly failures = new Map<string, { at: number; reason: string }>();

  /** Returns true when the event may change a unit's row (state, pid, restarts, failure). */
  observe(e: HearthEvent): boolean {
    switch (e.type) {
      case 'service.exit':
        this.lastExit.set(e.name, e.reason === 'oom-killed' ? 'killed by the OOM killer' : e.code !== null ? `exited with code ${e.code}` : `killed by ${e.signal ?? 'a signal'}`);
        return true;
      case 'service.state':
        if (e.to === 'failed' || e.to === 'backoff') this.failures.set(e.name, { at: e.at, reason: this.lastExit.get(e.name) ?? e.detail ?? `became ${e.to}` });
        return true;
      case 'service.error':
        this.failures.set(e.name, { at: e.at, reason: e.message });
        return true;
      case 'pool.failed':
        this.failures.set(e.name, { at: e.at, reason: e.reason });
        return true;
      case 'timer.run':
        if (e.change === 'failed') this.failures.set(e.name, { at: e.at, reason: e.reason });
        if (e.change === 'finished' && (e.code !== 0 || e.signal !== null)) {
          this.failures.set(e.name, { at: e.at, reason: e.code !== null ? `run exited with code ${e.code}` : `run killed by ${e.signal ?? 'a signal'}` });
        }
        return true;
      case 'service.spawn':
      case 'pool.worker':
      case 'pool.size':
      case 'inetd.listener':
      case 'runlevel.changed':
      case 'config.reloaded':
        return true;
      default:
        return false;
    }
  }

  get(name: string): { at: number; reason: string } | undefined {
    return this.failures.get(name);
  }
}

/** Findings per unit name from an audit report. */
export function findingsByUnit(report: AuditReport): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of report.findings) if (f.service) counts.set(f.service, (counts.get(f.service) ?? 0) + 1);
  return counts;
}

export function unitSummaries(units: readonly ServiceStatus[], failures: FailureLog, findings: ReadonlyMap<string, number>): UnitSummary[] {
  return units.map((s) => {
    const failure = failures.get(s.name);
    return {
      name: s.name,
      kind: s.kind,
      state: s.state,
      enabled: (s.levels ?? []).flatMap((on, level) => (on ? [level] : [])),
      pids: s.pid !== null ? 1 : 0,
      restarts: s.restarts,
      findings: findings.get(s.name) ?? 0,
      ...(failure ? { lastFailure: failure } : {}),
    };
  });
}
