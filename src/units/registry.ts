import { HearthError } from '../errors/index.js';
import { compareNames, didYouMean, type ServiceState, type ServiceStatus } from '../model/index.js';
import type { LoadedConfig } from '../config/index.js';
import type { ApplyReport, RecoveryReport, RunlevelUnit, UnitAction, UnitBackend, UnitDetail } from './backend.js';

/** A name defined by two kinds of unit: the first registered backend wins, the other is hidden. */
export interface ShadowedUnit {
  name: string;
  kind: string;
  by: string;
}

/**
 * Every unit hearthd knows, whatever its kind. Backends are registered in
 * order of precedence: when two kinds define the same name (a native service
 * and an init script called "cron"), the earlier one is the unit and the
 * later one is reported as shadowed — never run twice.
 */
export class UnitRegistry {
  private readonly backends: UnitBackend[] = [];
  private shadowed: ShadowedUnit[] = [];

  register(backend: UnitBackend): void {
    this.backends.push(backend);
  }

  /** Applies a loaded config to every backend, in order of precedence. */
  async apply(config: LoadedConfig, phase: 'boot' | 'reload'): Promise<ApplyReport & { shadowed: ShadowedUnit[] }> {
    const reports: Array<[UnitBackend, ApplyReport]> = [];
    for (const backend of this.backends) reports.push([backend, await backend.apply(config, phase)]);
    this.shadowed = this.findShadowed();
    const report: ApplyReport = { added: [], changed: [], removed: [], unchanged: [] };
    const owners = this.owners();
    for (const [backend, r] of reports) {
      // Only the unit that owns a name speaks for it; a shadowed twin's changes are not the unit's.
      for (const key of ['added', 'changed', 'unchanged'] as const) report[key].push(...r[key].filter((n) => owners.get(n) === backend));
      report.removed.push(...r.removed.filter((n) => !owners.has(n)));
    }
    for (const list of Object.values(report)) list.sort(compareNames);
    return { ...report, shadowed: this.shadowed };
  }

  recover(): RecoveryReport {
    const all: Required<RecoveryReport> = { adopted: [], leftStopped: [], died: [], changed: [], orphaned: [] };
    for (const b of this.backends) {
      const r = b.recover?.();
      if (!r) continue;
      for (const key of ['adopted', 'leftStopped', 'died', 'changed', 'orphaned'] as const) all[key].push(...(r[key] ?? []));
    }
    return all;
  }

  /** The backend that owns a name, or undefined. */
  find(name: string): UnitBackend | undefined {
    return this.backends.find((b) => b.has(name));
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  names(): string[] {
    return [...new Set(this.backends.flatMap((b) => b.names()))];
  }

  kindOf(name: string): string | undefined {
    return this.find(name)?.kind;
  }

  shadowedUnits(): readonly ShadowedUnit[] {
    return this.shadowed;
  }

  list(): ServiceStatus[] {
    const seen = new Set<string>();
    const out: ServiceStatus[] = [];
    for (const b of this.backends) {
      for (const s of b.list()) {
        if (seen.has(s.name)) continue;
        seen.add(s.name);
        out.push(s);
      }
    }
    return out.sort((a, b) => compareNames(a.name, b.name));
  }

  detail(name: string): Promise<UnitDetail | undefined> {
    return this.find(name)?.detail(name) ?? Promise.resolve(undefined);
  }

  /** Resolves with the state the unit settled in; rejects with a HearthError. */
  act(name: string, action: UnitAction): Promise<ServiceState> {
    return this.require(name).act(name, action);
  }

  runlevelUnit(name: string): RunlevelUnit | undefined {
    return this.find(name)?.runlevelUnit(name);
  }

  runlevelUnits(): RunlevelUnit[] {
    return [...this.owners()].map(([n, backend]) => backend.runlevelUnit(n)).filter((u): u is RunlevelUnit => u !== undefined);
  }

  /**
   * Every name with the backend that owns it (the first, in order of precedence), from
   * one pass over each backend's names: asking find() per name costs a backend's has()
   * each time, which for xinetd-style services is a scan, n² at 10,000 services.
   */
  private owners(): Map<string, UnitBackend> {
    const owners = new Map<string, UnitBackend>();
    for (const b of this.backends) for (const n of b.names()) if (!owners.has(n)) owners.set(n, b);
    return owners;
  }

  isUp(name: string): boolean {
    return this.find(name)?.isUp(name) ?? false;
  }

  ownerOf(pid: number): string | undefined {
    for (const b of this.backends) {
      const owner = b.ownerOf?.(pid);
      if (owner !== undefined) return owner;
    }
    return undefined;
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.backends.map((b) => b.shutdown()));
  }

  /** The backend for a name, or ERR_UNKNOWN_SERVICE with the nearest names as a hint. */
  require(name: string): UnitBackend {
    const backend = this.find(name);
    if (backend) return backend;
    const hint = didYouMean(name, this.names());
    throw new HearthError('ERR_UNKNOWN_SERVICE', `unknown service "${name}"`, { hint: hint ?? 'see "hearth list"' });
  }

  private findShadowed(): ShadowedUnit[] {
    const owner = new Map<string, string>();
    const shadowed: ShadowedUnit[] = [];
    for (const b of this.backends) {
      for (const n of b.names()) {
        const first = owner.get(n);
        if (first === undefined) owner.set(n, b.kind);
        else if (first !== b.kind) shadowed.push({ name: n, kind: b.kind, by: first });
      }
    }
    return shadowed;
  }
}
